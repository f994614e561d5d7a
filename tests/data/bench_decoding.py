"""Measure decode_message's cost per record (not a test: run it by hand).

    .venv/bin/python tests/data/bench_decoding.py

Bodies: 100 Office 365 audit records of about 1 KB each, wrapped as Azure diagnostic
{"records": [...]}: valid UTF-8 JSON (the fast path), one record per message, gzip-compressed, the
same with every property single-quoted (a worst case for repair), the FunctionAppLogs payload file
(a real-shaped repaired body), and a text body.
"""

from __future__ import annotations

import gzip
import sys
import timeit
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from azure_eventhub.decoding.message import decode_message  # noqa: E402


def record(n: int) -> dict:
    return {
        "time": "2024-05-01T10:11:12.1234567Z",
        "category": "Exchange",
        "operationName": "MailItemsAccessed",
        "properties": {
            "CreationTime": "2024-05-01T10:11:12",
            "Id": f"8e2c6d2a-0d1e-4c0b-9a41-{n:012d}",
            "Operation": "MailItemsAccessed",
            "OrganizationId": "b1c2d3e4-aaaa-bbbb-cccc-1234567890ab",
            "RecordType": 50,
            "ResultStatus": "Succeeded",
            "UserKey": "10032001A2B3C4D5",
            "UserType": 0,
            "Version": 1,
            "Workload": "Exchange",
            "ClientIP": "203.0.113.7",
            "UserId": "alice@contoso.com",
            "AppId": "00000002-0000-0ff1-ce00-000000000000",
            "ExternalAccess": False,
            "LogonType": 0,
            "LogonUserSid": "S-1-5-21-1234567890-123456789-1234567890-12345",
            "MailboxGuid": "0d6e7f8a-1111-2222-3333-444455556666",
            "MailboxOwnerUPN": "alice@contoso.com",
            "OperationProperties": [{"Name": "MailAccessType", "Value": "Bind"}],
            "OrganizationName": "contoso.onmicrosoft.com",
            "OriginatingServer": "AM0PR01MB1234 (15.20.7000.000)",
            "Folders": [{"FolderItems": [{"InternetMessageId": f"<{n}@contoso.com>"}], "Path": "\\Inbox"}],
        },
    }


def single_quoted(rec: dict) -> bytes:
    properties = orjson.dumps(rec["properties"]).decode().replace("\\\\", "\\").replace('"', "'")
    outer = dict(rec, properties="@@")
    return orjson.dumps(outer).replace(b'"@@"', properties.encode())


def measure(name: str, body: bytes, records: int) -> None:
    decoded = decode_message(body)
    assert len(decoded.records) == records, decoded.outcomes
    runs = max(1, 20_000 // records)
    seconds = min(timeit.repeat(lambda: decode_message(body), number=runs, repeat=5)) / runs
    per_record = seconds / records * 1e6
    print(f"{name:<42} {len(body) / records:7.0f} B/record {per_record:8.2f} us/record  {decoded.outcomes}")


def main() -> None:
    records = [record(n) for n in range(100)]
    valid = orjson.dumps({"records": records})
    repaired = b'{"records":[' + b",".join(single_quoted(r) for r in records) + b"]}"
    measure("fast path: records[] of 100 objects", valid, 100)
    measure("fast path: one record per message", orjson.dumps({"records": records[:1]}), 1)
    measure("gzip body: records[] of 100 objects", gzip.compress(valid), 100)
    measure("repaired body: every property single-quoted", repaired, 100)
    functions = (Path(__file__).parent / "functionapp_single_quotes.txt").read_bytes()
    measure("repaired body: functionapp_single_quotes.txt", functions, 3)
    measure("text body", b"<134>May  1 10:11:12 host app: " + b"x" * 1000, 1)


if __name__ == "__main__":
    main()
