"""What the platform fake saw: chunks, accepted records, log lines, callbacks, counts.

A record is *accepted* only when its chunk was answered 2xx. In `count_only` mode
(benchmarks with millions of records) the texts are not kept: only counts, and the
value of `id_key` in each accepted record when `id_key` is set.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from typing import Any


def id_pattern(id_key: str) -> re.Pattern[str]:
    """Finds the first `"id_key": value` of a JSON text (a string or a number).

    A regular expression rather than a JSON parse: a benchmark pushes millions of
    records through one Python process shared with the module's own work.
    """
    return re.compile(r'"%s"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)' % re.escape(id_key))


def extract_id(pattern: re.Pattern[str], record: str) -> str | None:
    match = pattern.search(record)
    if not match:
        return None
    value = match.group(1)
    return value[1:-1] if value.startswith('"') else value


class Recorder:
    def __init__(self, count_only: bool = False, id_key: str | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(count_only, id_key)

    def configure(self, count_only: bool, id_key: str | None) -> None:
        with self._lock:
            self.count_only = count_only
            self.id_key = id_key
            self._pattern = id_pattern(id_key) if id_key else None
            self._chunks: list[dict[str, Any]] = []
            self._records: list[str] = []
            self._ids: list[str | None] = []
            self._unique_ids: set[str] = set()
            self._records_without_id = 0
            self._accepted_chunks = 0
            self._accepted_records = 0
            self._accepted_bytes = 0
            self._logs: list[dict[str, Any]] = []
            self._callbacks: list[Any] = []
            self._requests: Counter[str] = Counter()
            self._statuses: Counter[str] = Counter()
            self._in_flight = getattr(self, "_in_flight", 0)

    # -- writes (handler threads) ----------------------------------------------------

    def count_request(self, target: str) -> None:
        with self._lock:
            self._requests[target] += 1

    def in_flight(self, delta: int) -> None:
        """Requests being handled now (hung ones included)."""
        with self._lock:
            self._in_flight += delta

    @property
    def handling(self) -> int:
        with self._lock:
            return self._in_flight

    def count_status(self, target: str, outcome: str | int) -> None:
        with self._lock:
            self._statuses[f"{target}:{outcome}"] += 1

    def chunk(
        self,
        *,
        path: str,
        intake_key: str | None,
        records: list[str],
        body_bytes: int,
        status: int | None,
        outcome: str,
        user_agent: str | None,
    ) -> dict[str, Any]:
        """Record one intake request; returns its entry (the handler may update it)."""
        accepted = status is not None and 200 <= status < 300
        entry: dict[str, Any] = {
            "time": time.time(),
            "path": path,
            "intake_key": intake_key,
            "count": len(records),
            "bytes": body_bytes,
            "status": status,
            "outcome": outcome,
            "user_agent": user_agent,
            "answer_sent": None,
        }
        if not self.count_only:
            entry["records"] = records
        ids = None
        if accepted and self._pattern is not None:
            ids = [extract_id(self._pattern, r) for r in records]
        with self._lock:
            entry["seq"] = len(self._chunks)
            self._chunks.append(entry)
            self._statuses[f"intake:{status if status is not None else outcome}"] += 1
            if accepted:
                entry["first_record"] = self._accepted_records
                self._accepted_chunks += 1
                self._accepted_records += len(records)
                self._accepted_bytes += sum(len(r) for r in records)
                if not self.count_only:
                    self._records.extend(records)
                if ids is not None:
                    self._ids.extend(ids)
                    for record_id in ids:
                        if record_id is None:
                            self._records_without_id += 1
                        else:
                            self._unique_ids.add(record_id)
        return entry

    def log_lines(self, lines: list[dict[str, Any]]) -> None:
        received = time.time()
        with self._lock:
            for line in lines:
                self._logs.append({**line, "received": received})

    def callback(self, body: Any) -> None:
        with self._lock:
            self._callbacks.append(body)

    # -- reads (control API) ---------------------------------------------------------

    def chunks(self, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(c) for c in self._chunks[since:]]

    def records(self, since: int = 0) -> list[str]:
        with self._lock:
            return list(self._records[since:])

    def ids(self, since: int = 0) -> list[str | None]:
        with self._lock:
            if self._pattern is None:
                return []
            return list(self._ids[since:])

    def logs(self, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._logs[since:])

    def callbacks(self, since: int = 0) -> list[Any]:
        with self._lock:
            return list(self._callbacks[since:])

    def stats(self) -> dict[str, Any]:
        with self._lock:
            with_ids = self._pattern is not None
            return {
                "count_only": self.count_only,
                "id_key": self.id_key,
                "requests": dict(self._requests),
                "statuses": dict(self._statuses),
                "chunks": len(self._chunks),
                "accepted_chunks": self._accepted_chunks,
                "accepted_records": self._accepted_records,
                "accepted_bytes": self._accepted_bytes,
                # Accepted records minus these two = duplicates (re-sent records).
                "unique_ids": len(self._unique_ids) if with_ids else None,
                "records_without_id": self._records_without_id if with_ids else None,
                "in_flight": self._in_flight,
                "logs": len(self._logs),
                "callbacks": len(self._callbacks),
            }
