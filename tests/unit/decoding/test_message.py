"""decode_message: shapes, categories, outcomes, encodings, numbers, and the payloads of tests/data."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
import pytest

from azure_eventhub.decoding.message import MAX_RECORD_CHARS, DeadLetter, Decoded, Record, decode_message

DATA = Path(__file__).resolve().parents[2] / "data"
EXPECTED = json.loads((DATA / "expected.json").read_text())


def decoded(records: list[Record], **outcomes: int) -> Decoded:
    return Decoded(records, outcomes)


# --- shapes ------------------------------------------------------------------------------------
SHAPES = {
    "records-list-of-objects": (
        b'{"records": [{"category": "SignInLogs", "a": 1}, {"category": "AuditLogs", "b": [1, 2]}]}',
        decoded(
            [
                Record('{"category":"SignInLogs","a":1}', "SignInLogs", 0),
                Record('{"category":"AuditLogs","b":[1,2]}', "AuditLogs", 1),
            ],
            json=2,
        ),
    ),
    "records-other-keys-ignored": (
        b'{"tenant": "t", "records": [{"a": 1}]}',
        decoded([Record('{"a":1}', None, 0)], json=1),
    ),
    "records-not-a-list-is-one-record": (
        b'{"records": {"a": 1}, "category": "X"}',
        decoded([Record('{"records":{"a":1},"category":"X"}', "X", 0)], json=1),
    ),
    "top-level-list": (
        b'[{"Category": "Administrative"}, 7, "line", true, [1]]',
        decoded(
            [
                Record('{"Category":"Administrative"}', "Administrative", 0),
                Record("7", None, 1),
                Record("line", None, 2),
                Record("true", None, 3),
                Record("[1]", None, 4),
            ],
            json=5,
        ),
    ),
    "single-object": (b'{"x": "y"}', decoded([Record('{"x":"y"}', None, 0)], json=1)),
    "top-level-string-forwarded-as-is": (b'"hello \\"you\\""', decoded([Record('hello "you"', None, 0)], json=1)),
    "top-level-string-holding-an-object-is-not-parsed": (
        b'"{\\"a\\":1}"',
        decoded([Record('{"a":1}', None, 0)], json=1),
    ),
    "top-level-number": (b"42.5", decoded([Record("42.5", None, 0)], json=1)),
    "top-level-false": (b"false", decoded([Record("false", None, 0)], json=1)),
    "top-level-null-dropped": (b"null", decoded([], null=1)),
    "top-level-heartbeat-dropped": (b'{"type": "heartbeat", "time": "t"}', decoded([], heartbeat=1)),
    "heartbeat-type-is-exact": (
        b'{"records": [{"type": "Heartbeat"}, {"Type": "heartbeat"}]}',
        decoded([Record('{"type":"Heartbeat"}', None, 0), Record('{"Type":"heartbeat"}', None, 1)], json=2),
    ),
    "records-heartbeats-and-nulls-dropped-keep-their-index": (
        b'{"records": [null, {"type": "heartbeat"}, {"a": 1}, null]}',
        decoded([Record('{"a":1}', None, 2)], heartbeat=1, null=2, json=1),
    ),
    "list-nulls-dropped": (b"[null, 1]", decoded([Record("1", None, 1)], null=1, json=1)),
    "double-encoded-object-parsed": (
        b'{"records": ["{\\"category\\": \\"AppServiceHTTPLogs\\", \\"n\\": 1}", " {\\"a\\": 2}"]}',
        decoded(
            [Record('{"category":"AppServiceHTTPLogs","n":1}', "AppServiceHTTPLogs", 0), Record('{"a":2}', None, 1)],
            double_encoded=2,
            json=2,
        ),
    ),
    "double-encoded-heartbeat-dropped": (
        b'{"records": ["{\\"type\\": \\"heartbeat\\"}"]}',
        decoded([], double_encoded=1, heartbeat=1),
    ),
    "string-item-not-an-object-stays-a-string": (
        b'{"records": ["{not json", "[1, 2]", "plain"]}',
        decoded([Record("{not json", None, 0), Record("[1, 2]", None, 1), Record("plain", None, 2)], json=3),
    ),
    "double-encoded-single-quotes-not-repaired": (
        b'{"records": ["{\'a\': 1}"]}',
        decoded([Record("{'a': 1}", None, 0)], json=1),
    ),
    "empty-body": (b"", decoded([], empty=1)),
    "white-space-body": (b" \r\n\t ", decoded([], empty=1)),
    "empty-records": (b'{"records": []}', decoded([], empty=1)),
    "empty-list": (b"[]", decoded([], empty=1)),
    "text-body-forwarded-exactly": (
        b"plain text\nsecond line\n",
        decoded([Record("plain text\nsecond line\n", None, 0)], text=1),
    ),
    "truncated-json-is-text": (b'{"records": [{"a": 1}', decoded([Record('{"records": [{"a": 1}', None, 0)], text=1)),
    "two-concatenated-objects-are-text": (b'{"a":1}{"b":2}', decoded([Record('{"a":1}{"b":2}', None, 0)], text=1)),
    "text-starting-like-a-zlib-header": (b"x^2 + y^2 = z^2", decoded([Record("x^2 + y^2 = z^2", None, 0)], text=1)),
    "unicode-kept-not-escaped": (
        '{"msg": "café ✓ 😀"}'.encode(),
        decoded([Record('{"msg":"café ✓ 😀"}', None, 0)], json=1),
    ),
    "json-with-raw-newline-in-string-is-repaired": (
        b'{"records": [{"m": "a\nb"}]}',
        decoded([Record('{"m":"a\\nb"}', None, 0)], repaired=1),
    ),
}


@pytest.mark.parametrize("body, expected", SHAPES.values(), ids=SHAPES.keys())
def test_shapes(body: bytes, expected: Decoded) -> None:
    assert decode_message(body) == expected


# --- category ----------------------------------------------------------------------------------
CATEGORIES = {
    "lower-case-key": ({"category": "SignInLogs"}, "SignInLogs"),
    "capitalised-key": ({"Category": "Administrative"}, "Administrative"),
    "lower-case-wins": ({"Category": "B", "category": "A"}, "A"),
    "non-string-lower-falls-back": ({"category": None, "Category": "B"}, "B"),
    "number-is-no-category": ({"category": 5}, None),
    "nested-category-ignored": ({"properties": {"category": "Inner"}}, None),
    "no-category": ({"a": 1}, None),
}


@pytest.mark.parametrize("record, category", CATEGORIES.values(), ids=CATEGORIES.keys())
def test_category(record: dict, category: str | None) -> None:
    (only,) = decode_message(orjson.dumps({"records": [record]})).records
    assert only.category == category


# --- encodings ---------------------------------------------------------------------------------
ENCODINGS = {
    "utf-8-bom": (b"\xef\xbb\xbf" + '{"a":"é"}'.encode(), None, decoded([Record('{"a":"é"}', None, 0)], json=1)),
    "utf-16-le-bom": ('{"a":"é"}'.encode("utf-16"), None, decoded([Record('{"a":"é"}', None, 0)], json=1)),
    "utf-16-be-bom": (
        b"\xfe\xff" + '[1,"é"]'.encode("utf-16-be"),
        None,
        decoded([Record("1", None, 0), Record("é", None, 1)], json=2),
    ),
    "utf-32-le-bom": ('{"a":"😀"}'.encode("utf-32"), None, decoded([Record('{"a":"😀"}', None, 0)], json=1)),
    "utf-32-be-bom": (
        b"\x00\x00\xfe\xff" + b'{"a":1}'.decode().encode("utf-32-be"),
        None,
        decoded([Record('{"a":1}', None, 0)], json=1),
    ),
    "utf-16-text-body": ("hello".encode("utf-16"), None, decoded([Record("hello", None, 0)], text=1)),
    "charset-from-content-type": (
        '{"a":"é"}'.encode("utf-16-le"),
        "application/json; charset=UTF-16LE",
        decoded([Record('{"a":"é"}', None, 0)], json=1),
    ),
    "latin-1-charset": (
        '{"a":"é"}'.encode("latin-1"),
        'application/json; charset="iso-8859-1"',
        decoded([Record('{"a":"é"}', None, 0)], json=1),
    ),
    "unknown-charset-ignored": (
        b'{"a":1}',
        "application/json; charset=rot13",
        decoded([Record('{"a":1}', None, 0)], json=1),
    ),
    "invalid-utf-8-in-json-string": (
        b'{"a":"x\xffy"}',
        None,
        decoded([Record('{"a":"x\ufffdy"}', None, 0)], invalid_encoding=1, json=1),
    ),
    "invalid-utf-8-text": (
        b"abc\xc3(def",
        None,
        decoded([Record("abc\ufffd(def", None, 0)], invalid_encoding=1, text=1),
    ),
    "truncated-utf-16": (
        '{"a":1}'.encode("utf-16") + b"\x00",
        None,
        decoded([Record('{"a":1}\ufffd', None, 0)], invalid_encoding=1, text=1),
    ),
    "lone-surrogate-escape-in-object-stays-escaped": (
        b'{"a":"\\ud800"}',
        None,
        decoded([Record('{"a":"\\ud800"}', None, 0)], json=1),
    ),
    "lone-surrogate-escape-in-string-record-replaced": (
        b'["\\udc00x"]',
        None,
        decoded([Record("\ufffdx", None, 0)], invalid_encoding=1, json=1),
    ),
}


@pytest.mark.parametrize("body, content_type, expected", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_encodings(body: bytes, content_type: str | None, expected: Decoded) -> None:
    assert decode_message(body, content_type=content_type) == expected


# --- numbers and depth that orjson cannot carry ------------------------------------------------
NUMBERS = {
    "u64-max-fast-path": (b'{"n":18446744073709551615}', '{"n":18446744073709551615}'),
    "i64-min-fast-path": (b'{"n":-9223372036854775808}', '{"n":-9223372036854775808}'),
    "beyond-u64-kept-digit-for-digit": (b'{"n":18446744073709551616,"f":1.5}', '{"n":18446744073709551616,"f":1.5}'),
    "below-i64-kept": (b'{"n":-9223372036854775809}', '{"n":-9223372036854775809}'),
    "huge-integer-kept": (b"[123456789012345678901234567890123456789]", "123456789012345678901234567890123456789"),
    "long-digit-run-in-a-string-only": (
        b'{"s":"12345678901234567890123","n":1}',
        '{"s":"12345678901234567890123","n":1}',
    ),
    "nan-literal-kept": (b'{"v":NaN}', '{"v":NaN}'),
    "infinity-literals-kept": (b'{"v":[Infinity,-Infinity]}', '{"v":[Infinity,-Infinity]}'),
    "float-beyond-double-becomes-infinity": (b'{"v":1e400}', '{"v":Infinity}'),
    "float-normalised": (b'{"v":1.0E2}', '{"v":100.0}'),
    "duplicate-keys-last-wins": (b'{"a":1,"a":2}', '{"a":2}'),
}


@pytest.mark.parametrize("body, text", NUMBERS.values(), ids=NUMBERS.keys())
def test_numbers(body: bytes, text: str) -> None:
    result = decode_message(body)
    assert [record.text for record in result.records][-1] == text
    assert result.outcomes.get("json") == len(result.records)


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [254, 255, 600, 800], ids=lambda depth: f"depth-{depth}")
def test_deep_nesting_is_serialized_by_the_standard_library(depth: int) -> None:
    body = b'{"records":[' + nested(depth) + b"]}"
    result = decode_message(body)
    assert result == decoded([Record(nested(depth).decode(), None, 0)], json=1)


@pytest.mark.parametrize("depth", [1010, 1030, 5000], ids=lambda depth: f"depth-{depth}")
def test_nesting_beyond_the_parsers_is_forwarded_as_text(depth: int) -> None:
    body = b'{"records":[' + nested(depth) + b"]}"
    assert decode_message(body) == decoded([Record(body.decode(), None, 0)], text=1)


# --- never raises ------------------------------------------------------------------------------
def test_non_bytes_body_is_accepted() -> None:
    assert decode_message(bytearray(b'{"a":1}')) == decoded([Record('{"a":1}', None, 0)], json=1)
    assert decode_message(memoryview(b"[1]")) == decoded([Record("1", None, 0)], json=1)


def test_unexpected_failure_becomes_a_text_record(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> None:
        raise MemoryError("simulated")

    monkeypatch.setattr("azure_eventhub.decoding.message.records_of", explode)
    assert decode_message(b'{"a":1}') == decoded([Record('{"a":1}', None, 0)], text=1)


def test_unexpected_failure_on_a_compressed_body_is_dead_lettered(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> None:
        raise MemoryError("simulated")

    monkeypatch.setattr("azure_eventhub.decoding.message.records_of", explode)
    body = gzip.compress(b'{"a":1}')
    result = decode_message(body)
    assert result.records == [] and result.outcomes == {"dead_letter": 1}
    assert result.dead_letter == DeadLetter("body could not be decoded: MemoryError: simulated", body)


def test_body_that_is_not_bytes_at_all_is_dead_lettered() -> None:
    result = decode_message(None)  # type: ignore[arg-type]
    assert result.records == [] and result.outcomes == {"dead_letter": 1}
    assert result.dead_letter is not None and result.dead_letter.body == b""


def test_max_record_chars_is_the_intake_limit() -> None:
    assert MAX_RECORD_CHARS == 250_000


# --- tests/data --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(EXPECTED), ids=sorted(EXPECTED))
def test_payload_file(name: str) -> None:
    expected = EXPECTED[name]
    result = decode_message((DATA / name).read_bytes())
    assert result.dead_letter is None
    assert result.outcomes == expected["outcomes"]
    assert [(r.index, r.category) for r in result.records] == [
        (r["index"], r["category"]) for r in expected["records"]
    ]
    for record, wanted in zip(result.records, expected["records"]):
        assert wanted["id"] in record.text


def test_every_payload_file_is_listed() -> None:
    files = {p.name for p in DATA.iterdir() if p.suffix not in (".py", ".md") and p.name != "expected.json"}
    assert files == set(EXPECTED)
    readme = (DATA / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in files)


def test_payload_ids_are_unique_across_files() -> None:
    texts = [r.text for name in EXPECTED for r in decode_message((DATA / name).read_bytes()).records]
    for wanted in (r["id"] for entry in EXPECTED.values() for r in entry["records"]):
        assert sum(wanted in text for text in texts) == 1, wanted


def test_valid_payload_records_equal_the_source_items() -> None:
    for name in EXPECTED:
        if not name.endswith(".json") or name == "heartbeat.json":
            continue
        source = orjson.loads((DATA / name).read_bytes())
        items = [
            item
            for item in source["records"]
            if item is not None and not (isinstance(item, dict) and item.get("type") == "heartbeat")
        ]
        items = [orjson.loads(item) if isinstance(item, str) else item for item in items]
        assert [orjson.loads(r.text) for r in decode_message((DATA / name).read_bytes()).records] == items, name
