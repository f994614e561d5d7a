"""Strings of the almost-JSON that repair.py rewrites: a single- or double-quoted string at a
position, rewritten as a JSON string. Apart from the scan of the whole text, since it is where the
quoting rules (where a single quote ends a string) and the escapes of two languages meet.
"""

from __future__ import annotations

import json
import re

_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_HEX8 = re.compile(r"[0-9A-Fa-f]{8}")

# Where a single quote can end a string, by where the string stands (see repair.py's docstring).
_W = r"[ \t\r\n]*"
_ANY_KEY = r"""(?:"(?:[^"\\\r\n]|\\.){0,256}"|'(?:[^'\\\r\n]|\\.){0,256}')"""
ENDS = {
    "key": rf"{_W}:",
    "object": rf"{_W}(?:\}}|,{_W}(?:\}}|{_ANY_KEY}{_W}:)|\Z)",
    "array": rf"{_W}(?:\]|,{_W}[-0-9'\"{{\[\]tfnTFNI]|\Z)",
    None: rf"{_W}\Z",
}
# The longest run of string content that needs no Python: plain characters, JSON escapes (kept as
# they are), and, in single-quoted strings, quotes that do not end the string. A run stops at the
# closing quote, at a backslash needing a rewrite, or at the end of the text.
_DOUBLE_RUN = re.compile(r'[^"\\]*(?:\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4})[^"\\]*)*')
_SINGLE_RUNS = {
    where: re.compile(rf"[^'\\]*(?:(?:\\(?:[\\/bfnrt]|u[0-9A-Fa-f]{{4}})|'(?!{end}))[^'\\]*)*")
    for where, end in ENDS.items()
}
_SIMPLE_SINGLES = {where: re.compile(rf"'([^'\"\\\x00-\x1f]*)'(?={end})") for where, end in ENDS.items()}
_CONTROL_ESCAPES = {code: f"\\u{code:04x}" for code in range(0x20)} | {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
}
_DOUBLE_FIXES = (re.compile(r"[\x00-\x1f]"), _CONTROL_ESCAPES)
_SINGLE_FIXES = (re.compile(r'["\x00-\x1f]'), _CONTROL_ESCAPES | {ord('"'): '\\"'})
_KEPT_ESCAPES = frozenset('"\\/bfnrt')


class Unrepairable(Exception):
    """Raised anywhere in the pass: repair_json then returns None."""


def json_string(text: str, pos: int, quote: str, where: str | None) -> tuple[str, int]:
    """The string opening at `pos` as a JSON string, and where it ends; raises Unrepairable."""
    if quote == "'":
        simple = _SIMPLE_SINGLES[where].match(text, pos)
        if simple is not None:
            return f'"{simple[1]}"', simple.end()
    end = len(text)
    run, (needs_fix, fixes) = (_DOUBLE_RUN, _DOUBLE_FIXES) if quote == '"' else (_SINGLE_RUNS[where], _SINGLE_FIXES)
    out = ['"']
    i = pos + 1
    while True:
        stop = run.match(text, i).end()
        if stop > i:
            chunk = text[i:stop]
            out.append(chunk.translate(fixes) if needs_fix.search(chunk) else chunk)
            i = stop
        if i >= end:
            raise Unrepairable  # unterminated string
        if text[i] == quote:
            i += 1
            break
        escape, i = _escape(text, i)  # the run stops only at the quote or a backslash
        out.append(escape)
    out.append('"')
    return "".join(out), i


def _escape(text: str, pos: int) -> tuple[str, int]:
    """Translate the backslash escape at `pos`; return (JSON text, where it ends)."""
    kind = text[pos + 1 : pos + 2]
    if kind in _KEPT_ESCAPES and kind:
        return text[pos : pos + 2], pos + 2
    if kind == "'":
        return "'", pos + 2
    if kind == "u" and _HEX4.match(text, pos + 2):
        return text[pos : pos + 6], pos + 6
    if kind == "x" and _HEX2.match(text, pos + 2):
        return "\\u00" + text[pos + 2 : pos + 4], pos + 4
    if kind == "U" and _HEX8.match(text, pos + 2):
        code = int(text[pos + 2 : pos + 10], 16)
        if code <= 0x10FFFF:
            return json.dumps(chr(code))[1:-1], pos + 10
    return "\\\\", pos + 1  # not an escape: keep the backslash as a character
