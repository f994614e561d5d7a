"""Certificates made for the unit tests (cryptography): an application's certificate with its
private key, as PEM, plain or encrypted, and the same with its line breaks lost."""

from __future__ import annotations

import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

PASSWORD = "pem-pa55-SECRET"


@lru_cache(maxsize=None)
def key_and_certificate(name: str = "app") -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def combined_pem(name: str = "app", password: str | None = None, traditional: bool = False) -> str:
    """The certificate, then its private key (PKCS#8, or traditional OpenSSL), as PEM text."""
    key, certificate = key_and_certificate(name)
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    key_format = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
    key_pem = key.private_bytes(serialization.Encoding.PEM, key_format, encryption)
    return (certificate.public_bytes(serialization.Encoding.PEM) + key_pem).decode()


def one_line(pem: str, separator: str = " ") -> str:
    """As a one-line form field keeps it: line breaks turned into ``separator``."""
    return separator.join(pem.splitlines())


def key_base64_lines(pem: str) -> list[str]:
    """The base64 lines of the private key block: each is a secret."""
    body = pem.split("PRIVATE KEY-----", 1)[1].split("-----END", 1)[0]
    return [line for line in body.splitlines() if line and ":" not in line]
