"""SD1.5 CLIP text encoding with ComfyUI v0.3.64 parity: tokenizer, prompt weights, chunking, encoder (spec G)."""

from .chunking import EmbeddingNotSupportedError, TokenizedPrompt, tokenize_prompt
from .encoder import ClipModel, load_clip
from .prompt_weights import parse_prompt
from .tokenizer import END_TOKEN, START_TOKEN, ClipTokenizer, default_tokenizer

__all__ = [
    "END_TOKEN",
    "START_TOKEN",
    "ClipModel",
    "ClipTokenizer",
    "EmbeddingNotSupportedError",
    "TokenizedPrompt",
    "default_tokenizer",
    "load_clip",
    "parse_prompt",
    "tokenize_prompt",
]
