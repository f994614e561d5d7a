"""The platform fake's faults: what to do wrong, to which requests, and for how long.

A fault targets one kind of request (`intake` by default; `logs`, `secrets`,
`callback`, or `all`) and lasts until cleared, for the next `count` requests it
applies to, or for `seconds`. Several faults may be active at once: one latency is
added first, then the first applicable fault of the highest priority decides the
answer (see PRIORITY).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

TARGETS = ("intake", "logs", "secrets", "callback", "all")

# Faults that decide the answer, strongest first.
PRIORITY = ("hang", "drop", "status", "max_body", "reject_marker")
KINDS = ("latency", *PRIORITY, "short_ids")

# Parameters each kind accepts (beyond target, count, seconds), with defaults.
PARAMETERS: dict[str, dict[str, Any]] = {
    "latency": {"ms": 0, "jitter_ms": 0},
    # raw: send ``body`` as it is (a JSON array, a string, a proxy's HTML page), not as {"message": body}
    "status": {"code": 503, "retry_after": None, "body": None, "raw": False, "content_type": "application/json"},
    "drop": {},
    "hang": {"hold_s": None},
    "max_body": {"bytes": 1_000_000},
    "reject_marker": {"marker": "REJECT-ME"},
    "short_ids": {"missing": 1},
}


class FaultError(ValueError):
    """A fault was described with an unknown kind, target or parameter."""


@dataclass
class Fault:
    id: int
    kind: str
    target: str
    params: dict[str, Any]
    remaining: int | None = None
    until: float | None = None  # time.monotonic() deadline
    applied: int = 0

    def live(self, now: float) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.until is None or now < self.until

    def matches(self, target: str) -> bool:
        return self.target in ("all", target)

    def consume(self) -> None:
        self.applied += 1
        if self.remaining is not None:
            self.remaining -= 1

    def describe(self) -> dict[str, Any]:
        left = None if self.until is None else max(0.0, self.until - time.monotonic())
        return {
            "id": self.id,
            "kind": self.kind,
            "target": self.target,
            "remaining": self.remaining,
            "seconds_left": left,
            "applied": self.applied,
            **self.params,
        }


@dataclass
class Decision:
    """What the server does with one request."""

    latency_s: float = 0.0
    action: str = "answer"  # answer | status | drop | hang
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    message: str = ""
    raw_body: bytes | None = None  # sent verbatim instead of {"message": message}
    content_type: str = "application/json"
    missing_ids: int = 0
    release: threading.Event | None = None
    hold_s: float | None = None


class FaultBook:
    """The active faults, shared by every handler thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1
        self._release = threading.Event()
        self._random = random.Random()

    def add(
        self,
        kind: str,
        target: str = "intake",
        count: int | None = None,
        seconds: float | None = None,
        **params: Any,
    ) -> Fault:
        if kind not in PARAMETERS:
            raise FaultError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
        if target not in TARGETS:
            raise FaultError(f"unknown target {target!r}; known: {', '.join(TARGETS)}")
        unknown = set(params) - set(PARAMETERS[kind])
        if unknown:
            raise FaultError(f"fault {kind!r} takes no parameter {sorted(unknown)}")
        if count is not None and int(count) < 1:
            raise FaultError("count must be at least 1")
        values = {**PARAMETERS[kind], **params}
        if kind == "status" and not 100 <= int(values["code"]) <= 599:
            raise FaultError(f"bad status code {values['code']!r}")
        with self._lock:
            fault = Fault(
                id=self._next_id,
                kind=kind,
                target=target,
                params=values,
                remaining=None if count is None else int(count),
                until=None if seconds is None else time.monotonic() + float(seconds),
            )
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def clear(self) -> int:
        """Remove every fault and release the requests hung so far."""
        with self._lock:
            cleared = len(self._faults)
            self._faults.clear()
            self._release.set()
            self._release = threading.Event()
        return cleared

    def release_all(self) -> None:
        with self._lock:
            self._release.set()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            now = time.monotonic()
            return [f.describe() for f in self._faults if f.live(now)]

    def decide(self, target: str, body_bytes: int, records: list[str]) -> Decision:
        decision = Decision()
        with self._lock:
            now = time.monotonic()
            self._faults = [f for f in self._faults if f.live(now)]
            candidates = [f for f in self._faults if f.matches(target)]

            latency = next((f for f in candidates if f.kind == "latency"), None)
            if latency:
                latency.consume()
                jitter = float(latency.params["jitter_ms"])
                delay = float(latency.params["ms"]) + self._random.uniform(-jitter, jitter)
                decision.latency_s = max(0.0, delay) / 1000.0

            for kind in PRIORITY:
                fault = next(
                    (f for f in candidates if f.kind == kind and self._applies(f, body_bytes, records)),
                    None,
                )
                if fault:
                    fault.consume()
                    self._apply(fault, decision)
                    return decision

            if target == "intake":
                short = next((f for f in candidates if f.kind == "short_ids"), None)
                if short:
                    short.consume()
                    decision.missing_ids = int(short.params["missing"])
        return decision

    @staticmethod
    def _applies(fault: Fault, body_bytes: int, records: list[str]) -> bool:
        if fault.kind == "max_body":
            return body_bytes > int(fault.params["bytes"])
        if fault.kind == "reject_marker":
            marker = str(fault.params["marker"])
            return any(marker in record for record in records)
        return True

    def _apply(self, fault: Fault, decision: Decision) -> None:
        params = fault.params
        if fault.kind == "hang":
            decision.action = "hang"
            decision.release = self._release
            decision.hold_s = params["hold_s"]
        elif fault.kind == "drop":
            decision.action = "drop"
        elif fault.kind == "status":
            decision.action = "status"
            decision.status = int(params["code"])
            decision.message = params["body"] or f"fault injected: status {decision.status}"
            if params["raw"]:
                decision.raw_body = str(params["body"] or "").encode()
                decision.content_type = str(params["content_type"])
            if params["retry_after"] is not None:
                decision.headers["Retry-After"] = str(params["retry_after"])
            elif decision.status == 429:
                decision.headers["Retry-After"] = "1"
        elif fault.kind == "max_body":
            decision.action = "status"
            decision.status = 413
            decision.message = f"request body larger than {params['bytes']} bytes"
        elif fault.kind == "reject_marker":
            decision.action = "status"
            decision.status = 400
            decision.message = f"a record contains the rejected marker {params['marker']!r}"
