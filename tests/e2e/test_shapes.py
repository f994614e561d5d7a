"""Every message shape of the decoding rules, and every real-shaped payload of tests/data, sent
through the hub: the intake receives exactly the records the rules give, record by record, and the
checkpoint moves past messages that give none (heartbeats)."""

import codecs
import gzip
import json
import zlib

from tests.e2e.payloads import (
    EXPECTED,
    compact,
    data_body,
    data_json,
    dotted,
    heartbeat_ids,
    missing_and_extra,
    records_of,
)
from tests.stack.waiting import wait_until

# (body, the records it must give). Each record carries a unique id ("shape-...").
OBJECT = {"id": "shape-object", "category": "AuditLogs", "nested": {"list": [1, 2, {"x": None}], "ok": True}}
SHAPES = [
    # a JSON object with a `records` list gives its items
    (
        {"records": [{"id": "shape-records-1", "n": 1}, {"id": "shape-records-2", "text": "é ü 日本"}]},
        ['{"id":"shape-records-1","n":1}', '{"id":"shape-records-2","text":"é ü 日本"}'],
    ),
    # a top-level JSON list gives its items, whatever they are
    (
        [{"id": "shape-list-1"}, "shape-list-2 a string item", 12345678901],
        ['{"id":"shape-list-1"}', "shape-list-2 a string item", "12345678901"],
    ),
    # any other JSON value is one record: an object (re-serialized compactly), a string, a number
    (OBJECT, [compact(OBJECT)]),
    ({"id": "shape-records-not-a-list", "records": "n/a"}, ['{"id":"shape-records-not-a-list","records":"n/a"}']),
    (
        "shape-json-string: a JSON string is forwarded as the string",
        ["shape-json-string: a JSON string is forwarded as the string"],
    ),
    (98765.5, ["98765.5"]),
    # heartbeats (top-level or items) and null items are dropped
    ({"type": "heartbeat", "id": "shape-heartbeat-top"}, []),
    (
        {"records": [{"type": "heartbeat", "id": "shape-heartbeat-item"}, None, {"id": "shape-records-3"}]},
        ['{"id":"shape-records-3"}'],
    ),
    ([None, {"id": "shape-list-3"}, {"type": "heartbeat", "id": "shape-heartbeat-list"}], ['{"id":"shape-list-3"}']),
]
NOT_JSON = "shape-text <134>1 2026-11-25T10:00:00Z host app - - not JSON: {unbalanced"


def _pretty(value) -> bytes:
    # Pretty-printed on purpose: what arrives must be compact.
    return json.dumps(value, indent=2, ensure_ascii=False).encode()


def _batch(name: str, count: int = 2) -> dict:
    return {
        "records": [{"id": f"{name}-{number}", "category": "StorageRead", "name": name} for number in range(count)]
    }


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def test_every_shape_and_payload_arrives_as_the_decoding_rules_say(stack):
    module = deliver_every_shape(stack, stack.module)
    stack.stop(module)


def deliver_every_shape(stack, start_module):
    """Sends every shape and payload, starts the module with ``start_module(chunk_size=50)``, and
    checks that the intake got exactly the records the rules give. Returns the running module."""
    expected: list[str] = []
    never: list[str] = ["shape-heartbeat"]  # heartbeat ids must not reach the intake
    messages = 0

    def send(body: bytes, records: list[str], properties: dict | None = None) -> None:
        nonlocal messages
        stack.send_bodies([body], properties=properties)
        expected.extend(records)
        messages += 1

    for value, records in SHAPES:
        send(_pretty(value), records)
    send(NOT_JSON.encode(), [NOT_JSON])

    # The payloads of tests/data, as Event Hubs delivers them (compressed ones without any property).
    repaired = {}
    for name, expectation in EXPECTED.items():
        value = data_json(name)
        if name.endswith(".txt") and value is None and expectation["outcomes"].get("repaired"):
            repaired[name] = expectation  # checked by id below: the repair is the decoder's own business
            stack.send_bodies([data_body(name)])
            messages += 1
            continue
        records = [data_body(name).decode()] if expectation["outcomes"].get("text") else records_of(value)
        assert len(records) == len(expectation["records"]), name
        send(data_body(name), records)
        never += heartbeat_ids(value) if value is not None else []

    # Compression declared by the Content-Encoding application property, and text in UTF-16 with a BOM.
    for name, body, encoding in (
        ("gzip-declared", gzip.compress(_pretty(_batch("gzip-declared"))), "gzip"),
        ("zlib-declared", zlib.compress(_pretty(_batch("zlib-declared"))), "deflate"),
        ("deflate-raw-declared", _raw_deflate(_pretty(_batch("deflate-raw-declared"))), "deflate"),
    ):
        send(body, records_of(_batch(name)), properties={"Content-Encoding": encoding})
    utf16 = _batch("utf16-bom-é")
    send(codecs.BOM_UTF16_LE + json.dumps(utf16, ensure_ascii=False).encode("utf-16-le"), records_of(utf16))

    module = start_module(chunk_size=50)
    repaired_count = sum(len(expectation["records"]) for expectation in repaired.values())
    wait_until(
        lambda: len(stack.delivered()) >= len(expected) + repaired_count,
        60,
        message="every record delivered",
    )
    # Wait for the checkpoint past the last message: nothing more can arrive after that.
    wait_until(lambda: stack.checkpoints().get("0") == messages - 1, 30, message="checkpoint past the last message")
    delivered = stack.delivered()

    repaired_texts = []
    for name, expectation in repaired.items():
        for want in expectation["records"]:
            found = [text for text in delivered if want["id"] in text]
            assert len(found) == 1, (name, want["id"], len(found))
            record = json.loads(found[0])
            assert dotted(record, expectation["id_field"]) == want["id"]
            assert record["category"] == want["category"]
            assert found[0] == compact(record)
            repaired_texts.append(found[0])
    postgres = [text for text in repaired_texts if "PostgreSQLLogs" in text]
    assert '"properties":"[227 B blob data]"' in postgres[0] and '"properties":"[218 B blob data]"' in postgres[1]

    missing, extra = missing_and_extra(expected + repaired_texts, delivered)
    assert not missing and not extra, f"missing: {missing}\nextra: {extra}"
    assert not [text for text in delivered if any(marker in text for marker in never)]
    print(
        f"\n[figures] {messages} messages ({len(SHAPES) + 1} shapes, {len(EXPECTED)} payloads, 4 encodings): "
        f"{len(delivered)} records arrived as specified"
    )
    return module
