"""Read the text chunks of a PNG: ComfyUI stores the API prompt in `prompt` and the UI workflow in `workflow`.

Pure standard library (no PIL): walks the chunk list up to IEND and decodes tEXt (Latin-1, or UTF-8 when it
decodes as such, which some writers use), zTXt and iTXt (UTF-8, optionally zlib-compressed). CRCs are not
checked: a bad CRC in an image chunk must not hide the workflow.
"""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PngFormatError(ValueError):
    """The bytes are not a readable PNG chunk stream (truncated, bad length, undecodable text chunk)."""


def is_png(data: bytes) -> bool:
    return data.startswith(PNG_SIGNATURE)


def text_chunks(data: bytes) -> dict[str, str]:
    """`{keyword: text}` for every tEXt/zTXt/iTXt chunk, first occurrence of a keyword winning."""
    if not is_png(data):
        raise PngFormatError("not a PNG file (bad signature)")
    out: dict[str, str] = {}
    pos = len(PNG_SIGNATURE)
    while pos < len(data):
        if pos + 8 > len(data):
            raise PngFormatError(f"truncated chunk header at byte {pos}")
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body_end = pos + 8 + length
        if body_end + 4 > len(data):
            raise PngFormatError(f"chunk {ctype!r} at byte {pos} runs past the end of the file")
        body = data[pos + 8:body_end]
        if ctype in (b"tEXt", b"zTXt", b"iTXt"):
            keyword, text = _decode(ctype, body, pos)
            out.setdefault(keyword, text)
        pos = body_end + 4
        if ctype == b"IEND":
            break
    return out


def _decode(ctype: bytes, body: bytes, pos: int) -> tuple[str, str]:
    keyword, sep, rest = body.partition(b"\x00")
    if not sep:
        raise PngFormatError(f"{ctype.decode()} chunk at byte {pos} has no keyword separator")
    name = keyword.decode("latin-1")
    try:
        if ctype == b"tEXt":
            return name, _latin1_or_utf8(rest)
        if ctype == b"zTXt":
            return name, _latin1_or_utf8(zlib.decompress(rest[1:]))
        compressed, _method = rest[0], rest[1]
        _lang, _, rest = rest[2:].partition(b"\x00")
        _translated, _, text = rest.partition(b"\x00")
        if compressed:
            text = zlib.decompress(text)
        return name, text.decode("utf-8")
    except (IndexError, zlib.error, UnicodeDecodeError) as exc:
        raise PngFormatError(f"{ctype.decode()} chunk {name!r} at byte {pos} cannot be decoded: {exc}") from exc


def _latin1_or_utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


__all__ = ["PNG_SIGNATURE", "PngFormatError", "is_png", "text_chunks"]
