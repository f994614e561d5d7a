"""credentials.py, trust.py and the clients signed in with the application: one credential per
process and settings, built from plain settings; token requests through the proxy and trusting only
the CA bundle; the Event Hubs, container and checkpoint clients given the credential and the bundle."""

import pickle
import socket
import threading

import pytest
from azure.identity import CertificateCredential, ClientSecretCredential

from azure_eventhub.hub.consumer import ReceiverSettings, create_consumer_client, create_container_client
from azure_eventhub.hub.credentials import credential_for
from azure_eventhub.core.sign_in import AppCredentials
from azure_eventhub.core.trust import ca_bundle
from tests.certificates import PASSWORD, combined_pem

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "8a2b9c4d-1e3f-4a5b-9c6d-7e8f9a0b1c2d"
APP = AppCredentials(TENANT, CLIENT, "https://login.example.test", client_secret="CLIENT~SECRET.value-1234")


def test_one_credential_per_process_and_settings():
    assert credential_for(APP) is credential_for(AppCredentials(**APP.__dict__))
    other = AppCredentials(TENANT, CLIENT, "https://login.microsoftonline.com", client_secret="another-secret")
    assert credential_for(other) is not credential_for(APP)


def test_a_client_secret_or_a_certificate():
    assert isinstance(credential_for(APP), ClientSecretCredential)
    certificate = AppCredentials(
        TENANT,
        CLIENT,
        "https://login.microsoftonline.com",
        certificate_pem=combined_pem(password=PASSWORD).encode(),
        certificate_password=PASSWORD,
    )
    assert isinstance(credential_for(certificate), CertificateCredential)


def test_settings_cross_to_a_receiver_process_as_plain_values():
    settings = ReceiverSettings(
        None,
        "hub",
        "cg",
        None,
        "container",
        hub_namespace="ns.servicebus.windows.net",
        storage_account_url="https://acct.blob.core.windows.net",
        sign_in=APP,
    )
    credential_for(APP)  # built in this process: it must not travel with the settings
    copy = pickle.loads(pickle.dumps(settings))
    assert copy == settings and copy.sign_in == APP
    assert APP.client_secret in settings.secret_values()
    assert APP.client_secret not in repr(settings)


def test_known_authorities_keep_instance_discovery():
    assert AppCredentials(TENANT, CLIENT, "https://login.chinacloudapi.cn").known_authority
    assert not APP.known_authority  # a private authority: MSAL must not ask login.microsoftonline.com about it


# Token requests: the proxy and the CA bundle ----------------------------------------------------------------


class RecordingProxy:
    """Accepts connections, records the first line of each request, and closes it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.lines: list[str] = []
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                data = connection.recv(4096)
                self.lines.append(data.split(b"\r\n", 1)[0].decode())
                connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def close(self) -> None:
        self.server.close()


def test_token_requests_go_through_the_proxy():
    proxy = RecordingProxy()
    try:
        settings = AppCredentials(
            TENANT, CLIENT, "https://login.example.test", client_secret="s3cret-value", proxy_url=proxy.url
        )
        with pytest.raises(Exception):
            credential_for(settings).get_token("https://eventhubs.azure.net/.default")
    finally:
        proxy.close()
    assert proxy.lines and all(line.startswith("CONNECT login.example.test:443 ") for line in proxy.lines)


def test_token_requests_trust_the_bundle_only(tmp_path):
    missing = tmp_path / "no-such-bundle.pem"
    settings = AppCredentials(
        TENANT, CLIENT, "https://login.example.test", client_secret="s3cret-value", connection_verify=str(missing)
    )
    with pytest.raises(Exception) as caught:
        credential_for(settings).get_token("https://storage.azure.com/.default")
    assert str(missing) in str(caught.value)  # the bundle is what requests would load, not its default store


@pytest.mark.parametrize(
    ("environ", "bundle"),
    [
        ({}, None),
        ({"SSL_CERT_FILE": "b.pem"}, "b.pem"),
        ({"REQUESTS_CA_BUNDLE": "a.pem", "SSL_CERT_FILE": "b.pem"}, "a.pem"),
        ({"REQUESTS_CA_BUNDLE": " ", "SSL_CERT_FILE": "b.pem"}, "b.pem"),
    ],
    ids=["none", "ssl-cert-file", "requests-ca-bundle-first", "blank-is-unset"],
)
def test_ca_bundle_from_the_environment(environ, bundle):
    assert ca_bundle(environ) == bundle


# The clients ----------------------------------------------------------------------------------------------


def signed_in_settings(**overrides) -> ReceiverSettings:
    values = dict(
        hub_namespace="contoso-logs.servicebus.windows.net",
        storage_account_url="https://contosologsckpt.blob.core.windows.net",
        sign_in=APP,
        connection_verify="test-ca/bundle.pem",
        transport="websocket",
        custom_endpoint_address="sb://gateway.contoso.local:443",
    )
    return ReceiverSettings(None, "o365-event", "sekoiaio", None, "eventhub-checkpoints", **{**values, **overrides})


def test_the_event_hubs_client_signs_in_at_the_namespace():
    client = create_consumer_client(signed_in_settings())
    try:
        assert client._address.hostname == "contoso-logs.servicebus.windows.net"  # checkpoint blob names
        assert client._credential is credential_for(APP)
        assert client._config.connection_verify == "test-ca/bundle.pem"
        assert client._config.custom_endpoint_hostname == "gateway.contoso.local"
        assert client._config.transport_type.name == "AmqpOverWebsocket"
    finally:
        client.close()


def test_a_connection_string_client_gets_the_bundle_too():
    settings = ReceiverSettings(
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=a2V5",
        "o365-event",
        "sekoiaio",
        None,
        "eventhub-checkpoints",
        connection_verify="test-ca/bundle.pem",
    )
    client = create_consumer_client(settings)
    try:
        assert client._config.connection_verify == "test-ca/bundle.pem"
    finally:
        client.close()


def test_the_container_client_signs_in_at_the_account():
    container = create_container_client(signed_in_settings())
    assert container.url == "https://contosologsckpt.blob.core.windows.net/eventhub-checkpoints"
    assert container.credential is credential_for(APP)
    assert container._config.transport.connection_config.verify == "test-ca/bundle.pem"


def test_a_path_style_account_url():
    container = create_container_client(
        signed_in_settings(storage_account_url="https://127.0.0.1:10000/devstoreaccount1")
    )
    assert container.url == "https://127.0.0.1:10000/devstoreaccount1/eventhub-checkpoints"
