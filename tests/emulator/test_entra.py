"""Entra ID on the emulator: the real SDK with an azure-identity credential over the TLS listener.

The SDK reaches a TLS listener on a port other than 5671 only through `custom_endpoint_address`
with transport Amqp (see README.md); it trusts the test CA through `connection_verify`.
"""

import threading
import time

import pytest
from azure.eventhub import EventData, EventHubConsumerClient, EventHubProducerClient, TransportType
from azure.eventhub.exceptions import AuthenticationError
from azure.identity import ClientSecretCredential

from tests.stack.entra_fixtures import authority, entra_emulator, test_ca, trust_test_ca  # noqa: F401

from . import frames
from .rawclient import RawClient
from .sdk import wait_for

HUB = "entra-a"


@pytest.fixture
def app(authority, entra_emulator, trust_test_ca):  # noqa: F811
    registered = authority.register(secret="emulator-test-secret")
    yield registered
    entra_emulator.set_roles([])


def _credential(authority, app):  # noqa: F811
    return ClientSecretCredential(
        app.tenant_id,
        app.client_id,
        "emulator-test-secret",
        authority=authority.authority_host,
        disable_instance_discovery=True,
    )


def _client_kwargs(entra_emulator, test_ca, credential, hub=HUB):  # noqa: F811
    return {
        "fully_qualified_namespace": "localhost",
        "eventhub_name": hub,
        "credential": credential,
        "custom_endpoint_address": entra_emulator.tls_endpoint,
        "transport_type": TransportType.Amqp,
        "connection_verify": str(test_ca.bundle_path),
        "retry_total": 0,
    }


def test_owner_sends_and_receiver_role_receives_over_tls(authority, entra_emulator, test_ca, app):  # noqa: F811
    entra_emulator.set_roles(
        [
            {"principal": app.object_id, "role": "Sender", "scope": HUB},
            {"principal": app.object_id, "role": "Receiver", "scope": "*"},
        ]
    )
    kwargs = _client_kwargs(entra_emulator, test_ca, _credential(authority, app))
    with EventHubProducerClient(**kwargs) as producer:
        assert producer.get_eventhub_properties()["partition_ids"] == ["0", "1"]
        producer.send_event(EventData("by entra id"), partition_id="1")
    received = []
    consumer = EventHubConsumerClient(consumer_group="sekoiaio", **kwargs)
    thread = threading.Thread(
        target=consumer.receive,
        kwargs={"on_event": lambda ctx, ev: received.append(ev), "partition_id": "1", "starting_position": "-1"},
        daemon=True,
    )
    thread.start()
    try:
        assert wait_for(lambda: any(e.body_as_str() == "by entra id" for e in received), 20)
    finally:
        consumer.close()
        thread.join(20)
    assert entra_emulator.stats()["put_tokens"].get("jwt 202", 0) >= 2
    assert authority.tokens_issued(app.client_id) >= 1


def test_a_sender_only_principal_is_refused_the_receive_link_listen_claim(
    authority, entra_emulator, test_ca, app  # noqa: F811
):
    entra_emulator.set_roles([{"principal": app.object_id, "role": "Sender", "scope": "*"}])
    errors = []
    consumer = EventHubConsumerClient(
        consumer_group="$Default", **_client_kwargs(entra_emulator, test_ca, _credential(authority, app))
    )
    thread = threading.Thread(
        target=consumer.receive,
        kwargs={"on_event": lambda *a: None, "on_error": lambda ctx, e: errors.append(e), "partition_id": "0"},
        daemon=True,
    )
    thread.start()
    try:
        assert wait_for(lambda: errors, 20)
    finally:
        consumer.close()
        thread.join(20)
    text = str(errors[0])
    assert "amqp:unauthorized-access" in text or "Unauthorized access" in text
    assert "Unauthorized access. 'Listen' claim(s) are required to perform this operation." in text
    assert f"sb://localhost/{HUB}/consumergroups/$default/partitions/0" in text


@pytest.mark.parametrize("roles", [[], [{"role": "Owner", "scope": "entra-b"}]], ids=["no role", "other hub"])
def test_without_a_role_on_the_hub_reading_it_is_refused_with_401(
    authority, entra_emulator, test_ca, app, roles  # noqa: F811
):
    entra_emulator.set_roles([{**role, "principal": app.object_id} for role in roles])
    kwargs = _client_kwargs(entra_emulator, test_ca, _credential(authority, app))
    with EventHubProducerClient(**kwargs) as producer:
        with pytest.raises(AuthenticationError) as caught:
            producer.get_eventhub_properties()
    assert "Status code: 401" in str(caught.value)
    assert "Unauthorized access. 'Manage,EntityRead' claim(s) are required" in str(caught.value)


def test_a_token_from_another_signer_is_refused_on_cbs(
    authority, entra_emulator, test_ca, trust_test_ca
):  # noqa: F811
    from tests.stack.authority import LocalAuthority

    with LocalAuthority(test_ca) as stranger:
        app = stranger.register(secret="other")
        credential = ClientSecretCredential(
            app.tenant_id, app.client_id, "other", authority=stranger.authority_host, disable_instance_discovery=True
        )
        with EventHubProducerClient(**_client_kwargs(entra_emulator, test_ca, credential)) as producer:
            with pytest.raises(AuthenticationError) as caught:
                producer.get_eventhub_properties()
    assert "InvalidSignature" in str(caught.value)


def test_a_link_whose_token_expires_without_renewal_is_detached(authority, entra_emulator, app):  # noqa: F811
    entra_emulator.set_roles([{"principal": app.object_id, "role": "Receiver", "scope": "*"}])
    lifetime = authority.token_lifetime
    authority.token_lifetime = 3
    try:
        token = _credential(authority, app).get_token("https://eventhubs.azure.net//.default").token
    finally:
        authority.token_lifetime = lifetime
    client = RawClient(entra_emulator.port, timeout=15)
    try:
        client.handshake()
        client.attach_sender("$cbs", handle=0)
        client.put_token(0, 0, f"sb://localhost/{HUB}", token)
        answer = client.attach_receiver(f"amqps://localhost/{HUB}/ConsumerGroups/$default/Partitions/0", handle=1)
        assert answer[2][0] == frames.ATTACH
        started = time.monotonic()
        detach = client.read_until(frames.DETACH)
        waited = time.monotonic() - started
    finally:
        client.close()
    error = frames.field(detach[2][1], 2)
    assert "amqp:link:detach-forced" in str(error)
    assert "is force detached. Code: RenewToken. Details: Unauthorized access. 'Listen' claim(s) are required" in str(
        error
    )
    assert 0.5 < waited < 6
    assert entra_emulator.stats()["expired_links"] >= 1


def test_a_certificate_credential_signs_in_the_sdk(authority, entra_emulator, test_ca, trust_test_ca):  # noqa: F811
    from azure.identity import CertificateCredential

    certificate = test_ca.client_certificate("emulator-app")
    app = authority.register(certificate=certificate)
    entra_emulator.set_roles([{"principal": app.object_id, "role": "Receiver", "scope": HUB}])
    credential = CertificateCredential(
        app.tenant_id,
        app.client_id,
        certificate_data=certificate.combined_pem(b"pw"),
        password=b"pw",
        authority=authority.authority_host,
        disable_instance_discovery=True,
    )
    try:
        with EventHubProducerClient(**_client_kwargs(entra_emulator, test_ca, credential)) as client:
            assert client.get_partition_properties("0")["eventhub_name"] == HUB
    finally:
        entra_emulator.set_roles([])


def test_websockets_over_tls_sign_in_too(authority, entra_emulator, test_ca, app):  # noqa: F811
    # wss://localhost:<tls_port>/$servicebus/websocket: the custom endpoint keeps its port for WebSockets.
    entra_emulator.set_roles([{"principal": app.object_id, "role": "Owner", "scope": HUB}])
    kwargs = _client_kwargs(entra_emulator, test_ca, _credential(authority, app))
    kwargs["transport_type"] = TransportType.AmqpOverWebsocket
    with EventHubProducerClient(**kwargs) as producer:
        producer.send_event(EventData("over wss"), partition_id="0")
        assert producer.get_partition_properties("0")["last_enqueued_sequence_number"] >= 0
