"""Wait on a condition with a deadline: the stack's tests never sleep a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_UNSET = object()


def wait_until(
    predicate: Callable[[], T],
    timeout: float,
    interval: float = 0.1,
    message: str | Callable[[], str] = "condition not met",
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Call `predicate` until it returns a truthy value, and return that value.

    Raises AssertionError naming `message`, the timeout and the last value (or the
    last ignored exception) once `timeout` seconds have passed. Exceptions of the
    types in `ignore` count as "not yet" (e.g. ConnectionError while a server starts);
    any other exception propagates at once.
    """
    deadline = time.monotonic() + timeout
    last: object = _UNSET
    while True:
        try:
            last = predicate()
        except ignore as exc:
            last = exc
        else:
            if last:
                return last  # type: ignore[return-value]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            shown = "never evaluated" if last is _UNSET else repr(last)
            if len(shown) > 2000:
                shown = shown[:2000] + "...(cut)"
            described = message() if callable(message) else message  # a callable says what is missing now
            raise AssertionError(f"{described} (after {timeout:g} s; last value: {shown})")
        time.sleep(min(interval, remaining))
