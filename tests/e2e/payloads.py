"""What the end-to-end tests send, and the exact record texts the intake must receive for it.

The expected texts are computed here with the standard library, independently of the module's
decoder: a JSON item is forwarded compactly (no space after `,` and `:`; non-ASCII kept as is), a
string item is forwarded as the string itself, a body that is not JSON as its text.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data"
EXPECTED = json.loads((DATA / "expected.json").read_text())


def compact(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def records_of(value: Any) -> list[str]:
    """The records the decoding rules give for a parsed JSON body."""
    if isinstance(value, dict) and isinstance(value.get("records"), list):
        items, listed = value["records"], True
    elif isinstance(value, list):
        items, listed = value, True
    else:
        items, listed = [value], False
    texts = []
    for item in items:
        if listed and isinstance(item, str) and item.lstrip().startswith("{"):
            try:
                item = json.loads(item)  # a double-encoded object
            except ValueError:
                pass
        if item is None or (isinstance(item, dict) and item.get("type") == "heartbeat"):
            continue
        texts.append(compact(item))
    return texts


def data_body(name: str) -> bytes:
    return (DATA / name).read_bytes()


def data_json(name: str) -> Any | None:
    """The parsed content of a data file (inflated first), or None when it is not strict JSON."""
    body = data_body(name)
    if name.endswith(".gz"):
        body = gzip.decompress(body)
    elif name.endswith(".zlib"):
        body = zlib.decompress(body)
    try:
        return json.loads(body)
    except ValueError:
        return None


def dotted(record: dict, path: str) -> Any:
    for part in path.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def heartbeat_ids(value: Any) -> list[str]:
    """Ids carried by heartbeat objects, which must never reach the intake."""
    items = value.get("records", [value]) if isinstance(value, dict) else value if isinstance(value, list) else []
    return [
        item["id"] for item in items if isinstance(item, dict) and item.get("type") == "heartbeat" and "id" in item
    ]


def missing_and_extra(expected: list[str], delivered: list[str]) -> tuple[list[str], list[str]]:
    """(expected texts not delivered as many times as expected, texts delivered beyond that)."""
    want, got = Counter(expected), Counter(delivered)
    return [text[:120] for text in (want - got).elements()], [text[:120] for text in (got - want).elements()]
