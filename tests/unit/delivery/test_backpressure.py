import threading

from azure_eventhub.delivery.backpressure import Budget


def test_room_is_granted_up_to_the_bound_then_waits_for_a_release():
    budget = Budget(10)
    assert budget.acquire(6, lambda: False)
    granted = []
    waiter = threading.Thread(target=lambda: granted.append(budget.acquire(6, lambda: False)))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive() and budget.used == 6
    budget.release(6)
    waiter.join(5)
    assert granted == [True] and budget.used == 6


def test_an_oversized_request_is_granted_when_nothing_else_is_in_flight():
    budget = Budget(10)
    assert budget.acquire(50, lambda: False)
    assert budget.used == 50


def test_a_cancelled_wait_gives_up_and_reports_it():
    budget = Budget(10)
    budget.acquire(10, lambda: False)
    cancelled = threading.Event()
    outcome = []
    waiter = threading.Thread(target=lambda: outcome.append(budget.acquire(1, cancelled.is_set)))
    waiter.start()
    cancelled.set()
    budget.wake()
    waiter.join(5)
    assert outcome == [False] and budget.used == 10


def test_the_wait_hook_can_free_the_room_and_the_request_is_granted_without_waiting():
    # The pipeline's hook sends the partial chunks that hold the room; it runs outside the lock.
    budget = Budget(10)
    budget.acquire(8, lambda: False)
    hooked = []

    def send_what_holds_the_room():
        hooked.append(budget._cond._is_owned())
        budget.release(8)

    assert budget.acquire(5, lambda: False, send_what_holds_the_room)
    assert hooked == [False] and budget.used == 5
