"""`--ray [ADDRESS]` and its resource options, shared by `graphrun test` and `graphrun sweep`. Importing this
module does not import Ray; only `ray_options` with --ray given reaches graphrun.distributed."""

from __future__ import annotations

import argparse


def add_ray_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Ray cluster (needs pip install \"graphrun[ray]\")")
    g.add_argument("--ray", nargs="?", const="auto", default=None, metavar="ADDRESS",
                   help="run on a Ray cluster: ADDRESS (host:6379, ray://host:10001) or auto (default: $RAY_ADDRESS, "
                        "else a local cluster started for this run). Put it after the paths, or write --ray=ADDRESS")
    g.add_argument("--num-cpus-per-task", type=float, default=1.0, metavar="N",
                   help="CPUs each Ray worker reserves (default 1); sets its torch threads when --threads is 0")
    g.add_argument("--num-gpus-per-task", type=float, default=0.0, metavar="N",
                   help="GPUs each Ray worker reserves (default 0; e.g. 1, or 0.5 to share a GPU between two)")
    g.add_argument("--ray-workers", type=int, default=None, metavar="N",
                   help="Ray workers (each holds its own loaded models); default: as many as the resources allow")
    g.add_argument("--ray-attempts", type=int, default=3, metavar="N",
                   help="runs of a workflow whose worker process dies under it before it is reported (default 3)")


def ray_options(args: argparse.Namespace):
    """RayOptions from the command line, or None without --ray (then Ray is never imported)."""
    if args.ray is None:
        return None
    from graphrun.distributed.cluster import RayOptions

    opts = RayOptions(address=args.ray, num_cpus_per_task=args.num_cpus_per_task,
                      num_gpus_per_task=args.num_gpus_per_task, workers=args.ray_workers, max_attempts=args.ray_attempts)
    opts.check()
    return opts
