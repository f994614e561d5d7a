"""Compressed bodies: detection, inflation, the bomb limit, and what becomes of failures."""

from __future__ import annotations

import gzip
import zlib

import pytest

from azure_eventhub.decoding import compression
from azure_eventhub.decoding.message import MAX_DECOMPRESSED_BYTES, DeadLetter, Decoded, Record, decode_message

BATCH = b'{"records": [{"category": "StorageRead", "n": 1}, {"category": "StorageWrite", "n": 2}]}'
RECORDS = [
    Record('{"category":"StorageRead","n":1}', "StorageRead", 0),
    Record('{"category":"StorageWrite","n":2}', "StorageWrite", 1),
]


def raw_deflate(data: bytes) -> bytes:
    deflater = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return deflater.compress(data) + deflater.flush()


INFLATED = {
    "gzip-by-magic": (gzip.compress(BATCH), None),
    "gzip-declared": (gzip.compress(BATCH), "gzip"),
    "x-gzip-declared-any-case": (gzip.compress(BATCH), " X-GZIP "),
    "zlib-default-level-78-9c": (zlib.compress(BATCH), None),
    "zlib-fastest-78-01": (zlib.compress(BATCH, 1), None),
    "zlib-level-2-78-5e": (zlib.compress(BATCH, 2), None),
    "zlib-best-78-da": (zlib.compress(BATCH, 9), None),
    "zlib-declared-deflate": (zlib.compress(BATCH), "deflate"),
    "raw-deflate-declared": (raw_deflate(BATCH), "deflate"),
    "charset-in-content-encoding-ignored": (zlib.compress(BATCH), "utf-8"),
    "two-gzip-members": (gzip.compress(BATCH[:30]) + gzip.compress(BATCH[30:]), None),
    "gzip-with-nul-padding": (gzip.compress(BATCH) + b"\x00" * 8, None),
}


@pytest.mark.parametrize("body, content_encoding", INFLATED.values(), ids=INFLATED.keys())
def test_inflated(body: bytes, content_encoding: str | None) -> None:
    assert decode_message(body, content_encoding) == Decoded(RECORDS, {"decompressed": 1, "json": 2})


def test_zlib_header_bytes() -> None:
    assert {zlib.compress(BATCH, level)[:2] for level in (1, 2, 6, 9)} == {
        b"\x78\x01",
        b"\x78\x5e",
        b"\x78\x9c",
        b"\x78\xda",
    }


def test_inflated_body_goes_through_repair_and_encodings() -> None:
    body = gzip.compress(b"\xef\xbb\xbf{'category': 'FunctionAppLogs', 'ok': True}")
    assert decode_message(body) == Decoded(
        [Record('{"category":"FunctionAppLogs","ok":true}', "FunctionAppLogs", 0)], {"decompressed": 1, "repaired": 1}
    )


def test_inflated_empty_body() -> None:
    assert decode_message(gzip.compress(b"")) == Decoded([], {"decompressed": 1, "empty": 1})


def test_compressed_twice_is_inflated_once() -> None:
    inner = gzip.compress(b"[1]")
    result = decode_message(gzip.compress(inner))
    assert result.outcomes["decompressed"] == 1 and result.outcomes.get("text") == 1


DEAD = {
    "corrupt-gzip": (b"\x1f\x8b\x08\x00garbage", None, "gzip body could not be decompressed: "),
    "truncated-gzip": (gzip.compress(BATCH)[:-12], None, "gzip body could not be decompressed: truncated stream"),
    "trailing-garbage-after-gzip": (
        gzip.compress(BATCH) + b"tail",
        None,
        "gzip body could not be decompressed: 4 bytes after the end of the stream",
    ),
    "declared-gzip-but-plain": (BATCH, "gzip", "gzip body could not be decompressed: "),
    "declared-deflate-but-plain": (BATCH, "deflate", "deflate body could not be decompressed: "),
    "declared-zlib-header-corrupt": (b"\x78\x9c" + b"\xff" * 10, "deflate", "zlib body could not be decompressed: "),
}


@pytest.mark.parametrize("body, content_encoding, reason", DEAD.values(), ids=DEAD.keys())
def test_dead_lettered(body: bytes, content_encoding: str | None, reason: str) -> None:
    result = decode_message(body, content_encoding)
    assert result.records == [] and result.outcomes == {"dead_letter": 1}
    assert result.dead_letter is not None
    assert result.dead_letter.body == body
    assert result.dead_letter.reason.startswith(reason)


def test_sniffed_zlib_header_that_does_not_inflate_is_decoded_as_it_is() -> None:
    # "x^" is a valid zlib header (0x785e % 31 == 0): text must not be lost to it.
    assert decode_message(b"x^2 is a square") == Decoded([Record("x^2 is a square", None, 0)], {"text": 1})
    assert decode_message(b'x\x9c{"a":1}') == Decoded(
        [Record('x\ufffd{"a":1}', None, 0)], {"invalid_encoding": 1, "text": 1}
    )


@pytest.mark.parametrize("make", [gzip.compress, zlib.compress], ids=["gzip-bomb", "zlib-bomb"])
def test_bomb_is_dead_lettered_without_inflating_it_all(make) -> None:
    body = make(b"\x00" * (MAX_DECOMPRESSED_BYTES + 1))
    assert len(body) < 100_000
    assert decode_message(body) == Decoded(
        [], {"dead_letter": 1}, DeadLetter("decompressed body exceeds 64 MiB", body)
    )


def test_exactly_the_limit_inflates() -> None:
    body = b"[" + b" " * 1000 + b"]"
    assert compression.inflate(zlib.compress(body), compression.detect(zlib.compress(body)), len(body)) == body
    with pytest.raises(compression.DecompressionError) as raised:
        compression.inflate(zlib.compress(body), compression.detect(zlib.compress(body)), len(body) - 1)
    assert raised.value.too_large and raised.value.reason == f"decompressed body exceeds {len(body) - 1} bytes"


def test_bomb_across_gzip_members_is_refused() -> None:
    half = gzip.compress(b"\x00" * (MAX_DECOMPRESSED_BYTES // 2 + 1))
    result = decode_message(half + half)
    assert result.dead_letter == DeadLetter("decompressed body exceeds 64 MiB", half + half)


DETECT = {
    "plain-json": (b'{"a":1}', None, None),
    "empty": (b"", None, None),
    "gzip-magic": (b"\x1f\x8b\x08", None, ("gzip", False)),
    "zlib-magic": (b"\x78\x9c", None, ("zlib", False)),
    "x-not-a-zlib-header": (b"xy", None, None),
    "identity-ignored": (b'{"a":1}', "identity", None),
    "declared-deflate": (b"\xab\xcd", "deflate", ("deflate", True)),
    "declared-gzip-with-zlib-bytes": (b"\x78\x9c", "gzip", ("zlib", True)),
}


@pytest.mark.parametrize("body, content_encoding, expected", DETECT.values(), ids=DETECT.keys())
def test_detect(body: bytes, content_encoding: str | None, expected: tuple[str, bool] | None) -> None:
    method = compression.detect(body, content_encoding)
    assert (None if method is None else (method.name, method.declared)) == expected
