"""Running `graphrun test` suites (and sweeps) on a Ray cluster: `--ray [ADDRESS]`.

Ray is optional (`pip install "graphrun[ray]"`) and imported only here, only when `--ray` is given.

  cluster.py   connect (`auto` = RAY_ADDRESS or a local cluster for the run), options, graphrun version check
  blobs.py     inputs shipped by content hash: the driver puts each distinct file once, workers keep a node cache
  dispatch.py  one actor per worker slot; tasks grouped by model key and sent to the actor holding that model;
               a dead worker's tasks retried elsewhere (bounded), Ctrl-C kills the actors
  worker.py    the actor: its own ModelStore, materialises a task's files, runs it, sends back record + outputs
  regress.py   `graphrun test --ray`: goldens compared and every file written (atomically) on the driver
"""
