"""The whole SDK path with Entra ID on both sides: the event processor (EventHubConsumerClient with a
BlobCheckpointStore) signs in to the emulator's TLS listener and to Azurite with OAuth, claims the
partitions, receives, and writes its checkpoints, all with one azure-identity credential."""

import threading

from azure.eventhub import EventData, EventHubConsumerClient, EventHubProducerClient, TransportType
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore
from azure.identity import CertificateCredential

from tests.stack.entra_fixtures import (  # noqa: F401
    authority,
    azurite_oauth,
    entra_emulator,
    test_ca,
    trust_test_ca,
)
from tests.stack.waiting import wait_until

HUB = "entra-a"


def test_the_event_processor_signs_in_to_the_hub_and_the_storage(
    authority, azurite_oauth, entra_emulator, test_ca, trust_test_ca  # noqa: F811
):
    certificate = test_ca.client_certificate("processor")
    app = authority.register(certificate=certificate)
    entra_emulator.set_roles([{"principal": app.object_id, "role": "Owner", "scope": HUB}])
    credential = CertificateCredential(
        app.tenant_id,
        app.client_id,
        certificate_data=certificate.combined_pem(),
        authority=authority.authority_host,
        disable_instance_discovery=True,
    )
    hub = {
        "fully_qualified_namespace": "localhost",
        "eventhub_name": HUB,
        "credential": credential,
        "custom_endpoint_address": entra_emulator.tls_endpoint,
        "transport_type": TransportType.Amqp,
        "connection_verify": str(test_ca.bundle_path),
    }
    store = BlobCheckpointStore(azurite_oauth.account_url, "entra-processor", credential=credential)
    store._container_client.create_container()  # the checkpoint store does not create it
    with EventHubProducerClient(**hub) as producer:
        for partition in ("0", "1"):
            producer.send_event(EventData(f"for {partition}"), partition_id=partition)
    received = []

    def on_event(context, event):
        received.append(event.body_as_str())
        context.update_checkpoint(event)

    consumer = EventHubConsumerClient(
        consumer_group="$Default", checkpoint_store=store, load_balancing_interval=1, **hub
    )
    thread = threading.Thread(
        target=consumer.receive, kwargs={"on_event": on_event, "starting_position": "-1"}, daemon=True
    )
    thread.start()
    try:
        wait_until(lambda: {"for 0", "for 1"} <= set(received), 60, message=lambda: f"received {received}")
        checkpoints = wait_until(
            lambda: len(store.list_checkpoints("localhost", HUB, "$default")) == 2
            and store.list_checkpoints("localhost", HUB, "$default"),
            30,
            message="no checkpoints",
        )
    finally:
        consumer.close()
        thread.join(30)
        entra_emulator.set_roles([])
    # Blob names carry the namespace as configured (no port): the custom endpoint is only the route.
    assert {c["fully_qualified_namespace"] for c in checkpoints} == {"localhost"}
    assert authority.tokens_issued(app.client_id) >= 2  # one per audience: Event Hubs and Storage
