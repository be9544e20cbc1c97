"""Test nodes for the Ray tests: the toy pipeline plus LoadImage (shipped inputs) and nodes that kill their own
worker process (a worker lost mid-task)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from graphrun.nodes.base import NodeType, Socket, String
from graphrun.nodes.image_scale import ImageScale
from graphrun.nodes.load_image import LoadImage
from tests.regress.toy import toy_registry


class KillWorker(NodeType):
    """Passes its image through, but first SIGKILLs the process running it: always (marker ""), or only the first
    time (marker = a file it creates; on this one-machine test cluster the file is visible to every worker)."""

    CLASS_TYPE, DISPLAY_NAME, OUTPUTS = "KillWorker", "Kill worker", ("IMAGE",)
    INPUTS = (Socket("image", "IMAGE"), String("marker", ""))

    def run(self, ctx, image, marker):
        if not marker or not Path(marker).exists():
            if marker:
                Path(marker).write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return (image,)


def ray_registry():
    reg = toy_registry()
    for t in (LoadImage, ImageScale, KillWorker):
        reg.add(t)
    return reg
