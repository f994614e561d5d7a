"""Refusals, with the condition and wording the service uses, as the SDK surfaces them."""

import pytest
from azure.eventhub import EventData
from azure.eventhub.exceptions import ConnectError, EventHubError

from . import frames
from .process import EmulatorProcess
from .rawclient import RawClient, data_message
from .sdk import Receiver, producer

HUB = "errors"


def test_sending_to_an_unknown_hub_fails_with_entity_not_found(emulator):
    # The SDK reads the partition ids ($management READ) before it attaches a sender, so the
    # refusal it surfaces is the management 404.
    with producer(emulator.connection_string("no-such-hub"), retry_total=0) as client:
        with pytest.raises(ConnectError) as caught:
            client.send_event(EventData("x"))
    text = str(caught.value)
    assert "Status code: 404" in text
    assert f"The messaging entity 'sb://localhost:{emulator.port}/no-such-hub' could not be found" in text


def test_reading_properties_of_an_unknown_hub_answers_404(emulator):
    with producer(emulator.connection_string("no-such-hub"), retry_total=0) as client:
        with pytest.raises(ConnectError) as caught:
            client.get_eventhub_properties()
    assert "Status code: 404" in str(caught.value)
    assert "could not be found" in str(caught.value)


def test_receiving_with_an_unknown_consumer_group_is_refused_as_not_found(emulator):
    with Receiver(
        emulator.connection_string(HUB), consumer_group="nope", partition_id="0", starting_position="-1"
    ) as receiver:
        error = receiver.wait_error()
    assert isinstance(error, EventHubError), repr(error)
    assert "amqp:not-found" in str(error)
    assert (
        f"The messaging entity 'sb://localhost:{emulator.port}/errors/consumergroups/nope' could not be found"
        in str(error)
    )


@pytest.fixture(scope="module")
def open_emulator():
    """No policies: a raw client may attach without a CBS token."""
    with EmulatorProcess({"hubs": {HUB: {"partition_count": 1, "max_message_size": 2048}}}) as running:
        yield running


def test_a_message_over_the_hub_limit_is_rejected_with_message_size_exceeded(open_emulator):
    # The SDK refuses such an event before sending (it reads max-message-size from the attach), so
    # this speaks AMQP directly.
    client = RawClient(open_emulator.port)
    try:
        client.handshake()
        _, _, (_, attach), _, _ = client.attach_sender(f"amqps://localhost:{open_emulator.port}/{HUB}/Partitions/0")
        assert attach[10] == 2048  # max-message-size advertised
        assert len(attach) == 14  # full field count, as the SDK needs
        client.read_until(frames.FLOW)
        client.transfer(0, 0, data_message(b"x" * 4096))
        _, _, (_, disposition), _, _ = client.read_until(frames.DISPOSITION)
    finally:
        client.close()
    state = disposition[4]
    assert state.descriptor == frames.REJECTED
    condition, description, _ = state.value[0].value
    assert condition == "amqp:link:message-size-exceeded"
    assert "exceeds the limit (2048 bytes) currently allowed on the link" in description


def test_a_link_to_a_partition_that_does_not_exist_is_refused(open_emulator):
    # The SDK checks partition ids itself (get_partition_ids) before attaching.
    client = RawClient(open_emulator.port)
    try:
        client.handshake()
        client.attach_sender(f"amqps://localhost:{open_emulator.port}/{HUB}/Partitions/7")
        _, _, (_, detach), _, _ = client.read_until(frames.DETACH)
    finally:
        client.close()
    condition, description, _ = detach[2].value
    assert condition == "com.microsoft:argument-out-of-range"
    assert "The specified partition is invalid for an EventHub partition sender or receiver" in description
