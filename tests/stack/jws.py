"""Compact JWS (JWT) signing and checking with `cryptography`: RS256, and PS256 which MSAL uses
for assertions signed with a SHA-256 thumbprint (x5t#S256).

Written here rather than taken from PyJWT because PyJWT is what MSAL signs client assertions
with: the local authority must not check the client's work with the client's own library.
"""

from __future__ import annotations

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class JwsError(ValueError):
    """A compact JWS that cannot be read or whose signature does not verify."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_rs256(header: dict, claims: dict, key: rsa.RSAPrivateKey) -> str:
    head = b64url(json.dumps({**header, "alg": "RS256"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode("ascii")
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url(signature)}"


def read(token: str) -> tuple[dict, dict, bytes, bytes]:
    """(header, claims, signing input, signature), unverified."""
    try:
        head, body, signature = token.split(".")
        header = json.loads(b64url_decode(head))
        claims = json.loads(b64url_decode(body))
        return header, claims, f"{head}.{body}".encode("ascii"), b64url_decode(signature)
    except (ValueError, UnicodeDecodeError) as exc:
        raise JwsError(f"not a compact JWS: {exc}") from exc


def verify(token: str, public_key: rsa.RSAPublicKey) -> tuple[dict, dict]:
    """Check the signature (RS256 or PS256) and return (header, claims)."""
    header, claims, signing_input, signature = read(token)
    alg = header.get("alg")
    if alg == "RS256":
        scheme = padding.PKCS1v15()
    elif alg == "PS256":
        scheme = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    else:
        raise JwsError(f"unsupported alg {alg!r}")
    try:
        public_key.verify(signature, signing_input, scheme, hashes.SHA256())
    except InvalidSignature as exc:
        raise JwsError("signature does not verify") from exc
    return header, claims


def jwk(public_key: rsa.RSAPublicKey, kid: str) -> dict:
    numbers = public_key.public_numbers()

    def _uint(value: int) -> str:
        return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))

    return {"kty": "RSA", "use": "sig", "kid": kid, "x5t": kid, "n": _uint(numbers.n), "e": _uint(numbers.e)}
