"""Model families (SD1.x, SD2.x, SDXL base/refiner; Flux and SD3 register here too): see registry.py."""

from graphrun.families import flux, sd15, sd2, sdxl  # noqa: F401 - registration
from graphrun.families.latent_formats import LatentFormat
from graphrun.families.registry import (FAMILIES, ClipPart, Family, StandIn, families, get_family, register,
                                        stand_ins)

__all__ = ["FAMILIES", "ClipPart", "Family", "LatentFormat", "StandIn", "families", "get_family", "register",
           "stand_ins"]
