"""T5 SentencePiece (Unigram) tokenizer, matching ComfyUI v0.3.64's `T5TokenizerFast` (transformers 4.56) for Flux/SD3.

The vocabulary (pieces, scores, the precompiled NFKC-style character map, <pad>/</s>/<unk>/<extra_id_N>) is the
bundled `t5_tokenizer.json.gz` (see NOTICE.txt). ComfyUI's tokenizer.json runs these steps, which we set here:
normalizer = precompiled charsmap, strip trailing whitespace, runs of 2+ spaces -> one '▁'; pre-tokenizer = Metaspace
('▁' for spaces, a '▁' prepended to the first piece only); model = Unigram (Viterbi, linear in the text length).
ComfyUI strips the '</s>' the post-processor appends, so no post-processor is set.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import resources

PAD_TOKEN = 0
END_TOKEN = 1
UNK_TOKEN = 2
VOCAB_SIZE = 32100  # 32,000 pieces + 100 <extra_id_N>; T5-XXL's embedding has 32,128 rows
_VOCAB_FILE = "t5_tokenizer.json.gz"


class T5Tokenizer:
    """`encode(text)` -> token ids without the end token, as `tokenizer(text)["input_ids"][:-1]` in ComfyUI."""

    def __init__(self, spec: dict):
        from tokenizers import Tokenizer

        spec = dict(spec)
        charsmap = spec["normalizer"]["normalizers"][0]
        if charsmap.get("type") != "Precompiled":
            raise ValueError("T5 vocabulary file: the first normalizer is not the precompiled character map")
        spec["normalizer"] = {"type": "Sequence", "normalizers": [
            charsmap,
            {"type": "Strip", "strip_left": False, "strip_right": True},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "\u2581"},
        ]}
        spec["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True}
        spec["decoder"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True}
        spec["post_processor"] = None
        self._tok = Tokenizer.from_str(json.dumps(spec))

    def encode(self, text: str) -> list[int]:
        return self._tok.encode(text, add_special_tokens=False).ids

    def vocab_size(self) -> int:
        return self._tok.get_vocab_size()


@lru_cache(maxsize=1)
def default_t5_tokenizer() -> T5Tokenizer:
    with resources.files(__package__).joinpath(_VOCAB_FILE).open("rb") as fh:
        spec = json.loads(gzip.decompress(fh.read()))
    return T5Tokenizer(spec)
