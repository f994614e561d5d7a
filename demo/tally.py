"""What the local intake accepted: totals per category and the latest record of each.

The platform fake's recorder keeps every record's text in memory by default; a demo left running
for hours would grow without bound, so the demo's recorder keeps no texts (count_only) and tallies
instead.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from typing import Any

from tests.stack.fake_recorder import Recorder


def category_of(record: str) -> str:
    """The record's `category` (or `Category`); for an Office 365 audit record, its Workload."""
    try:
        value = json.loads(record)
    except ValueError:
        return "(text)"
    if not isinstance(value, dict):
        return "(not an object)"
    category = value.get("category") or value.get("Category")
    if category:
        return str(category)
    if value.get("Workload"):
        return f"Office 365 {value['Workload']}"
    return "(no category)"


class TallyRecorder(Recorder):
    """The platform fake's recorder in count_only mode, plus the tally of accepted records."""

    def __init__(self) -> None:
        self._tally_lock = threading.Lock()
        self.by_category: Counter[str] = Counter()
        self.latest: OrderedDict[str, str] = OrderedDict()  # category -> its latest record
        super().__init__(count_only=True)

    def chunk(self, *, records: list[str], status: int | None, **details: Any) -> dict[str, Any]:
        entry = super().chunk(records=records, status=status, **details)
        if status is not None and 200 <= status < 300:
            categorized = [(category_of(record), record) for record in records]
            with self._tally_lock:
                for category, record in categorized:
                    self.by_category[category] += 1
                    self.latest[category] = record
                    self.latest.move_to_end(category)
        return entry

    def snapshot(self, samples: int = 4) -> tuple[int, dict[str, int], list[str]]:
        """(records accepted, count per category, the latest records of the last categories seen)."""
        with self._tally_lock:
            return sum(self.by_category.values()), dict(self.by_category), list(self.latest.values())[-samples:]
