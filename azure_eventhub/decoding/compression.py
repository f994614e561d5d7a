"""Compressed message bodies: recognise gzip / zlib / raw deflate and inflate them within a limit.

A body is compressed when its first bytes say so (gzip: 1f 8b; zlib: a deflate header whose
checksum holds, i.e. 78 01 / 78 5e / 78 9c / 78 da) or when the message's `Content-Encoding`
application property says `gzip` (or `x-gzip`) or `deflate` (or `zlib`). Other Content-Encoding
values (`identity`, or a charset put there by mistake, such as `utf-8`) are ignored.

Inflation streams through `zlib.decompressobj` with `max_length`, so a decompression bomb costs at
most `limit` bytes of memory before it is refused.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

GZIP_MAGIC = b"\x1f\x8b"
_ZLIB_SECOND_BYTES = frozenset((0x01, 0x5E, 0x9C, 0xDA))


class DecompressionError(Exception):
    """Raised by `inflate` when a body does not inflate, or inflates past the limit."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


@dataclass(frozen=True, slots=True)
class Method:
    name: str  # "gzip", "zlib" or "deflate": used in reasons
    wbits: int
    declared: bool  # named by Content-Encoding; False when only the first bytes suggested it


def detect(body: bytes, content_encoding: str | None = None) -> Method | None:
    """Return how `body` is compressed, or None when it is not (as far as can be told)."""
    declared = _declared(content_encoding)
    if body[:2] == GZIP_MAGIC:
        return Method("gzip", 16 + zlib.MAX_WBITS, declared is not None)
    if _has_zlib_header(body):
        return Method("zlib", zlib.MAX_WBITS, declared is not None)
    if declared == "deflate":
        # HTTP's "deflate" is zlib-wrapped, but some producers send raw deflate: no header here.
        return Method("deflate", -zlib.MAX_WBITS, True)
    if declared == "gzip":
        # Declared gzip without the gzip header: inflating will fail and say so.
        return Method("gzip", 16 + zlib.MAX_WBITS, True)
    return None


def inflate(body: bytes, method: Method, limit: int) -> bytes:
    """Return the inflated body; raise DecompressionError when it is corrupt or exceeds `limit` bytes.

    Concatenated gzip members (what `cat a.gz b.gz` makes) are all inflated, like gunzip does.
    """
    parts: list[bytes] = []
    size = 0
    data = body
    while True:
        inflater = zlib.decompressobj(method.wbits)
        try:
            part = inflater.decompress(data, limit - size + 1)
        except zlib.error as error:
            raise DecompressionError(f"{method.name} body could not be decompressed: {error}") from None
        size += len(part)
        if size > limit:
            raise DecompressionError(f"decompressed body exceeds {_human(limit)}", too_large=True)
        if not inflater.eof:
            raise DecompressionError(f"{method.name} body could not be decompressed: truncated stream")
        parts.append(part)
        data = inflater.unused_data
        if method.name == "gzip" and data[:2] == GZIP_MAGIC:
            continue
        if data.strip(b"\x00"):
            raise DecompressionError(
                f"{method.name} body could not be decompressed: {len(data)} bytes after the end of the stream"
            )
        return parts[0] if len(parts) == 1 else b"".join(parts)


def _declared(content_encoding: str | None) -> str | None:
    if not content_encoding:
        return None
    value = content_encoding.strip().lower()
    if value in ("gzip", "x-gzip"):
        return "gzip"
    if value in ("deflate", "zlib"):
        return "deflate"
    return None


def _has_zlib_header(body: bytes) -> bool:
    return (
        len(body) >= 2 and body[0] == 0x78 and body[1] in _ZLIB_SECOND_BYTES and ((body[0] << 8) | body[1]) % 31 == 0
    )


def _human(size: int) -> str:
    if size % (1 << 20) == 0:
        return f"{size >> 20} MiB"
    return f"{size} bytes"
