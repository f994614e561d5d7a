"""The Sekoia.io intake's rules: which answers accept, retry or refuse a chunk, and what to tell the
user. Pure functions, used by the trigger's overrides of the SDK's intake helper (``_send_chunk``
and ``_retry``); how long to wait before a retry is the library's (delivery/backoff.py).
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from time import time

import orjson

from azure_eventhub.core.errors import ChunkRejected, IntakeError


def outcome_of(status: int, body_text: str, retry_after: str | None) -> IntakeError | ChunkRejected | None:
    """None when the status accepts the chunk; else the error to raise (retried or rejected)."""
    if 200 <= status < 300:
        return None
    reason = _short(body_text)
    if status in (400, 413, 422):
        if not is_intake_answer(body_text):
            # A proxy, a WAF or a gateway refused it (an HTML page, no body): every chunk would be
            # split and every record dead-lettered. It is an outage: the chunk is retried whole.
            return IntakeError(
                f"the intake server refused the chunk with HTTP {status} in an answer that is not the intake's "
                f"answer (a proxy or firewall in front of it?): {reason or 'an empty body'}. Nothing is "
                "dead-lettered; the chunk is retried until accepted",
                status,
            )
        return ChunkRejected(status, reason or "no reason given")
    if status in (401, 403):
        return IntakeError(
            f"the intake refused the Intake Key (HTTP {status}). Fix the Intake Key field of the trigger: "
            "copy the key of an existing intake from the Sekoia.io intakes page",
            status,
        )
    if status == 404:
        return IntakeError(
            "the intake's batch API was not found (HTTP 404). Fix the Intake Server field of the trigger: "
            "use your region's intake address, e.g. https://intake.sekoia.io",
            status,
        )
    if status == 429:
        return IntakeError(f"the intake asks to slow down (HTTP 429){_with(reason)}", status, parse_retry_after(retry_after))
    return IntakeError(f"the intake answered HTTP {status}{_with(reason)}", status, parse_retry_after(retry_after))


def is_intake_answer(body_text: str) -> bool:
    """Whether a body is the intake's own answer: a JSON object (a refusal says why in one)."""
    try:
        return isinstance(orjson.loads(body_text), dict)
    except ValueError:  # orjson.JSONDecodeError is one
        return False


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date), None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError):
        return None


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


def _with(reason: str) -> str:
    return f": {reason}" if reason else ""
