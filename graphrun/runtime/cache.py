"""In-process execution cache, as ComfyUI's server keeps one between prompts: a node whose inputs are unchanged
is not run again; its outputs are reused.

A node's key is a digest of its class type, its constant inputs, the `is_changed` value recorded in the
prompt, the version (mtime, size) of every model/input file it names, the run settings that change what a node
computes (device, stand-ins, folders), and, for every linked input, the KEY of the source node plus the output
slot. So the key says "same inputs, same upstream computation" without looking at tensors, and a change anywhere
upstream changes every key below it (ComfyUI's CacheKeySetInputSignature does the same with nested tuples).

Output nodes are never cached: they write files. Entries are kept in LRU order under a byte budget (the
estimated size of the tensors they hold, model weights included); an entry larger than the whole budget is
simply not kept. What a node did to the run context besides returning outputs (stand-in notes) is recorded
with the entry and replayed on a hit, so a cached run embeds the same metadata as a cold one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


def default_cache_mb() -> int:
    """A quarter of physical memory (at least 1 GiB): what `--cache-mb` is when not given."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 16 << 30
    return max(1024, total // 4 >> 20)


@dataclass
class CacheEntry:
    outputs: tuple[Any, ...]
    notes: tuple[str, ...]  # stand-in notes the node added to the run context
    nbytes: int


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "evictions": self.evictions}


@dataclass
class ExecutionCache:
    """node key -> outputs, least recently used first out once `max_bytes` is exceeded."""

    max_bytes: int
    stats: CacheStats = field(default_factory=CacheStats)
    _entries: OrderedDict[str, CacheEntry] = field(default_factory=OrderedDict)
    _bytes: int = 0

    @classmethod
    def with_mb(cls, mb: float | None) -> ExecutionCache:
        return cls(int((default_cache_mb() if mb is None else mb) * (1 << 20)))

    def get(self, key: str) -> CacheEntry | None:
        entry = self._entries.get(key)
        if entry is None:
            self.stats.misses += 1
            return None
        self._entries.move_to_end(key)
        self.stats.hits += 1
        return entry

    def put(self, key: str, outputs: tuple[Any, ...], notes: Iterable[str] = ()) -> None:
        nbytes = estimate_bytes(outputs)
        if nbytes > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.nbytes
        self._entries[key] = CacheEntry(tuple(outputs), tuple(notes), nbytes)
        self._bytes += nbytes
        while self._bytes > self.max_bytes and self._entries:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= dropped.nbytes
            self.stats.evictions += 1

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    @property
    def nbytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0


def node_key(class_type: str, inputs: Mapping[str, Any], upstream: Mapping[str, tuple[str, int]],
             extra: Mapping[str, Any]) -> str:
    """Digest of a node's class, constant inputs, linked inputs as (source key, slot) and `extra` facts
    (is_changed, file versions, settings)."""
    doc = [class_type, sorted(inputs.items()), sorted((k, list(v)) for k, v in upstream.items()),
           sorted(extra.items())]
    text = json.dumps(doc, sort_keys=True, default=repr, ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def estimate_bytes(value: Any) -> int:
    """Bytes of the distinct tensor storages reachable from `value` (modules, dataclasses, containers)."""
    seen_storage: set[int] = set()
    seen_obj: set[int] = set()
    total = 0
    stack = [(value, 0)]
    while stack:
        obj, depth = stack.pop()
        if obj is None or isinstance(obj, (str, bytes, int, float, bool)) or depth > 12 or id(obj) in seen_obj:
            continue
        seen_obj.add(id(obj))
        nbytes = _tensor_bytes(obj, seen_storage)
        if nbytes is not None:
            total += nbytes
            continue
        if isinstance(obj, Mapping):
            stack.extend((v, depth + 1) for v in obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend((v, depth + 1) for v in obj)
        elif hasattr(obj, "state_dict") and callable(getattr(obj, "parameters", None)):  # torch.nn.Module
            for t in list(obj.parameters()) + list(obj.buffers()):
                total += _tensor_bytes(t, seen_storage) or 0
        elif hasattr(obj, "__dict__"):
            stack.extend((v, depth + 1) for v in vars(obj).values())
        elif hasattr(obj, "__slots__"):
            stack.extend((getattr(obj, s), depth + 1) for s in obj.__slots__ if hasattr(obj, s))
    return total


def _tensor_bytes(obj: Any, seen: set[int]) -> int | None:
    import torch

    if not isinstance(obj, torch.Tensor):
        return None
    try:
        storage = obj.untyped_storage()
        ptr, nbytes = storage.data_ptr(), storage.nbytes()
    except (RuntimeError, NotImplementedError):  # meta or sparse tensors
        return obj.numel() * obj.element_size()
    if ptr in seen:
        return 0
    seen.add(ptr)
    return nbytes
