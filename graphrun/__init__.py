"""graphrun: compile ComfyUI workflows and run them natively with numerical parity."""

__version__ = "0.1.0"
