import itertools

import pytest

from tests.stack.waiting import wait_until


def test_returns_the_first_truthy_value():
    counter = itertools.count()
    assert wait_until(lambda: next(counter) >= 3 and "done", timeout=5, interval=0.001) == "done"


def test_deadline_raises_with_message_and_last_value():
    with pytest.raises(AssertionError, match=r"never ready \(after 0.05 s; last value: \[\]\)"):
        wait_until(lambda: [], timeout=0.05, interval=0.01, message="never ready")


def test_ignored_exceptions_mean_not_yet():
    calls = itertools.count()

    def flaky():
        if next(calls) < 2:
            raise ConnectionError("not up")
        return True

    assert wait_until(flaky, timeout=5, interval=0.001, ignore=(ConnectionError,))


def test_other_exceptions_propagate():
    with pytest.raises(ZeroDivisionError):
        wait_until(lambda: 1 / 0, timeout=5)


def test_last_ignored_exception_is_reported():
    def down():
        raise ConnectionError("refused")

    with pytest.raises(AssertionError, match="refused"):
        wait_until(down, timeout=0.05, interval=0.01, ignore=(ConnectionError,))
