"""T5-XXL text encoding (Flux, SD3) with ComfyUI v0.3.64 parity: SentencePiece tokenizer, prompt weights, encoder."""

from .chunking import FLUX_MIN_LENGTH, tokenize_t5_prompt
from .encoder import T5Model, load_t5
from .tokenizer import END_TOKEN, PAD_TOKEN, T5Tokenizer, default_t5_tokenizer

__all__ = ["END_TOKEN", "FLUX_MIN_LENGTH", "PAD_TOKEN", "T5Model", "T5Tokenizer", "default_t5_tokenizer", "load_t5",
           "tokenize_t5_prompt"]
