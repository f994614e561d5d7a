"""Drives a platform fake (in-process or subprocess) through its `/_control/` API."""

from __future__ import annotations

from typing import Any

import requests


class PlatformFakeClient:
    """The platform fake's control API, and the URLs a module is configured with."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    # -- the URLs given to the module ---------------------------------------------------

    @property
    def secrets_url(self) -> str:
        return f"{self.base_url}/secrets"

    @property
    def logs_url(self) -> str:
        return f"{self.base_url}/logs"

    @property
    def callback_url(self) -> str:
        return f"{self.base_url}/callback"

    @property
    def intake_url(self) -> str:
        """The intake server (the SDK appends /batch)."""
        return self.base_url

    # -- control ------------------------------------------------------------------------

    def _call(self, method: str, action: str, json: Any = None, **params: Any) -> Any:
        response = self._session.request(
            method,
            f"{self.base_url}/_control/{action}",
            json=json,
            params=params or None,
            timeout=self.timeout,
        )
        if response.status_code >= 400:
            raise RuntimeError(f"platform fake refused {method} {action}: " f"{response.status_code} {response.text}")
        return response.json()

    def health(self) -> bool:
        try:
            return bool(self._call("GET", "health").get("ok"))
        except requests.RequestException:
            return False

    def reset(
        self,
        count_only: bool | None = None,
        id_key: str | None = None,
        node_secrets: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Forget recordings and faults; optionally switch modes or secrets."""
        body = {
            key: value
            for key, value in (
                ("count_only", count_only),
                ("id_key", id_key),
                ("node_secrets", node_secrets),
            )
            if value is not None
        }
        return self._call("POST", "reset", json=body)

    def set_fault(
        self,
        kind: str,
        target: str = "intake",
        count: int | None = None,
        seconds: float | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """Add a fault (see fake_faults.PARAMETERS); returns its description with its id.

        Examples: set_fault("status", code=503, count=2); set_fault("status", code=429,
        retry_after=2); set_fault("latency", ms=200, jitter_ms=50); set_fault("drop",
        count=1); set_fault("hang"); set_fault("reject_marker", marker="POISON");
        set_fault("max_body", bytes=100_000); set_fault("short_ids", missing=1).
        """
        body: dict[str, Any] = {"kind": kind, "target": target, **params}
        if count is not None:
            body["count"] = count
        if seconds is not None:
            body["seconds"] = seconds
        return self._call("POST", "faults", json=body)

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "faults")["faults"]

    def clear_faults(self) -> int:
        """Remove every fault and release hung requests; returns how many were active."""
        return self._call("DELETE", "faults")["cleared"]

    def set_secrets(self, node_secrets: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None) -> None:
        self._call("POST", "secrets", json={"node_value": node_secrets, "value": secrets})

    # -- recordings ---------------------------------------------------------------------

    def records(self, since: int = 0) -> list[str]:
        """Every accepted record (chunks answered 2xx), in order, as sent."""
        return self._call("GET", "records", since=since)["records"]

    def record_ids(self, since: int = 0) -> list[str | None]:
        """The `id_key` value of every accepted record (None where absent)."""
        return self._call("GET", "record_ids", since=since)["ids"]

    def chunks(self, since: int = 0) -> list[dict[str, Any]]:
        """Every intake request: seq, time, intake_key, count, bytes, status, outcome
        (accepted, fault, invalid, dropped, hung), answer_sent, and records unless
        count_only."""
        return self._call("GET", "chunks", since=since)["chunks"]

    def logs(self, since: int = 0) -> list[dict[str, Any]]:
        """Every log line posted to /logs: date, level, message, received."""
        return self._call("GET", "logs", since=since)["logs"]

    def callbacks(self, since: int = 0) -> list[Any]:
        return self._call("GET", "callbacks", since=since)["callbacks"]

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")

    def request_count(self, target: str | None = "intake") -> int:
        """Requests received for a target (intake, logs, secrets, callback), whatever
        their answer; all targets together with None."""
        requests_by_target = self.stats()["requests"]
        if target is None:
            return sum(requests_by_target.values())
        return int(requests_by_target.get(target, 0))

    def close(self) -> None:
        self._session.close()
