"""Rewrite the almost-JSON that Azure diagnostic settings emit into JSON, in one linear pass.

message.py calls `repair_json` only for a body that does not parse as it is. Known defects, each
seen in the field, and what becomes of them:

- single-quoted keys and strings, Python-literal style: Azure Functions' FunctionAppLogs records
  carry `"properties": {'appName':'app','levelId': 2}`. They become double-quoted JSON strings;
  `\\'` becomes `'`, a bare `"` becomes `\\"`, Python's `\\xHH` / `\\UHHHHHHHH` become `\\u` escapes.
- `True` / `False` / `None` outside strings become `true` / `false` / `null`. Safe: in a value
  position these words can mean nothing else, and the text is already invalid JSON.
- raw control characters (new lines, tabs...) inside strings become their JSON escapes.
- `[ 227 B blob data ]` placeholders (Azure writes them where it dropped a binary value) become the
  JSON string "[227 B blob data]".
- a trailing comma before `}` or `]` is dropped.

Nothing else is guessed (unquoted keys, missing commas, comments, truncated text): such text is
unrepairable, `repair_json` returns None and the caller forwards the body as text.

Quotes inside single-quoted values. Azure does not escape them: 'Executing 'Functions.Foo' (...)'.
So a single quote ends a string only where a string can end: before `:` for a key; for a value,
before the `}` or `]` closing its container, or before a `,` followed by the next key (a quoted name
and `:`), in a list by the next item, or by the closing bracket (a trailing comma). Any other
single quote is kept as a character.

Linear time on any input: one left-to-right scan; no regex can backtrack into its own repetitions
(repeated parts begin with distinct characters, or are possessive, and nothing follows them);
look-aheads are bounded (a key of at most 256 characters) or skip white space that belongs to one
quote only; nesting deeper than MAX_DEPTH is refused, and so is text longer than MAX_CHARS.
"""

from __future__ import annotations

import re

from azure_eventhub.decoding.repair_strings import ENDS, Unrepairable, json_string

# orjson refuses deeper documents, and the standard library's parser recurses: deeper is hopeless.
MAX_DEPTH = 1024
# Repair costs up to about 0.6 us per character (text made of nested one-item lists); typical
# bodies cost far less. 8x Event Hubs' largest event: only an inflated body can be longer, and one
# that long is forwarded as text (then dead-lettered as oversized) instead of stalling its partition.
MAX_CHARS = 8 * 1024 * 1024

_WS_CHARS = " \t\r\n"
_WS = re.compile(r"[ \t\r\n]*")
_W = _WS.pattern
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z]+")
_BLOB = re.compile(r"\[[ \t\r\n]*([0-9]+(?:\.[0-9]+)?)[ \t\r\n]*([KMGT]?i?B)[ \t\r\n]+blob[ \t\r\n]+data[ \t\r\n]*\]")

# A flat run: numbers, punctuation, JSON literals (and Python's) and simple double-quoted strings,
# consumed by one regex call. Most of a real body is such runs; token by token, Python would cost a
# step per token. A run is not checked token by token: orjson checks the result. It stops at what
# needs the parser: brackets, single quotes, strings with escapes or control characters, others.
_FLAT = re.compile(
    r'(?:[ \t\r\n,:0-9.eE+\-]++|true|false|null|True|False|None|NaN|Infinity|"[^"\\\x00-\x1f]*"'
    r"|\[[ \t\r\n]*\]|\{[ \t\r\n]*\})+"
)
_FLAT_FIRST = frozenset(',:0123456789.eE+-tfnTFNI"')  # an opening bracket is rarely empty
_PYTHON_LITERAL = re.compile(r"True|False|None")
_FLAT_TOKEN = re.compile(r'"[^"]*"|(True|False|None)')

# A run of simple single-quoted members ('key': 'value' / number / literal), the bulk of a
# FunctionAppLogs `properties`: one regex call, then every quote in it is a delimiter.
_SIMPLE_SINGLE = r"'[^'\"\\\x00-\x1f]*'"
_SINGLE_MEMBERS = re.compile(
    rf"(?:{_SIMPLE_SINGLE}{_W}:{_W}"
    rf"(?:{_SIMPLE_SINGLE}|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|(?:true|false|null|True|False|None)\b)"
    rf"(?={ENDS['object']}){_W}(?:,{_W}|(?=\}})))+"
)

_LITERALS = {
    "true": "true",
    "false": "false",
    "null": "null",
    "True": "true",
    "False": "false",
    "None": "null",
    # Not JSON, but the standard library parses them: kept so message.py can decide.
    "NaN": "NaN",
    "Infinity": "Infinity",
}

# Parser states: what the next token must be.
_VALUE, _FIRST_ITEM, _ITEM, _FIRST_KEY, _KEY, _COLON, _AFTER, _DONE = range(8)
_OBJECT, _ARRAY, _NAME = "object", "array", "key"  # where a string stands


def repair_json(text: str) -> str | None:
    """Return `text` rewritten as valid JSON, or None when it is unrepairable, needed no repair,
    or is longer than MAX_CHARS."""
    if len(text) > MAX_CHARS:
        return None
    try:
        return _Repairer(text).run()
    except Unrepairable:
        return None


class _Repairer:
    """One pass over the text; unchanged spans are copied in slices, only rewrites are built."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pieces: list[str] = []
        self.copied = 0  # text[:copied] is already in pieces (rewritten where needed)

    def run(self) -> str | None:
        text = self.text
        end = len(text)
        stack: list[str] = []
        state = _VALUE
        comma = -1
        pos = _WS.match(text).end()
        while pos < end:
            char = text[pos]
            if stack and char in _FLAT_FIRST and state != _DONE and (flat := _FLAT.match(text, pos)):
                pos, last = flat.end(), self.flat(pos, flat.end())
                if text[last] == ",":
                    comma = last
                    state = _KEY if stack[-1] is _OBJECT else _ITEM
                elif text[last] == ":":
                    state = _VALUE
                else:
                    state = _AFTER
                continue
            if state == _AFTER:
                if char == ",":
                    comma = pos
                    state = _KEY if stack[-1] is _OBJECT else _ITEM
                    pos += 1
                elif char == ("}" if stack[-1] is _OBJECT else "]"):
                    stack.pop()
                    state = _AFTER if stack else _DONE
                    pos += 1
                else:
                    raise Unrepairable
            elif state == _KEY or state == _FIRST_KEY:
                if char == "}":
                    if state == _KEY:
                        self.drop_comma(comma)
                    stack.pop()
                    state = _AFTER if stack else _DONE
                    pos += 1
                elif char == "'" and (members := _SINGLE_MEMBERS.match(text, pos)) is not None:
                    pos, last = members.end(), self.single_members(pos, members.end())
                    if text[last] == ",":
                        comma = last
                        state = _KEY
                    else:
                        state = _AFTER
                    continue
                elif char == '"' or char == "'":
                    pos = self.quoted(pos, char, _NAME)
                    state = _COLON
                else:
                    raise Unrepairable
            elif state == _COLON:
                if char != ":":
                    raise Unrepairable
                state = _VALUE
                pos += 1
            elif state == _DONE:
                raise Unrepairable  # something after the top-level value
            elif char == "]" and state != _VALUE:
                if state == _ITEM:
                    self.drop_comma(comma)
                stack.pop()
                state = _AFTER if stack else _DONE
                pos += 1
            elif char == "{" or (char == "[" and not _BLOB.match(text, pos)):
                if len(stack) >= MAX_DEPTH:
                    raise Unrepairable
                stack.append(_OBJECT if char == "{" else _ARRAY)
                state = _FIRST_KEY if char == "{" else _FIRST_ITEM
                pos += 1
            else:
                pos = self.scalar(pos, char, stack[-1] if stack else None)
                state = _AFTER if stack else _DONE
            if pos < end and text[pos] in _WS_CHARS:
                pos = _WS.match(text, pos).end()
        if state != _DONE:
            raise Unrepairable  # truncated
        if not self.pieces:
            return None
        self.pieces.append(text[self.copied :])
        return "".join(self.pieces)

    def replace(self, start: int, stop: int, new: str) -> None:
        self.pieces.append(self.text[self.copied : start])
        self.pieces.append(new)
        self.copied = stop

    def flat(self, start: int, stop: int) -> int:
        """Take the flat run text[start:stop], Python literals rewritten; return the position of
        its last significant character, which tells the parser what comes next."""
        span = self.text[start:stop]
        if _PYTHON_LITERAL.search(span):
            fixed = _FLAT_TOKEN.sub(_fix_flat_token, span)
            if fixed != span:
                self.replace(start, stop, fixed)
        return start + len(span.rstrip(_WS_CHARS)) - 1

    def drop_comma(self, comma: int) -> None:
        """Drop the trailing comma at `comma`, which a rewritten run may already hold as its end."""
        if comma >= self.copied:
            self.replace(comma, comma + 1, "")
        else:
            run = self.pieces[-1]
            kept = run.rstrip(_WS_CHARS)
            self.pieces[-1] = kept[:-1] + run[len(kept) :]

    def single_members(self, start: int, stop: int) -> int:
        """Rewrite a run of simple single-quoted members; return its last significant position."""
        span = self.text[start:stop].replace("'", '"')
        if _PYTHON_LITERAL.search(span):
            span = _FLAT_TOKEN.sub(_fix_flat_token, span)
        self.replace(start, stop, span)
        return start + len(span.rstrip(_WS_CHARS)) - 1

    def scalar(self, pos: int, char: str, container: str | None) -> int:
        """Read the string, number, literal or blob placeholder at `pos`; return where it ends."""
        text = self.text
        if char == '"' or char == "'":
            return self.quoted(pos, char, container)
        if char == "[":
            blob = _BLOB.match(text, pos)
            self.replace(pos, blob.end(), f'"[{blob[1]} {blob[2]} blob data]"')
            return blob.end()
        if char == "-" or "0" <= char <= "9":
            if text.startswith("-Infinity", pos):
                return pos + 9
            number = _NUMBER.match(text, pos)
            if number is None:
                raise Unrepairable
            return number.end()
        word = _WORD.match(text, pos)
        literal = _LITERALS.get(word.group()) if word else None
        if literal is None:
            raise Unrepairable
        if literal != word.group():
            self.replace(pos, word.end(), literal)
        return word.end()

    def quoted(self, pos: int, quote: str, where: str | None) -> int:
        """Rewrite the string opening at `pos` as a JSON string; return where it ends."""
        new, stop = json_string(self.text, pos, quote, where)
        if new != self.text[pos:stop]:
            self.replace(pos, stop, new)
        return stop


def _fix_flat_token(token: re.Match) -> str:
    literal = token.group(1)
    return _LITERALS[literal] if literal is not None else token.group()
