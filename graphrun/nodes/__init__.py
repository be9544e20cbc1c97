"""One module per node type; each registers itself with graphrun.nodes.base.register."""
