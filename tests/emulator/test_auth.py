"""SAS tokens are checked against the configured policies, and links need the right claim."""

import pytest
from azure.eventhub import EventData
from azure.eventhub.exceptions import AuthenticationError, EventDataSendError

from .sdk import Receiver, producer

HUB = "auth"


def _with_key(emulator, name, key):
    return (
        f"Endpoint=sb://localhost:{emulator.port};SharedAccessKeyName={name};SharedAccessKey={key};"
        f"UseDevelopmentEmulator=true;EntityPath={HUB}"
    )


@pytest.mark.parametrize("name, key", [("RootManageSharedAccessKey", "d3Jvbmc="), ("no-such-policy", "d3Jvbmc=")])
def test_a_token_signed_with_a_wrong_key_or_unknown_policy_is_refused_with_401(emulator, name, key):
    with producer(_with_key(emulator, name, key), retry_total=0) as client:
        with pytest.raises(AuthenticationError) as caught:
            client.get_eventhub_properties()
    assert "401" in str(caught.value)
    assert "InvalidSignature: The token has an invalid signature." in str(caught.value)


def test_a_listen_only_policy_cannot_send(emulator):
    # The emulator refuses the sender link (attach, then detach with amqp:unauthorized-access and
    # "Unauthorized access. 'Send' claim(s) are required..."). pyamqp has already queued the event
    # when the detach arrives, and reports the dropped delivery, not the link's error.
    with producer(emulator.connection_string(HUB, policy="listen-policy"), retry_total=0) as client:
        with pytest.raises(EventDataSendError):
            client.send_event(EventData("x"), partition_id="0")


def test_a_send_only_policy_cannot_receive(emulator):
    with Receiver(
        emulator.connection_string(HUB, policy="send-policy"), partition_id="0", starting_position="-1"
    ) as receiver:
        error = receiver.wait_error()
    assert "amqp:unauthorized-access" in str(error)
    assert (
        f"Unauthorized access. 'Listen' claim(s) are required to perform this operation. Resource: "
        f"'sb://localhost:{emulator.port}/auth/consumergroups/$default/partitions/0'."
    ) in str(error)


def test_a_listen_policy_receives_what_a_send_policy_sent(emulator):
    with producer(emulator.connection_string(HUB, policy="send-policy")) as client:
        client.send_event(EventData("allowed"), partition_id="0")
    with Receiver(
        emulator.connection_string(HUB, policy="listen-policy"), partition_id="0", starting_position="-1"
    ) as receiver:
        events = receiver.wait_events(1)
    assert "allowed" in [e.body_as_str() for e in events]
    assert not receiver.errors
