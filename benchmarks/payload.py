"""The benchmark's messages: one Azure-diagnostic record of about 1 KB each, with a unique id."""

from __future__ import annotations

import orjson

RECORD_BYTES = 1024


def record(number: int, partition: int) -> dict:
    """An Entra ID sign-in-shaped record; ``id`` comes first so the fake's id scan is quick."""
    base = {
        "id": f"bench-{partition:02d}-{number:09d}",
        "time": "2026-11-25T10:00:00.0000000Z",
        "category": "SignInLogs",
        "operationName": "Sign-in activity",
        "resultType": "0",
        "callerIpAddress": "203.0.113.7",
        "correlationId": "5b1e7a4c-0d2f-4e5a-9b6c-7d8e9f0a1b2c",
        "identity": "Alice Example",
        "properties": {
            "userPrincipalName": "alice@contoso.com",
            "appDisplayName": "Office 365 Exchange Online",
            "clientAppUsed": "Browser",
            "conditionalAccessStatus": "success",
            "isInteractive": True,
            "location": {"city": "Paris", "countryOrRegion": "FR"},
            "deviceDetail": {"browser": "Edge 120.0.0", "operatingSystem": "Windows10"},
            "padding": "",
        },
    }
    size = len(orjson.dumps({"records": [base]}))
    base["properties"]["padding"] = "x" * max(0, RECORD_BYTES - size)
    return base


def body(number: int, partition: int) -> bytes:
    return orjson.dumps({"records": [record(number, partition)]})


LARGE_RECORDS = 90  # a ~900 KB message: 90 records of ~10 KB (each under the intake's record limit)


def large_body(number: int, partition: int) -> bytes:
    """One ~900 KB message of ``LARGE_RECORDS`` records, unique ids."""
    records = []
    for index in range(LARGE_RECORDS):
        item = record(number * LARGE_RECORDS + index, partition)
        item["id"] = f"large-{partition:02d}-{number:06d}-{index:02d}"
        item["properties"] = {**item["properties"], "padding": "x" * 9_000}
        records.append(item)
    return orjson.dumps({"records": records})
