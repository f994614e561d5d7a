"""Client Certificate: the PEM a user pastes (certificate and private key), made loadable again when
a one-line form field lost its line breaks, and checked before the first token request.

A PEM block is ``-----BEGIN <label>-----``, base64 lines, ``-----END <label>-----``. Pasted into a
one-line field its line breaks become spaces, or vanish: the labels still delimit each block, and
base64 holds no spaces, so each body is rebuilt by removing whitespace and wrapping at 64
characters. The traditional OpenSSL encrypted key keeps its two headers (Proc-Type, DEK-Info)
before the base64.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
# The headers of a traditional encrypted key; the IV is hex, its length set by the cipher.
_ENCRYPTED_HEADERS = re.compile(
    r"^\s*Proc-Type:\s*(?P<proc>\d+,[A-Z]+)\s*DEK-Info:\s*(?P<cipher>[A-Za-z0-9-]+),(?P<iv>[0-9A-Fa-f]+)(?P<rest>.*)$",
    re.DOTALL,
)
_IV_HEX_LENGTH = {"DES": 16}  # DES-CBC and DES-EDE3-CBC; AES ciphers use 32


class CertificateProblem(ValueError):
    """The PEM cannot be used. ``field`` is the argument to fix (client_certificate or
    client_certificate_password); ``problem`` never holds any of the PEM."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class LoadedCertificate:
    pem: bytes  # the PEM as azure-identity reads it: certificate and key blocks, line breaks restored
    password: str | None  # None when the key is not encrypted (a password given anyway is dropped)
    password_unused: bool  # a password was given for a key that is not encrypted
    key_lines: tuple[str, ...]  # the key's base64, line by line and whole: secret values for redaction


def normalise_pem(text: str) -> str:
    """The PEM blocks of ``text``, each rebuilt with its line breaks; text outside them dropped."""
    blocks = []
    for match in _BLOCK.finditer(text):
        label, body = match.group(1), match.group(2)
        headers = ""
        encrypted = _ENCRYPTED_HEADERS.match(body)
        if encrypted:
            cipher, iv, body = encrypted.group("cipher"), encrypted.group("iv"), encrypted.group("rest")
            iv_length = next((n for prefix, n in _IV_HEX_LENGTH.items() if cipher.upper().startswith(prefix)), 32)
            # Without the space between them, the IV's hex runs into the base64 (which may start with hex digits).
            iv, body = iv[:iv_length], iv[iv_length:] + body
            headers = f"Proc-Type: {encrypted.group('proc')}\nDEK-Info: {cipher},{iv}\n\n"
        base64 = "".join(body.split())
        blocks.append(
            f"-----BEGIN {label}-----\n{headers}" + "\n".join(textwrap.wrap(base64, 64)) + f"\n-----END {label}-----\n"
        )
    return "".join(blocks)


def load_certificate(text: str, password: str | None) -> LoadedCertificate:
    """Check that the PEM holds a certificate and its private key, decrypted by this password."""
    pem = normalise_pem(text.replace("\\n", "\n"))  # "\n" typed as two characters: a JSON-escaped paste
    labels = [match.group(1) for match in _BLOCK.finditer(pem)]
    if "CERTIFICATE" not in labels:
        raise CertificateProblem("client_certificate", "no certificate found (-----BEGIN CERTIFICATE-----)")
    if not any(label.endswith("PRIVATE KEY") for label in labels):
        raise CertificateProblem("client_certificate", "no private key found (-----BEGIN PRIVATE KEY-----)")
    data = pem.encode("ascii", "replace")
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError:
        certificate = None
    if certificate is None:
        raise CertificateProblem("client_certificate", "its certificate cannot be read")
    key, used_password, unused = _load_key(data, password)
    if key.public_key().public_bytes(*_PUBLIC) != certificate.public_key().public_bytes(*_PUBLIC):
        raise CertificateProblem("client_certificate", "its private key does not belong to its certificate")
    key_lines = []
    for match in _BLOCK.finditer(pem):
        if match.group(1).endswith("PRIVATE KEY"):
            lines = [line for line in match.group(2).splitlines() if line and ":" not in line]
            key_lines += [*lines, "".join(lines)]
    return LoadedCertificate(data, used_password, unused, tuple(key_lines))


_PUBLIC = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _load_key(data: bytes, password: str | None):
    """(the private key, the password to keep, whether a given password was unused)."""
    secret = password.encode() if password else None
    try:
        return serialization.load_pem_private_key(data, secret), password or None, False
    except TypeError:
        # cryptography's two TypeErrors: a password for a key that is not encrypted, or none for one that is.
        if secret is None:
            raise CertificateProblem("client_certificate_password", "missing; the private key is encrypted") from None
    except ValueError:
        if secret is not None:
            raise CertificateProblem("client_certificate_password", "does not decrypt the private key") from None
        raise CertificateProblem("client_certificate", "its private key cannot be read") from None
    try:
        return serialization.load_pem_private_key(data, None), None, True
    except (TypeError, ValueError):
        raise CertificateProblem("client_certificate", "its private key cannot be read") from None
