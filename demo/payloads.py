"""Realistic message bodies, built from the payload files of tests/data/ (see its README).

Each message carries records of one source, as one Microsoft Purview stream or one diagnostic
setting batches its own, with fresh ids and times so that every record is new to the intake.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tests.stack.paths import REPO_ROOT

DATA = REPO_ROOT / "tests" / "data"

# (payload file, weight): Office 365 audit records dominate a tenant's stream, Exchange first.
SOURCES = (
    ("purview_exchange.json", 30),
    ("purview_sharepoint.json", 20),
    ("purview_azuread.json", 10),
    ("purview_teams.json", 10),
    ("entra_signinlogs.json", 12),
    ("entra_auditlogs.json", 6),
    ("activity_administrative.json", 8),
    ("activity_policy.json", 4),
)
HEARTBEAT = "heartbeat.json"
MAX_RECORDS_PER_MESSAGE = 8

_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


@dataclass(frozen=True)
class Template:
    name: str
    records: tuple[dict, ...]
    id_field: str  # dotted path of the field holding the record's id


def load_templates() -> tuple[list[Template], list[int]]:
    """The templates of SOURCES and their weights."""
    expected = json.loads((DATA / "expected.json").read_text())
    templates = [
        Template(name, tuple(json.loads((DATA / name).read_text())["records"]), expected[name]["id_field"])
        for name, _ in SOURCES
    ]
    return templates, [weight for _, weight in SOURCES]


def fresh_time(text: str, now: datetime) -> str:
    """`now` written like `text` (same fraction digits, same zone suffix)."""
    match = _TIMESTAMP.match(text)
    if not match:
        return text
    fraction, zone = match.group(1) or "", match.group(2) or ""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        stamp += "." + now.strftime("%f").ljust(len(fraction) - 1, "0")[: len(fraction) - 1]
    return stamp + ("+00:00" if zone and zone != "Z" else zone)


def refreshed(value: Any, now: datetime) -> Any:
    """A deep copy of `value` where every timestamp string is `now`."""
    if isinstance(value, dict):
        return {key: refreshed(item, now) for key, item in value.items()}
    if isinstance(value, list):
        return [refreshed(item, now) for item in value]
    if isinstance(value, str):
        return fresh_time(value, now)
    return value


def with_new_id(record: dict, id_field: str) -> dict:
    *parents, leaf = id_field.split(".")
    target = record
    for name in parents:
        target = target[name]
    target[leaf] = str(uuid.uuid4())
    return record


class BodyMaker:
    """Message bodies: `message()` -> (JSON body, record count); `heartbeat()` -> JSON body."""

    def __init__(self, seed: int | None = None) -> None:
        self.templates, self.weights = load_templates()
        self.heartbeat_template = json.loads((DATA / HEARTBEAT).read_text())
        self.random = random.Random(seed)

    def message(self) -> tuple[str, int]:
        template = self.random.choices(self.templates, self.weights)[0]
        now = datetime.now(timezone.utc)
        count = self.random.randint(1, MAX_RECORDS_PER_MESSAGE)
        records = [
            with_new_id(refreshed(self.random.choice(template.records), now), template.id_field) for _ in range(count)
        ]
        return json.dumps({"records": records}), count

    def heartbeat(self) -> str:
        body = refreshed(self.heartbeat_template, datetime.now(timezone.utc))
        body["id"] = f"hb-{uuid.uuid4()}"
        return json.dumps(body)
