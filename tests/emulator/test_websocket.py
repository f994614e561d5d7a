"""AMQP over WebSockets on the AMQP port: the SDK's websocket transport, send and receive.

With UseDevelopmentEmulator=true the SDK turns TLS off, so it speaks ws:// (not wss://). Its
websocket transport ignores the endpoint's port (it would use 443): pass the emulator's address as
custom_endpoint_address; the SDK then connects to ws://localhost:PORT/$servicebus/websocket.
"""

from azure.eventhub import EventData, TransportType

from .sdk import Receiver, producer

HUB = "websocket"


def test_send_and_receive_over_websockets(emulator):
    conn_str = emulator.connection_string(HUB)
    options = dict(
        transport_type=TransportType.AmqpOverWebsocket, custom_endpoint_address=f"sb://localhost:{emulator.port}"
    )
    with producer(conn_str, **options) as client:
        assert client.get_eventhub_properties()["partition_ids"] == ["0"]
        batch = client.create_batch(partition_id="0")
        batch.add(EventData("over-ws-1"))
        batch.add(EventData(b"x" * 200_000))  # several WebSocket frames and AMQP frames
        client.send_batch(batch)
    with Receiver(conn_str, partition_id="0", starting_position="-1", **options) as receiver:
        events = receiver.wait_events(2)
    assert events[0].body_as_str() == "over-ws-1"
    assert len(next(events[1].body)) == 200_000
    assert not receiver.errors
