"""Flux.1 (dev, schnell): the DiT in diffusers' FluxTransformer2DModel, its 16-channel AE latent format and the CLIP-L +
T5-XXL text encoder, matching ComfyUI v0.3.64."""
