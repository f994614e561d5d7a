"""Locked-down networks: AMQP over WebSockets, a custom endpoint, an HTTP proxy with credentials, and
sovereign-cloud connection strings, through the production code path (the module as the platform
runs it, configured by its form only).

The proxy knows no DNS: cloud host names only work through its redirects, so a record delivered
from a `*.chinacloudapi.cn` hub and storage account proves that those connections went through it.
"""

from __future__ import annotations

from tests.e2e.harness import LISTEN_KEY
from tests.stack.azurite import ACCOUNT_KEY, ACCOUNT_NAME
from tests.stack.connect_proxy import ConnectProxy
from tests.stack.first_bytes import FirstBytesListener
from tests.stack.waiting import wait_until

CHINA_NAMESPACE = "sekoia-e2e.servicebus.chinacloudapi.cn"
CHINA_BLOB_HOST = f"{ACCOUNT_NAME}.blob.core.chinacloudapi.cn"
PUBLIC_BLOB_HOST = f"{ACCOUNT_NAME}.blob.core.windows.net"
PROXY_USER = "collector"
PROXY_PASSWORD = "pr0xy-Pa55word-e2e-7c1d"


def china_hub_connection_string() -> str:
    # UseDevelopmentEmulator=true only turns TLS off (the local emulator has none).
    return (
        f"Endpoint=sb://{CHINA_NAMESPACE}/;SharedAccessKeyName=listen-policy;SharedAccessKey={LISTEN_KEY};"
        "UseDevelopmentEmulator=true"
    )


def cloud_storage_connection_string(suffix: str) -> str:
    # http: Azurite has no TLS. The account is read from the host name, as in Azure.
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
        f"EndpointSuffix={suffix}"
    )


def logged(stack, text: str, timeout: float = 30) -> str:
    """The playbook log (the logs URL) once it holds ``text`` (the SDK posts logs every 5 s)."""

    def lines() -> str:
        joined = "\n".join(stack.log_messages())
        return joined if text in joined else ""

    return wait_until(lines, timeout, message=f"{text!r} not logged")


def test_amqp_over_websockets_with_a_custom_endpoint_address(stack):
    # The emulator serves WebSockets on its AMQP port; with the emulator flag the SDK would drop the
    # port, which the custom endpoint address restores (as a gateway or private endpoint would).
    ids = stack.spread_records(8, partitions=4)
    module = stack.module(transport="websocket", custom_endpoint_address=f"sb://localhost:{stack.emulator.port}")
    stack.wait_delivered(ids)
    passed = f"Self-check: passed: namespace localhost:{stack.emulator.port} accepted the key (AMQP over WebSockets)"
    assert passed in module.output()


def test_amqp_over_websockets_through_a_distant_gateway(stack):
    # Receive passes end after 20 ms of quiet on the socket (azure_eventhub/hub/receiving.py). Over
    # WebSockets that timeout is set on the open socket: as the client's socket_timeout option,
    # websocket-client would apply it to the connection's opening too (TCP connect, TLS, HTTP
    # upgrade), and a gateway whose answers take longer than 20 ms could not be reached at all.
    with FirstBytesListener(forward_to=("127.0.0.1", stack.emulator.port), delay=0.05) as gateway:
        ids = stack.spread_records(8, partitions=4)
        stack.module(transport="websocket", custom_endpoint_address=f"sb://127.0.0.1:{gateway.port}")
        stack.wait_delivered(ids, timeout=90)
        connections = gateway.received
    assert connections and all(first.startswith(b"GET /$servicebus/websocket") for first in connections), connections


def checkpoint_blobs(stack) -> list[str]:
    """The checkpoints named after the China namespace."""
    blobs = stack.container_client().list_blobs(name_starts_with=CHINA_NAMESPACE)
    return [blob.name for blob in blobs if "/checkpoint/" in blob.name]


def test_a_china_tenant_behind_a_proxy_with_credentials(stack):
    redirects = {
        f"{CHINA_NAMESPACE}:80": ("127.0.0.1", stack.emulator.port),  # ws:// (no TLS locally), port dropped
        f"{CHINA_BLOB_HOST}:80": ("127.0.0.1", stack.azurite.port),
    }
    stack.extra_secrets.append(PROXY_PASSWORD)
    with ConnectProxy(username=PROXY_USER, password=PROXY_PASSWORD, redirects=redirects) as proxy:
        ids = stack.spread_records(8, partitions=4)
        stack.module(
            hub_connection_string=china_hub_connection_string(),
            storage_connection_string=cloud_storage_connection_string("core.chinacloudapi.cn"),
            proxy_url=proxy.url,
            transport="websocket",  # a proxy carries AMQP over WebSockets only: amqp is refused
        )
        stack.wait_delivered(ids, timeout=90)
        # Checkpoints go through the proxy too (every 5 s): it stays up until one is written.
        wait_until(lambda: checkpoint_blobs(stack), 30, message="no checkpoint under the China namespace")
        requests = proxy.requests
    logged(
        stack,
        f"Self-check: passed: namespace {CHINA_NAMESPACE} accepted the key (AMQP over WebSockets through the proxy)",
    )
    targets = {request.target for request in requests}
    intake = stack.platform.intake_url.removeprefix("http://")
    assert {f"{CHINA_NAMESPACE}:80", f"{CHINA_BLOB_HOST}:80", intake} <= targets
    assert all(request.authorized and request.user == PROXY_USER for request in requests)
    assert any(request.method == "POST" and request.target == intake for request in requests)
    messages = logged(stack, "Self-check: passed: intake server")
    assert "but the storage account is in" not in messages  # both in Azure China


def test_a_hub_and_a_storage_account_in_different_clouds_are_warned_about(stack):
    redirects = {f"{PUBLIC_BLOB_HOST}:80": ("127.0.0.1", stack.azurite.port)}
    with ConnectProxy(redirects=redirects) as proxy:
        ids = stack.send_records([{"id": "cloud-mismatch", "category": "AuditLogs"}])
        stack.module(
            hub_connection_string=china_hub_connection_string(),
            custom_endpoint_address=f"sb://localhost:{stack.emulator.port}",
            storage_connection_string=cloud_storage_connection_string("core.windows.net"),
            proxy_url=proxy.url,
            transport="websocket",  # a proxy carries AMQP over WebSockets only: amqp is refused
        )
        stack.wait_delivered(ids, timeout=90)  # a warning only: collection goes on
    logged(
        stack,
        "Self-check: The hub is in Azure China (21Vianet) but the storage account is in the public Azure cloud: "
        "check that both connection strings come from the same cloud.",
    )


def test_amqp_with_a_custom_endpoint_address_speaks_raw_amqp_to_it(stack):
    # Issue 14, path 9: Transport amqp stays amqp with a custom endpoint (the SDK's constructor would
    # switch to WebSockets). The gateway records the first bytes of every connection, then relays it.
    with FirstBytesListener(forward_to=("127.0.0.1", stack.emulator.port)) as gateway:
        ids = stack.spread_records(8, partitions=4)
        module = stack.module(transport="amqp", custom_endpoint_address=f"sb://127.0.0.1:{gateway.port}")
        stack.wait_delivered(ids)
        stack.stop(module)
        connections = gateway.received
    print(f"\n[figures] connections through the gateway: {len(connections)}, first bytes: {set(connections)}")
    assert connections and all(first.startswith(b"AMQP") for first in connections), connections
    passed = f"Self-check: passed: namespace localhost:{stack.emulator.port} accepted the key"
    assert passed in module.output()
