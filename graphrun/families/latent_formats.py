"""Latent formats: channels, scale and shift between raw VAE latents and the sampler's space (ComfyUI
comfy/latent_formats.py constants). process_in: (x − shift)·scale; process_out: x/scale + shift."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LatentFormat:
    name: str
    channels: int
    scale_factor: float
    shift_factor: float = 0.0
    downscale: int = 8  # pixels per latent cell

    def process_in(self, latent):
        """Raw VAE latent -> sampler space."""
        if self.shift_factor:
            return (latent - self.shift_factor) * self.scale_factor
        return latent * self.scale_factor

    def process_out(self, latent):
        """Sampler space -> raw VAE latent."""
        if self.shift_factor:
            return latent / self.scale_factor + self.shift_factor
        return latent / self.scale_factor


SD15 = LatentFormat("SD15", 4, 0.18215)     # SD1.x and SD2.x
SDXL = LatentFormat("SDXL", 4, 0.13025)     # SDXL base and refiner
SD3 = LatentFormat("SD3", 16, 1.5305, 0.0609)
FLUX = LatentFormat("Flux", 16, 0.3611, 0.1159)
