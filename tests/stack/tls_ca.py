"""A certificate authority made for one test run, and the certificates the Entra ID tests need.

    ca = TestCA(tmp_path / "ca")
    server = ca.server_certificate()          # localhost and 127.0.0.1, files server.pem / server.key
    app = ca.client_certificate("app-1")      # an application's certificate and its private key
    app.combined_pem(password=b"pw")          # what a user pastes in Client Certificate

`ca.bundle_path` is the PEM a client trusts (REQUESTS_CA_BUNDLE, connection_verify, Azurite's
NODE_EXTRA_CA_CERTS). Keys are RSA 2048: the size Entra ID requires for application certificates.
Nothing here is ever trusted outside the test run: the CA's key lives only in this process.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DAY = datetime.timedelta(days=1)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class IssuedCertificate:
    """A certificate with its private key; files are written only by `write()`."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    cert_path: Path | None = None
    key_path: Path | None = None

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, password: bytes | None = None) -> bytes:
        encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)

    def combined_pem(self, password: bytes | None = None) -> bytes:
        """Certificate then private key in one PEM: the form Client Certificate takes."""
        return self.cert_pem + self.key_pem(password)

    @property
    def x5t(self) -> str:
        """SHA-1 thumbprint, base64url: the `x5t` header of a client assertion."""
        return _b64url(self.certificate.fingerprint(hashes.SHA1()))  # noqa: S303 - the JOSE header's definition

    @property
    def x5t_s256(self) -> str:
        """SHA-256 thumbprint, base64url: the `x5t#S256` header."""
        return _b64url(self.certificate.fingerprint(hashes.SHA256()))

    def write(self, directory: Path, name: str) -> IssuedCertificate:
        directory.mkdir(parents=True, exist_ok=True)
        self.cert_path = directory / f"{name}.pem"
        self.key_path = directory / f"{name}.key"
        self.cert_path.write_bytes(self.cert_pem)
        self.key_path.write_bytes(self.key_pem())
        self.key_path.chmod(0o600)
        return self


class TestCA:
    """A self-signed root that signs a server certificate and application certificates."""

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, directory: Path, name: str = "azure-eventhub test CA") -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.key = _new_key()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - DAY)
            .not_valid_after(_now() + 30 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.bundle_path = self.directory / "ca.pem"
        self.bundle_path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        self._server: IssuedCertificate | None = None

    def _issue(self, subject_cn: str, not_before, not_after, extensions) -> IssuedCertificate:
        key = _new_key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return IssuedCertificate(builder.sign(self.key, hashes.SHA256()), key)

    def server_certificate(self) -> IssuedCertificate:
        """One certificate for every local TLS server (authority, emulator, Azurite), made once."""
        if self._server is None:
            names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            issued = self._issue(
                "localhost",
                _now() - DAY,
                _now() + 30 * DAY,
                [
                    (x509.SubjectAlternativeName(names), False),
                    (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
                ],
            )
            self._server = issued.write(self.directory, "server")
        return self._server

    def client_certificate(self, name: str, valid_days: float = 30, expired: bool = False) -> IssuedCertificate:
        """An application's certificate. `expired=True` makes one whose validity ended yesterday."""
        if expired:
            not_before, not_after = _now() - 10 * DAY, _now() - DAY
        else:
            not_before, not_after = _now() - DAY, _now() + datetime.timedelta(days=valid_days)
        return self._issue(
            name,
            not_before,
            not_after,
            [(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)],
        )
