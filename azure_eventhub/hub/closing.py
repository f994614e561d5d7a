"""The event processor's partitions closed at shutdown all at once (processor.py), a thread each.

Why: each close joins its consumer's keep-alive thread, which sleeps in 1 s steps, so one by one took
up to a second a partition and, past the stop budget, left the last partitions unreleased (8
partitions: 2 still owned after exit; peers wait for expiry).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


def close_in_parallel(
    close: Callable[[str, Any, Any], None], consumers: Iterable[tuple[str, Any]], reason: Any
) -> None:
    """``close(partition_id, consumer, reason)`` for every consumer at once; returns once all ended."""
    closing = [
        threading.Thread(target=close, args=(partition_id, consumer, reason), daemon=True)
        for partition_id, consumer in consumers
    ]
    for thread in closing:
        thread.start()
    for thread in closing:
        thread.join()
