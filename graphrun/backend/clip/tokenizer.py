"""CLIP byte-level BPE tokenizer, matching HF's slow `CLIPTokenizer` (transformers 4.56, no ftfy) as ComfyUI uses it.

The vocabulary is built from the bundled OpenAI/open_clip merges file (see NOTICE.txt): 256 byte symbols, the same 256
with `</w>`, the first 48,894 merges, then `<|startoftext|>` = 49406 and `<|endoftext|>` = 49407.
"""

from __future__ import annotations

import gzip
import heapq
import unicodedata
from functools import lru_cache
from importlib import resources

import regex

START_TOKEN = 49406
END_TOKEN = 49407
VOCAB_SIZE = 49408
SPECIAL_TOKENS = {"<|startoftext|>": START_TOKEN, "<|endoftext|>": END_TOKEN}
_NUM_MERGES = VOCAB_SIZE - 512 - len(SPECIAL_TOKENS)  # 48,894: the merges file lines CLIP actually uses
_MERGES_FILE = "bpe_simple_vocab_16e6.txt.gz"
_LONG_WORD = 64  # symbols; longer words take the O(n log n) merge path

# HF slow CLIPTokenizer's pre-tokenizer pattern (IGNORECASE as in transformers).
_WORD_PATTERN = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE,
)
# The added (special) tokens are split off verbatim before any cleaning, as PreTrainedTokenizer.tokenize does.
_SPECIAL_SPLIT = regex.compile(r"(<\|startoftext\|>|<\|endoftext\|>)")
_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
               (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP reversible byte -> printable character table (printable bytes keep their own character)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    others = [b for b in range(256) if b not in printable]
    return {**{b: chr(b) for b in printable}, **{b: chr(256 + n) for n, b in enumerate(others)}}


def _is_control(ch: str) -> bool:
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def clean_text(text: str) -> str:
    """HF BasicTokenizer(strip_accents=False, do_split_on_punc=False), CLIPTokenizer's fallback when ftfy is absent.

    Each distinct character is classified once and the text mapped with str.translate (linear, C speed)."""
    table: dict[int, str | None] = {}
    for ch in set(text):
        if ch in ("\x00", "\ufffd") or _is_control(ch):
            table[ord(ch)] = None
        elif _is_whitespace(ch):
            table[ord(ch)] = " "
        elif _is_cjk(ch):
            table[ord(ch)] = f" {ch} "
    words = unicodedata.normalize("NFC", text.translate(table)).split()
    return " ".join(" ".join(w.lower() for w in words).split())


class ClipTokenizer:
    """Text -> CLIP token ids without start/end tokens, as `CLIPTokenizer(text)["input_ids"][1:-1]` in ComfyUI."""

    def __init__(self, merges: list[tuple[str, str]] | None = None):
        merges = merges if merges is not None else load_merges()
        self.byte_encoder = bytes_to_unicode()
        symbols = list(self.byte_encoder.values())
        vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges] + list(SPECIAL_TOKENS)
        self.encoder: dict[str, int] = {tok: i for i, tok in enumerate(vocab)}
        self.decoder: dict[int, str] = {i: tok for tok, i in self.encoder.items()}
        self.ranks: dict[tuple[str, str], int] = {m: i for i, m in enumerate(merges)}
        self._cache: dict[str, list[str]] = {tok: [tok] for tok in SPECIAL_TOKENS}

    @property
    def vocab(self) -> dict[str, int]:
        return dict(self.encoder)

    def bpe(self, token: str) -> list[str]:
        """Greedy lowest-rank merge loop of the reference CLIP BPE; the last symbol carries `</w>`.

        The reference loop rescans the word per merge (quadratic); words longer than _LONG_WORD symbols use
        `_bpe_heap`, which makes the same merges in O(n log n) (a 10 MB one-word prompt takes seconds, not hours).
        """
        if token in self._cache:
            return self._cache[token]
        if len(token) > _LONG_WORD:
            return self._bpe_heap(token)
        word = [*token[:-1], token[-1] + "</w>"]
        while len(word) > 1:
            pairs = set(zip(word, word[1:]))
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == best[0] and word[i + 1] == best[1]:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        self._cache[token] = word
        return word

    def _bpe_heap(self, token: str) -> list[str]:
        """The reference merges via a heap of (rank, left position) over a linked list of symbols.

        The reference merges, per pass, every occurrence of the lowest-rank pair left to right without reusing
        a symbol; popping equal ranks in position order and skipping stale entries does exactly that, and a pair
        formed by a merge never equals the pair being merged (it contains the longer, merged symbol).
        """
        word = [*token[:-1], token[-1] + "</w>"]
        nxt = list(range(1, len(word) + 1))
        prv = list(range(-1, len(word) - 1))
        alive = [True] * len(word)
        ranks, end = self.ranks, len(word)
        heap = [(ranks[(word[i], word[i + 1])], i) for i in range(end - 1) if (word[i], word[i + 1]) in ranks]
        heapq.heapify(heap)
        while heap:
            rank, i = heapq.heappop(heap)
            j = nxt[i] if alive[i] else end
            # stale when a neighbour was merged since the push (ranks are unique per pair)
            if j >= end or ranks.get((word[i], word[j])) != rank:
                continue
            word[i] = word[i] + word[j]
            alive[j] = False
            nxt[i] = nxt[j]
            if nxt[j] < len(word):
                prv[nxt[j]] = i
            for a in (prv[i], i):
                b = nxt[a] if a >= 0 else end
                if b < end and (word[a], word[b]) in ranks:
                    heapq.heappush(heap, (ranks[(word[a], word[b])], a))
        return [w for w, keep in zip(word, alive) if keep]

    def _encode_plain(self, text: str) -> list[int]:
        ids = []
        for piece in _WORD_PATTERN.findall(clean_text(text)):
            mapped = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
            ids.extend(self.encoder.get(sym, END_TOKEN) for sym in self.bpe(mapped))  # unknown -> unk = EOS
        return ids

    def encode(self, text: str) -> list[int]:
        """Token ids of `text` (no BOS/EOS added); literal `<|startoftext|>`/`<|endoftext|>` become their ids."""
        ids: list[int] = []
        for part in _SPECIAL_SPLIT.split(text):
            if part in SPECIAL_TOKENS:
                ids.append(SPECIAL_TOKENS[part])
            elif part:
                ids.extend(self._encode_plain(part))
        return ids

    def decode(self, ids: list[int]) -> str:
        """Ids -> text (for debugging): bytes restored, `</w>` becomes a space."""
        byte_decoder = {c: b for b, c in self.byte_encoder.items()}
        text = "".join(self.decoder[i] for i in ids)
        out = bytearray()
        for ch in text:
            out.extend(ch.encode("utf-8") if ch not in byte_decoder else bytes([byte_decoder[ch]]))
        return out.decode("utf-8", errors="replace").replace("</w>", " ").strip()


def load_merges() -> list[tuple[str, str]]:
    """The 48,894 merges CLIP uses, read from the bundled gzip file (line 0 is a version header)."""
    raw = resources.files(__package__).joinpath(_MERGES_FILE).read_bytes()
    lines = gzip.decompress(raw).decode("utf-8").split("\n")[1 : _NUM_MERGES + 1]
    return [tuple(line.split()) for line in lines]  # type: ignore[misc]


@lru_cache(maxsize=1)
def default_tokenizer() -> ClipTokenizer:
    """Process-wide tokenizer over the bundled vocabulary (building it takes ~0.2 s)."""
    return ClipTokenizer()
