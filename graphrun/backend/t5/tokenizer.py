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
        import base64

        from tokenizers import AddedToken, Regex, Tokenizer, models, normalizers, pre_tokenizers

        charsmap = spec["normalizer"]["normalizers"][0]
        if charsmap.get("type") != "Precompiled" or spec["model"].get("type") != "Unigram":
            raise ValueError("T5 vocabulary file: expected a Unigram model with a precompiled character map")
        vocab = [(piece, float(score)) for piece, score in spec["model"]["vocab"]]
        tok = Tokenizer(models.Unigram(vocab, int(spec["model"]["unk_id"]), False))
        tok.normalizer = normalizers.Sequence([
            normalizers.Precompiled(base64.b64decode(charsmap["precompiled_charsmap"])),
            normalizers.Strip(left=False, right=True),
            normalizers.Replace(Regex(" {2,}"), "\u2581"),
        ])
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first")
        # <pad>, </s>, <unk>, <extra_id_N>: matched verbatim in the text, as the fast tokenizer's added tokens
        tok.add_special_tokens([AddedToken(a["content"], single_word=a["single_word"], lstrip=a["lstrip"],
                                           rstrip=a["rstrip"], normalized=a["normalized"], special=True)
                                for a in spec["added_tokens"]])
        self._tok = tok

    def encode(self, text: str) -> list[int]:
        return self._tok.encode(text, add_special_tokens=False).ids

    def vocab_size(self) -> int:
        return self._tok.get_vocab_size()


@lru_cache(maxsize=1)
def default_t5_tokenizer() -> T5Tokenizer:
    with resources.files(__package__).joinpath(_VOCAB_FILE).open("rb") as fh:
        spec = json.loads(gzip.decompress(fh.read()))
    return T5Tokenizer(spec)
