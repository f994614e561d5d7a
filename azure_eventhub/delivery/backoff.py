"""How long to wait before retrying an intake request: pure, used by forwarding, the breaker and the
trigger's intake sender alike."""

from __future__ import annotations

import random

from azure_eventhub.core.errors import IntakeError

MAX_BACKOFF_SECONDS = 30.0
SETTING_BACKOFF_SECONDS = 30.0  # 401/403/404: the operator must fix a setting; retry slowly


def backoff_seconds(attempt: int, error: BaseException | None, rng: random.Random = random._inst) -> float:
    """Wait before retry number ``attempt`` (1 = first retry): Retry-After when the intake gives one,
    slow for settings the operator must fix, else capped exponential with full jitter."""
    if isinstance(error, IntakeError):
        if error.retry_after is not None:
            return min(error.retry_after, 300.0)
        if error.status in (401, 403, 404):
            return SETTING_BACKOFF_SECONDS * rng.uniform(0.8, 1.2)
    ceiling = min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(attempt, 16))
    return rng.uniform(0.1, 1.0) * ceiling
