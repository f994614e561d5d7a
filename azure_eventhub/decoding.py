"""Message body -> records. Pure: bytes in, values out, no knowledge of Event Hubs.

A *message* is one Event Hubs event body; a *record* is one log entry inside it. `decode_message`
never raises: whatever it is given becomes records, counted outcomes, or a dead letter.

Shapes. A JSON object with a `records` list gives its items (Azure diagnostic settings); a
top-level JSON list gives its items; any other JSON value is one record; a body that is not JSON,
even after repair.py, is one record: its text, exactly as decoded. Items that are `null`, and
objects whose `type` is exactly "heartbeat" (top-level or items), are dropped. String items (of
records[] or of a top-level list) that hold a JSON object, double-encoded by some services, are
parsed and treated as objects; a top-level JSON string is forwarded as it is.

Record text. Objects, lists, numbers and booleans are re-serialized compactly by orjson; a string
is forwarded as the string itself. `Record.index` is the item's position in the message (dropped
items keep their place), so a dead letter's name points at the item in the original body.

Outcomes (stable keys; they become a Prometheus label). Counted per record (R) or per message (M):
  json              R  records from a body that parsed as it is
  repaired          R  records from a body that parsed only after repair.py rewrote it
  text              R  a body that is not JSON even after repair, forwarded as one record (so 1)
  decompressed      M  the body was gzip / zlib / deflate and was inflated
  heartbeat         R  heartbeat objects dropped
  null              R  null items dropped
  invalid_encoding  M  bytes invalid in the body's encoding (or lone surrogate escapes in a
                       string record) were replaced by U+FFFD
  double_encoded    R  string items that held a JSON object and were parsed
  dead_letter       M  the body cannot become records: Decoded.dead_letter says why
  empty             M  the body holds no record at all (empty or white space only, `[]`,
                       `{"records": []}`): zero records, nothing to forward, nothing lost
Always: json + repaired + text == len(records); a dead-lettered message has no records.

Numbers and other JSON orjson cannot carry exactly, forwarded without loss:
- integers beyond 64 bits: orjson would silently read them as floats, so a body with a run of 19+
  digits is parsed by the standard library instead, and a record holding such an integer is
  serialized by `json.dumps`, digit for digit.
- nesting: orjson serializes at most 254 levels; deeper records are serialized by `json.dumps`,
  which recurses (up to Python's recursion limit: about 900 levels, less the caller's stack). Deeper
  still, the body is forwarded as text, unchanged.
- `NaN`, `Infinity`, `-Infinity`: not JSON, but the standard library reads them; such a body is
  counted `json` and those records keep the literals as they were (their text is then not strict
  JSON: the intake sees what the producer sent). Likewise lone surrogate escapes ("\\ud800") stay
  escaped. The one lossy case: a float literal beyond a double's range (1e400) becomes `Infinity`.
- floats are carried as doubles (`1.0E2` -> `100.0`); keys keep their order; of duplicate keys,
  the last wins, as with every JSON parser that builds maps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

import orjson

from azure_eventhub import compression, repair, text as texts

MAX_RECORD_CHARS = 250_000  # the intake's per-event limit (the SDK's EVENT_BYTES_MAX_SIZE)

# 64 x Event Hubs' largest event (1 MB on Standard/Premium): JSON logs compress 5-20x, so no real
# message comes near it, while a bomb is refused before it can hold more than 64 MiB of memory
# (plus the Python objects parsed from it, a few times that).
MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Record:
    text: str  # what is forwarded
    category: str | None  # `category` (else `Category`) of an object record, when a string
    index: int  # position of the item within its message (0-based)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message body that cannot become records."""

    reason: str
    body: bytes  # as received


@dataclass(frozen=True, slots=True)
class Decoded:
    records: list[Record]
    outcomes: dict[str, int]
    dead_letter: DeadLetter | None = None


def decode_message(body: bytes, content_encoding: str | None = None, content_type: str | None = None) -> Decoded:
    """Decode one message body into records; never raises (see the module docstring)."""
    try:
        return _decode(body, content_encoding, content_type)
    except Exception as error:  # the promise is "never raises": an unforeseen failure is counted
        return _last_resort(body, error)


def _decode(body: bytes, content_encoding: str | None, content_type: str | None) -> Decoded:
    if type(body) is not bytes:
        body = bytes(body)
    outcomes: dict[str, int] = {}
    method = compression.detect(body, content_encoding)
    if method is not None:
        try:
            inflated = compression.inflate(body, method, MAX_DECOMPRESSED_BYTES)
        except compression.DecompressionError as error:
            # Text may begin like a zlib header ("x^2..."): only a declared or gzip body is lost.
            if method.declared or method.name == "gzip" or error.too_large:
                return Decoded([], {"dead_letter": 1}, DeadLetter(error.reason, body))
        else:
            outcomes["decompressed"] = 1
            body = inflated

    encoding, bom = texts.detect_encoding(body, content_type)
    if encoding == "utf-8":
        payload = body[bom:] if bom else body
        try:
            value = orjson.loads(payload)
        except orjson.JSONDecodeError:
            pass
        else:  # the fast path
            if _has_long_digit_run(payload):
                return _parsed(json.loads(payload.decode()), "json", _dump, outcomes, payload)
            return _parsed(value, "json", _dump, outcomes, payload)
    decoded, invalid = texts.decode(body[bom:], encoding)
    if invalid:
        outcomes["invalid_encoding"] = 1
    return _decode_text(decoded, outcomes)


def _decode_text(decoded: str, outcomes: dict[str, int]) -> Decoded:
    if not decoded or decoded.isspace():
        outcomes["empty"] = 1
        return Decoded([], outcomes)
    try:
        value, dump = _parse(decoded)
        return _parsed(value, "json", dump, outcomes, decoded)
    except (ValueError, RecursionError):
        pass
    if decoded.lstrip()[:1] in ("{", "["):
        repaired = repair.repair_json(decoded)
        if repaired is not None:
            try:
                value, dump = _parse(repaired)
                return _parsed(value, "repaired", dump, outcomes, decoded)
            except (ValueError, RecursionError):
                pass
    outcomes["text"] = 1
    return Decoded([Record(decoded, None, 0)], outcomes)


def _parse(data: str) -> tuple[Any, Callable[[Any], str]]:
    """Parse JSON text; return the value and how to serialize its records. Raises ValueError."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        # NaN / Infinity, numbers beyond a double, lone surrogate escapes: the standard library
        # reads them (and raises ValueError or RecursionError for the rest).
        return json.loads(data), _dump_lenient
    if _has_long_digit_run(data.encode("utf-8", "surrogatepass")):
        return json.loads(data), _dump
    return value, _dump


_DIGITS_TO_NUL = bytes(0 if 0x30 <= byte <= 0x39 else 1 for byte in range(256))
_LONG_DIGIT_RUN = b"\x00" * 19


def _has_long_digit_run(data: bytes) -> bool:
    # Cheap (about 1 us per KB) guard against integers orjson reads as floats (beyond
    # [-2**63, 2**64 - 1]: 19 or more digits). A run inside a string only costs a slower parse.
    return _LONG_DIGIT_RUN in data.translate(_DIGITS_TO_NUL)


_COMPACT = (",", ":")


def _dump(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # integer beyond 64 bits, or nested past orjson's 254 levels
        return json.dumps(value, separators=_COMPACT, ensure_ascii=False)


def _dump_lenient(value: Any) -> str:
    # Values from the standard library's parser may hold NaN (which orjson would turn into null)
    # or lone surrogates (which cannot be sent as UTF-8: keep them as escapes).
    dumped = json.dumps(value, separators=_COMPACT, ensure_ascii=False)
    if texts.scrub_surrogates(dumped)[1]:
        dumped = json.dumps(value, separators=_COMPACT)
    return dumped


def _parsed(
    value: Any, kind: str, dump: Callable[[Any], str], outcomes: dict[str, int], original: bytes | str
) -> Decoded:
    """Records of a parsed body, counted under `kind`; its text when they cannot be serialized."""
    try:
        records, counts = _records(value, dump)
    except RecursionError:  # nested deeper than json.dumps can go: forward the body unchanged
        if isinstance(original, bytes):
            original = original.decode("utf-8", "replace")  # orjson read it: valid UTF-8
        outcomes["text"] = 1
        return Decoded([Record(original, None, 0)], outcomes)
    outcomes.update(counts)
    if records:
        outcomes[kind] = len(records)
    return Decoded(records, outcomes)


def _records(value: Any, dump: Callable[[Any], str]) -> tuple[list[Record], dict[str, int]]:
    """The records of a parsed body, and the counts of what was dropped or rewritten."""
    parse_strings = False
    if type(value) is dict:
        items = value.get("records")
        if type(items) is list:
            parse_strings = True
        else:
            items = (value,)
    elif type(value) is list:
        items = value
        parse_strings = True
    else:
        items = (value,)
    if not items:
        return [], {"empty": 1}

    records: list[Record] = []
    append = records.append
    heartbeats = nulls = doubles = surrogates = 0
    for index, item in enumerate(items):
        item_dump = dump
        if type(item) is str:
            if parse_strings and item[:1] in _OBJECT_STARTS:
                parsed = _double_encoded(item)
                if parsed is not None:
                    item, item_dump = parsed
                    doubles += 1
            if type(item) is str:
                if dump is _dump_lenient:
                    item, replaced = texts.scrub_surrogates(item)
                    surrogates += replaced
                append(Record(item, None, index))
                continue
        if type(item) is dict:
            if item.get("type") == "heartbeat":
                heartbeats += 1
                continue
            category = item.get("category")
            if type(category) is not str:
                category = item.get("Category")
                if type(category) is not str:
                    category = None
            append(Record(item_dump(item), category, index))
        elif item is None:
            nulls += 1
        else:
            append(Record(item_dump(item), None, index))
    counts = {}
    if heartbeats:
        counts["heartbeat"] = heartbeats
    if nulls:
        counts["null"] = nulls
    if doubles:
        counts["double_encoded"] = doubles
    if surrogates:
        counts["invalid_encoding"] = 1
    return records, counts


_OBJECT_STARTS = frozenset("{ \t\r\n")


def _double_encoded(item: str) -> tuple[dict, Callable[[Any], str]] | None:
    """The JSON object a string item holds, with its serializer; None when it holds none."""
    if not item.lstrip().startswith("{"):
        return None
    try:
        value, dump = _parse(item)
    except (ValueError, RecursionError):
        return None
    return (value, dump) if type(value) is dict else None


def _last_resort(body: Any, error: Exception) -> Decoded:
    try:
        raw = bytes(body)
        if compression.detect(raw) is not None:
            reason = f"body could not be decoded: {type(error).__name__}: {error}"
            return Decoded([], {"dead_letter": 1}, DeadLetter(reason, raw))
        decoded = raw.decode("utf-8", "replace")
        if not decoded or decoded.isspace():
            return Decoded([], {"empty": 1})
        return Decoded([Record(decoded, None, 0)], {"text": 1})
    except Exception as again:  # not even bytes: nothing to forward, keep what can be kept
        reason = f"body could not be decoded: {type(again).__name__}: {again}"
        return Decoded([], {"dead_letter": 1}, DeadLetter(reason, b""))
