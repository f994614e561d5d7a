"""The Event Hubs adapter's conversions, on real SDK event objects."""

from azure.eventhub import EventData
from azure.eventhub.amqp import AmqpAnnotatedMessage, AmqpMessageBodyType

from azure_eventhub.hub.consumer import ReceiverSettings, _client_options
from azure_eventhub.hub.event_data import to_batch
from azure_eventhub.core.messages import MessageBatch


def to_message(event: EventData):
    (message,) = to_batch([event])
    return message


def received(event: EventData, sequence_number=7, offset="4096", enqueued_ms=1_700_000_000_000) -> EventData:
    """What the SDK hands over after receiving: the service's annotations are set."""
    event._raw_amqp_message.annotations = {
        b"x-opt-sequence-number": sequence_number,
        b"x-opt-offset": offset.encode(),
        b"x-opt-enqueued-time": enqueued_ms,
    }
    return event


def test_a_data_body_becomes_bytes_with_its_position():
    message = to_message(received(EventData(b'{"records": []}')))
    assert message.body == b'{"records": []}'
    assert (message.sequence_number, message.offset) == (7, "4096")
    assert message.enqueued_time == 1_700_000_000.0


def test_content_encoding_and_type_are_read_from_properties():
    event = EventData(b"\x1f\x8b")
    event.properties = {"Content-Encoding": "gzip"}
    event.content_type = "application/json"
    message = to_message(received(event))
    assert message.content_encoding == "gzip" and message.content_type == "application/json"


def test_value_bodies_are_forwarded_as_json():
    event = EventData(b"replaced")
    event._raw_amqp_message = AmqpAnnotatedMessage(value_body={"a": 1})
    assert event.body_type == AmqpMessageBodyType.VALUE
    assert to_message(received(event)).body == b'{"a":1}'


def test_client_options_follow_the_settings():
    settings = ReceiverSettings("cs", "hub", "cg", "scs", "container", transport="websocket",
                                custom_endpoint_address="sb://gateway:443", http_proxy={"proxy_hostname": "p", "proxy_port": 3128})
    options = _client_options(settings)
    assert options["transport_type"].name == "AmqpOverWebsocket"
    assert options["custom_endpoint_address"] == "sb://gateway:443"
    assert options["http_proxy"]["proxy_port"] == 3128
    assert options["load_balancing_interval"] == 10.0 and options["idle_timeout"] == 30.0


def test_the_amqp_transport_is_passed_too():
    # Without it, the SDK's constructor uses WebSockets whenever a custom endpoint is set (test_transport.py).
    settings = ReceiverSettings("cs", "hub", "cg", "scs", "container", custom_endpoint_address="sb://gateway:5671")
    assert _client_options(settings)["transport_type"].name == "Amqp"


def test_enqueued_time_absent_is_none():
    event = EventData(b"x")
    event._raw_amqp_message.annotations = {b"x-opt-sequence-number": 1, b"x-opt-offset": b"0"}
    assert to_message(event).enqueued_time is None


def test_events_the_sdk_hands_over_twice_after_a_reconnect_pass_once():
    """Regression: after a dropped link the SDK reopens after the last event it handed over while
    its buffer still holds events it had received: 6 duplicates per drop were seen end to end."""
    from types import SimpleNamespace

    from azure_eventhub.hub.consumer import EventHubReceiver

    def batch(*numbers):
        return MessageBatch([b"%d" % n for n in numbers], list(numbers), [str(n) for n in numbers], [None] * len(numbers))

    state = SimpleNamespace(_last_sequence={})
    assert EventHubReceiver._unseen(state, "0", batch(5, 6, 7)) == batch(5, 6, 7)
    assert EventHubReceiver._unseen(state, "0", batch(6, 7, 8)) == batch(8)
    assert EventHubReceiver._unseen(state, "1", batch(6, 7, 8)) == batch(6, 7, 8)  # per partition


def test_a_batch_has_property_columns_only_when_a_message_has_properties():
    plain = [received(EventData(b"%d" % n), sequence_number=n, offset=str(n)) for n in range(3)]
    batch = to_batch(plain)
    assert batch.bodies == [b"0", b"1", b"2"] and batch.sequence_numbers == [0, 1, 2] and batch.offsets == ["0", "1", "2"]
    assert batch.content_encodings is None and batch.content_types is None
    gzipped = EventData(b"\x1f\x8b")
    gzipped.properties = {"Content-Encoding": "gzip"}
    typed = EventData(b"{}")
    typed.content_type = "application/json"
    batch = to_batch([*plain[:1], received(gzipped), received(typed)])
    assert batch.content_encodings == [None, "gzip", None]
    assert batch.content_types == [None, None, "application/json"]


def test_a_body_of_several_data_sections_is_joined():
    event = EventData(b"")
    event._raw_amqp_message = AmqpAnnotatedMessage(data_body=[b'{"a":', b"1}"])
    assert to_message(received(event)).body == b'{"a":1}'
