"""Transport as chosen (issue 14, path 9): with a Custom Endpoint Address, `amqp` speaks raw AMQP to
the endpoint's port (5671 when the address has none) and `websocket` an HTTP upgrade (443 when it has
none), for the receiver's client and for the self-check's probe alike.

azure-eventhub 5.15 picks AMQP over WebSockets whenever a custom endpoint is set and no transport type
is passed. A listener at the endpoint records what arrives first. The emulator flag in the connection
string turns TLS off, so the protocol itself shows (with TLS both would start with a ClientHello).
"""

from __future__ import annotations

import threading

import pytest

from azure_eventhub.hub.consumer import ReceiverSettings, create_consumer_client
from azure_eventhub.hub.probe import HubProbe
from tests.stack.first_bytes import FirstBytesListener

HUB = "Endpoint=sb://localhost:5672;SharedAccessKeyName=listen;SharedAccessKey=a2V5;UseDevelopmentEmulator=true"
# A loopback address of its own: the default ports are fixed, so they must not clash with anything.
GATEWAY_HOST = "127.0.0.74"
AMQP_HEADER = b"AMQP"
WEBSOCKET_UPGRADE = b"GET /$servicebus/websocket"


def settings(transport: str, endpoint: str) -> ReceiverSettings:
    return ReceiverSettings(
        HUB, "hub", "cg", "storage", "container", transport=transport, custom_endpoint_address=endpoint,
        extra_client_options={"retry_total": 0},  # the listener closes the connection: fail at once
    )


def through_client(receiver_settings: ReceiverSettings) -> None:
    client = create_consumer_client(receiver_settings)
    try:
        client.get_partition_ids()
    finally:
        client.close()


def through_probe(receiver_settings: ReceiverSettings) -> None:
    probe = HubProbe(receiver_settings)
    try:
        probe.partition_ids()
    finally:
        probe.close()


def first_bytes(listener: FirstBytesListener, connect, receiver_settings: ReceiverSettings) -> bytes:
    """What the client sends first to the listener (its call then fails: nothing answers)."""
    calling = threading.Thread(target=lambda: _quietly(connect, receiver_settings), daemon=True)
    calling.start()
    try:
        return listener.wait_first(timeout=30)
    finally:
        calling.join(30)


def _quietly(connect, receiver_settings: ReceiverSettings) -> None:
    try:
        connect(receiver_settings)
    except Exception:  # the listener hangs up: expected
        pass


def listener_on(port: int) -> FirstBytesListener:
    try:
        return FirstBytesListener(GATEWAY_HOST, port)
    except PermissionError:
        # CI runs as root; elsewhere say why instead of skipping (a missing capability fails).
        raise AssertionError(f"binding port {port} needs root (or CAP_NET_BIND_SERVICE); run the tests as CI does") from None


CONNECTS = [pytest.param(through_client, id="receiver-client"), pytest.param(through_probe, id="self-check-probe")]
EXPECTED = {"amqp": AMQP_HEADER, "websocket": WEBSOCKET_UPGRADE}


@pytest.mark.parametrize("connect", CONNECTS)
@pytest.mark.parametrize("transport", ["amqp", "websocket"])
def test_the_chosen_transport_reaches_a_custom_endpoint_with_a_port(connect, transport):
    with FirstBytesListener(GATEWAY_HOST) as listener:
        received = first_bytes(listener, connect, settings(transport, f"sb://{GATEWAY_HOST}:{listener.port}"))
    assert received.startswith(EXPECTED[transport]), received


@pytest.mark.parametrize("connect", CONNECTS)
@pytest.mark.parametrize(("transport", "port"), [("amqp", 5671), ("websocket", 443)])
def test_a_custom_endpoint_without_a_port_gets_the_transports_port(connect, transport, port):
    with listener_on(port) as listener:
        received = first_bytes(listener, connect, settings(transport, f"sb://{GATEWAY_HOST}"))
    assert received.startswith(EXPECTED[transport]), received


def test_without_a_transport_type_the_sdks_constructor_would_use_websockets():
    """Why the finding held only in part: azure-eventhub 5.15's from_connection_string (the module's
    only way in) defaults transport_type to Amqp, its constructor to None, which means WebSockets with
    a custom endpoint. The module passes the chosen transport always, whatever the way in."""
    from azure.eventhub import EventHubConsumerClient, EventHubSharedKeyCredential

    def construct(_: ReceiverSettings) -> None:
        client = EventHubConsumerClient(
            "localhost:5672", "hub", "cg", EventHubSharedKeyCredential("listen", "a2V5"),
            custom_endpoint_address=f"sb://{GATEWAY_HOST}:{listener.port}", use_tls=False, retry_total=0,
        )
        try:
            client.get_partition_ids()
        finally:
            client.close()

    with FirstBytesListener(GATEWAY_HOST) as listener:
        received = first_bytes(listener, construct, settings("amqp", "unused"))
    assert received.startswith(WEBSOCKET_UPGRADE), received
