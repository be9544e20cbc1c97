"""DualCLIPLoader: two text-encoder files (models/text_encoders or models/clip) -> CLIP for the family named by
`type` (ComfyUI nodes.py). graphrun builds type flux: one CLIP-L and one T5-XXL file, in either order (ComfyUI routes
each file by its keys), and type sdxl: CLIP-L + OpenCLIP-G; the other types are refused with a clear error. A new
type = one entry in LOADERS."""

from __future__ import annotations

from graphrun.errors import ModelError
from graphrun.nodes.base import Combo, Files, In, NodeType, register

TYPES = ["sdxl", "sd3", "flux", "hunyuan_video", "hidream", "hunyuan_image"]
DESCRIPTION = ("[Recipes]\n\nsdxl: clip-l, clip-g\nsd3: clip-l, clip-g / clip-l, t5 / clip-g, t5\nflux: clip-l, t5\n"
               "hidream: at least one of t5 or llama, recommended t5 and llama\nhunyuan_image: qwen2.5vl 7b and byt5 small")


def _stub_kinds(names: list[str], found: list[bool]) -> list[str]:
    """Which encoder a missing flux file stands for: by name (t5...), else whatever the pair still lacks."""
    kinds = ["t5xxl" if "t5" in n.lower() else "clip_l" for n in names]
    if kinds[0] == kinds[1]:
        kinds[1] = "clip_l" if kinds[0] == "t5xxl" else "t5xxl"
    return kinds


def load_flux(ctx, names: list[str]):
    from graphrun.backend.checkpoints import read_state_dict
    from graphrun.backend.flux import load as flux
    from graphrun.backend.flux.text import load_flux_text_encoder
    from graphrun.nodes._checkpoints import choose, note_stand_in
    from graphrun.nodes._model_files import find_path, policy

    kinds = _stub_kinds(names, [True, True])
    label = {"clip_l": "CLIP-L", "t5xxl": "T5-XXL"}
    paths = [find_path(ctx, "text_encoders", n) for n in names]
    for name, kind, path in zip(names, kinds, paths):
        if path is None:  # the same CLIP-L + T5-XXL for dev and schnell; the log names the workflow's variant
            note_stand_in(ctx, name, choose(ctx, name, default="flux", allowed=("flux", "flux_schnell")),
                          f"{label[kind]} text encoder")
    if all(p is None for p in paths):
        size = ctx.settings.stub_size
        return ctx.store.get_or_load(ctx.store.stubs, ("flux-text", size, str(ctx.device)),
                                     lambda: flux.load_stub_flux_text_encoder(size, device=ctx.device))
    if any(p is None for p in paths):
        raise ValueError("one text encoder file exists and the other is missing: graphrun does not pair a real "
                         "encoder with a random stand-in (their widths would not match); provide both files")
    pol = policy(ctx)

    def load():
        return load_flux_text_encoder([read_state_dict(p) for p in paths], [str(p) for p in paths],
                                      device=pol.device)

    return ctx.store.files.get(paths[0], pol, load, kind="flux-text:" + str(paths[1].resolve()))


def load_sdxl(ctx, names: list[str]):
    """type sdxl: CLIP-L + OpenCLIP-G (recipe order clip_name1 = L, clip_name2 = G). As ComfyUI's SDXLClipModel,
    a file with a layer 30 (the 32-layer bigG) is CLIP-G and the other CLIP-L; when neither or both have one
    (reduced test models), the recipe order decides."""
    from graphrun.backend.clip.multi import DualClip
    from graphrun.nodes._model_files import find_path
    from graphrun.nodes._text_encoders import build_clip, clip_part, load_cached, read_text_encoder

    paths = [find_path(ctx, "text_encoders", n) for n in names]
    if all(p is None for p in paths):
        from graphrun.families import stand_ins
        from graphrun.families.choose import Choice
        from graphrun.nodes._checkpoints import stand_in_checkpoint

        stand_in, family = stand_ins()["sdxl"]
        choice = Choice(stand_in, family, "DualCLIPLoader type sdxl")
        for n in names[1:]:
            stand_in_checkpoint(ctx, n, "text encoder", choice=choice)  # noted for each file
        return stand_in_checkpoint(ctx, names[0], "text encoder", choice=choice).clip
    if any(p is None for p in paths):
        raise ValueError("one text encoder file exists and the other is missing: graphrun does not pair a real "
                         "encoder with a random stand-in (their widths would not match); provide both files")

    def load():
        files = [read_text_encoder(ctx, p) for p in paths]
        for (_sd, _meta, kind), p in zip(files, paths):
            if kind not in ("clip_l", "clip_g"):
                from graphrun.backend.flux.text import KIND_LABELS

                raise ModelError(f"{p} is {KIND_LABELS.get(kind, 'not a text encoder graphrun recognises')}; "
                                 "DualCLIPLoader type sdxl needs a CLIP-L and an OpenCLIP-G file")
        order = [0, 1]
        if [f[2] for f in files] == ["clip_g", "clip_l"]:
            order = [1, 0]
        (l_sd, l_meta, _), (g_sd, g_meta, _) = files[order[0]], files[order[1]]
        return DualClip(build_clip(ctx, l_sd, l_meta, clip_part("sdxl", "clip_l"), str(paths[order[0]])),
                        build_clip(ctx, g_sd, g_meta, clip_part("sdxl", "clip_g"), str(paths[order[1]])))

    return load_cached(ctx, paths, "sdxl-text", load)


LOADERS = {"flux": load_flux, "sdxl": load_sdxl}


@register
class DualCLIPLoader(NodeType):
    CLASS_TYPE = "DualCLIPLoader"
    DISPLAY_NAME = "DualCLIPLoader"
    CATEGORY = "advanced/loaders"
    DESCRIPTION = DESCRIPTION
    INPUTS = (
        Files("clip_name1", "text_encoders"),
        Files("clip_name2", "text_encoders"),
        Combo("type", TYPES),
        In("device", None, {"advanced": True}, choices=["default", "cpu"], group="optional"),
    )
    OUTPUTS = ("CLIP",)

    def run(self, ctx, clip_name1, clip_name2, type, device="default"):
        from graphrun.errors import ModelError, NodeInputError

        loader = LOADERS.get(type)
        if loader is None:
            raise NodeInputError("type", f"DualCLIPLoader type {type!r} is not supported by graphrun yet "
                                 f"(supported: {', '.join(LOADERS)})", value=type)
        try:
            return (loader(ctx, [clip_name1, clip_name2]),)
        except ValueError as exc:
            raise NodeInputError("clip_name2", str(exc), value=clip_name2) from None
        except ModelError:
            raise
