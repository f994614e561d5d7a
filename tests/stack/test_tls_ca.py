"""The test CA: a server certificate clients verify for localhost and 127.0.0.1, application
certificates with their thumbprints, and the PEM forms Client Certificate takes."""

import socket
import ssl
import threading

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.stack.tls_ca import TestCA


def _handshake(ca: TestCA, server_hostname: str) -> str:
    server_cert = ca.server_certificate()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(server_cert.cert_path, server_cert.key_path)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        connection, _ = listener.accept()
        with server_context.wrap_socket(connection, server_side=True) as tls:
            tls.sendall(b"hello")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_context = ssl.create_default_context(cafile=str(ca.bundle_path))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with client_context.wrap_socket(raw, server_hostname=server_hostname) as tls:
            data = tls.recv(5).decode()
    thread.join(5)
    listener.close()
    return data


def test_the_server_certificate_verifies_for_localhost_and_the_loopback_address(tmp_path):
    ca = TestCA(tmp_path)
    assert _handshake(ca, "localhost") == "hello"
    assert _handshake(ca, "127.0.0.1") == "hello"


def test_an_application_certificate_pem_holds_the_certificate_and_its_key(tmp_path):
    ca = TestCA(tmp_path)
    app = ca.client_certificate("app")
    combined = app.combined_pem(password=b"pw")
    assert combined.startswith(b"-----BEGIN CERTIFICATE-----")
    assert b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in combined
    loaded = x509.load_pem_x509_certificate(combined)
    assert loaded == app.certificate
    serialization.load_pem_private_key(app.key_pem(b"pw"), password=b"pw")
    assert len(app.x5t) == 27 and len(app.x5t_s256) == 43  # base64url of 20 and 32 bytes, no padding


def test_an_expired_application_certificate_is_past_its_validity(tmp_path):
    old = TestCA(tmp_path).client_certificate("old", expired=True)
    assert old.certificate.not_valid_after_utc < old.certificate.not_valid_before_utc.__class__.now(
        old.certificate.not_valid_after_utc.tzinfo
    )
