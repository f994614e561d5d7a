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
- integers beyond 64 bits: orjson would silently read them as floats, so a body that may hold one
  (a record read by orjson holds a float of 1e16 or more, and the body a run of 19+ digits: see
  `items.records_of`) is parsed by the standard library instead, and a record holding such an integer is
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

import functools
import json
from dataclasses import dataclass
from typing import Any, Callable

import orjson

from azure_eventhub.decoding import compression, repair, text as texts
from azure_eventhub.decoding.items import Record, records_of
from azure_eventhub.decoding.json_values import _LongInteger, _dump, _parse

MAX_RECORD_CHARS = 250_000  # the intake's per-event limit (the SDK's EVENT_BYTES_MAX_SIZE)

# 64 x Event Hubs' largest event (1 MB on Standard/Premium): JSON logs compress 5-20x, so no real
# message comes near it, while a bomb is refused before it can hold more than 64 MiB of memory
# (plus the Python objects parsed from it, a few times that).
MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024


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


# Fast constructor for the frozen dataclass above: its generated __init__ goes through
# object.__setattr__ once per field (frozen); this sets the slots directly, as items.py does for a
# Record. Same objects, same equality.
_new = object.__new__
_set_records, _set_outcomes = Decoded.records.__set__, Decoded.outcomes.__set__
_set_dead_letter = Decoded.dead_letter.__set__


def _decoded(records: list[Record], outcomes: dict[str, int]) -> Decoded:
    decoded = _new(Decoded)
    _set_records(decoded, records)
    _set_outcomes(decoded, outcomes)
    _set_dead_letter(decoded, None)
    return decoded


_JSON_STARTS = (b"{", b"[")


@functools.lru_cache(maxsize=256)  # producers send a handful of distinct values
def plain_properties(content_encoding: str | None, content_type: str | None) -> bool:
    """Whether these properties leave a body that starts with `{` or `[` as it is: no declared
    compression, and no charset but UTF-8."""
    return (
        compression.detect(b"{", content_encoding) is None and texts.detect_encoding(b"{", content_type)[0] == "utf-8"
    )


def _decode(body: bytes, content_encoding: str | None, content_type: str | None) -> Decoded:
    if type(body) is not bytes:
        body = bytes(body)
    if body[:1] in _JSON_STARTS and (
        (not content_encoding and not content_type) or plain_properties(content_encoding, content_type)
    ):
        # The common case, on the shortest path: a JSON object or list in UTF-8. Its first byte rules
        # out a BOM and compression magic (gzip 1f 8b, zlib 78 ..), and the properties declare
        # neither compression nor another charset: exactly what the general path below concludes.
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError:
            decoded, invalid = texts.decode(body, "utf-8")
            return _decode_text(decoded, {"invalid_encoding": 1} if invalid else {})
        try:
            return _parsed(value, "json", _dump, {}, body, checked_body=body)
        except _LongInteger:
            return _parsed(json.loads(body.decode()), "json", _dump, {}, body)
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
        else:  # UTF-8 JSON with a BOM, or inflated
            try:
                return _parsed(value, "json", _dump, outcomes, payload, checked_body=payload)
            except _LongInteger:
                return _parsed(json.loads(payload.decode()), "json", _dump, outcomes, payload)
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


def _parsed(
    value: Any, kind: str, dump: Callable[[Any], str], outcomes: dict[str, int], original: bytes | str,
    checked_body: bytes | None = None,
) -> Decoded:  # fmt: skip
    """Records of a parsed body, counted under `kind`; its text when they cannot be serialized.
    With `checked_body` (orjson read it), raises _LongInteger as records_of says."""
    try:
        records, counts = records_of(value, dump, checked_body)
    except RecursionError:  # nested deeper than json.dumps can go: forward the body unchanged
        if isinstance(original, bytes):
            original = original.decode("utf-8", "replace")  # orjson read it: valid UTF-8
        outcomes["text"] = 1
        return Decoded([Record(original, None, 0)], outcomes)
    if counts:
        outcomes.update(counts)
    if records:
        outcomes[kind] = len(records)
    return _decoded(records, outcomes)


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
