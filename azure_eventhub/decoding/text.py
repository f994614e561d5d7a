"""Message bytes -> str: byte order marks, the charset of Content-Type, and invalid bytes.

Pure helpers for message.py. The common case (UTF-8 without a BOM) never comes here on the fast
path: orjson reads those bytes directly.
"""

from __future__ import annotations

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_BOM_FIRST_BYTES = frozenset(bom[0] for bom, _ in _BOMS)

# Charsets a producer may name in Content-Type (`application/json; charset=utf-16le`).
# Without a BOM, "utf-16"/"utf-32" are read little-endian: the producers that send them are .NET
# ("Unicode" is UTF-16 LE there). ASCII is read as UTF-8, its superset, so no byte is refused twice.
_CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "utf-16": "utf-16-le",
    "utf-16le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "utf-32": "utf-32-le",
    "utf-32le": "utf-32-le",
    "utf-32be": "utf-32-be",
    "iso-8859-1": "latin-1",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
}


def detect_encoding(data: bytes, content_type: str | None = None) -> tuple[str, int]:
    """Return (Python codec name, length of the BOM to skip).

    A BOM wins over Content-Type's charset; without either, the body is UTF-8. An unknown charset
    is ignored (UTF-8 is assumed) rather than trusted: codec lookups by arbitrary names would also
    reach Python's non-text codecs.
    """
    if data and data[0] in _BOM_FIRST_BYTES:
        for bom, encoding in _BOMS:
            if data.startswith(bom):
                return encoding, len(bom)
    if content_type:
        encoding = _charset(content_type)
        if encoding is not None:
            return encoding, 0
    return "utf-8", 0


def decode(data: bytes, encoding: str) -> tuple[str, bool]:
    """Return (text, whether some bytes were invalid and replaced by U+FFFD).

    The text never holds lone surrogates, so it always encodes back to UTF-8.
    """
    try:
        return data.decode(encoding), False
    except UnicodeDecodeError:
        return data.decode(encoding, "replace"), True


def scrub_surrogates(text: str) -> tuple[str, bool]:
    """Replace lone surrogates (from JSON escapes such as "\\ud800") by U+FFFD.

    Returns (text, whether anything was replaced). Such text cannot be sent as UTF-8.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace"), True
    return text, False


def _charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return _CHARSETS.get(value.strip().strip('"').strip().lower())
    return None
