"""Entra ID (`jwt`) tokens on `$cbs`, and the role assignments that decide what they grant.

What the service does (Microsoft's "Authorize access to Event Hubs resources using Microsoft Entra
ID" and the AMQP CBS pages): the client puts a bearer token of type `jwt` for the audience
`https://eventhubs.azure.net/` (the SDK asks for the scope `https://eventhubs.azure.net//.default`);
the namespace checks its signature against the tenant's keys, its issuer and its lifetime, and
answers 202. What the principal may do is decided per operation from its Azure role assignments on
the namespace or the hub: *Azure Event Hubs Data Receiver* gives Listen, *Data Sender* gives Send,
*Data Owner* all three claims. Without one, the link is refused with 401-equivalent
`amqp:unauthorized-access`, "'Listen' claim(s) are required".

Config (`"entra"` in the emulator's JSON; roles can be replaced at run time by `POST /roles`):
  {"jwks": {"keys": [...]}, "roles": [{"principal": "<oid>", "role": "Receiver", "scope": "*"}]}
`scope` is `*` (the namespace) or a hub name.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

AUDIENCES = ("https://eventhubs.azure.net", "https://eventhubs.azure.net/")
ISSUER_PREFIXES = ("https://sts.windows.net/", "https://login.microsoftonline.com/")
ROLE_RIGHTS = {
    "receiver": frozenset({"Listen"}),
    "sender": frozenset({"Send"}),
    "owner": frozenset({"Listen", "Send", "Manage"}),
}


class TokenRefused(ValueError):
    """A `jwt` put-token the namespace refuses; the message is the CBS status-description."""


@dataclass
class RoleAssignment:
    principal: str
    role: str  # receiver, sender or owner
    scope: str  # "*" for the namespace, else a hub name (lower-cased)


@dataclass
class EntraConfig:
    keys: dict  # kid -> RSA public key
    roles: list = field(default_factory=list)

    def rights(self, principal: str, hub: str) -> frozenset:
        hub = hub.lower()
        granted = frozenset()
        for assignment in self.roles:
            if assignment.principal == principal and assignment.scope in ("*", hub):
                granted |= ROLE_RIGHTS[assignment.role]
        return granted


def load(raw: dict) -> EntraConfig:
    keys = {}
    for jwk in (raw.get("jwks") or {}).get("keys", []):
        numbers = rsa.RSAPublicNumbers(_uint(jwk["e"]), _uint(jwk["n"]))
        keys[jwk["kid"]] = numbers.public_key()
    return EntraConfig(keys, load_roles(raw.get("roles") or []))


def load_roles(raw: list) -> list:
    roles = []
    for index, spec in enumerate(raw):
        role = str(spec.get("role", "")).lower().removeprefix("azure event hubs data ").strip()
        if role not in ROLE_RIGHTS:
            raise ValueError(f"roles[{index}].role must be Receiver, Sender or Owner")
        roles.append(RoleAssignment(str(spec["principal"]), role, str(spec.get("scope", "*")).lower()))
    return roles


def check(entra: EntraConfig, namespace_host: str, token: str) -> tuple[str, float]:
    """Return (principal oid, expiry epoch s) of an acceptable token; raise TokenRefused otherwise."""
    try:
        head, body, sig = token.split(".")
        header = json.loads(_b64(head))
        claims = json.loads(_b64(body))
        signature = _b64(sig)
    except (ValueError, AttributeError) as exc:
        raise TokenRefused("InvalidToken: The provided token is not a valid JSON Web Token.") from exc
    key = entra.keys.get(header.get("kid"))
    if header.get("alg") != "RS256" or key is None:
        raise TokenRefused("InvalidSignature: The token has an invalid signature (unknown signing key).")
    try:
        key.verify(signature, f"{head}.{body}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise TokenRefused("InvalidSignature: The token has an invalid signature.") from exc
    issuer, tenant = str(claims.get("iss", "")), str(claims.get("tid", ""))
    if not tenant or not issuer.startswith(ISSUER_PREFIXES) or tenant not in issuer:
        raise TokenRefused(f"InvalidIssuer: The token issuer '{issuer}' is not valid.")
    audience = claims.get("aud")
    namespace_audiences = (f"https://{namespace_host}", f"https://{namespace_host}/")
    if audience not in AUDIENCES and audience not in namespace_audiences:
        raise TokenRefused(f"InvalidAudience: The token audience '{audience}' is not valid.")
    now = time.time()
    expires = claims.get("exp")
    if not isinstance(expires, (int, float)) or expires < now:
        raise TokenRefused(f"ExpiredToken: The token is expired. Expiration time: '{expires}'")
    if claims.get("nbf", 0) > now + 300:
        raise TokenRefused("InvalidToken: The token is not yet valid.")
    principal = claims.get("oid")
    if not principal:
        raise TokenRefused("InvalidToken: The token has no 'oid' claim.")
    return str(principal), float(expires)


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _uint(text: str) -> int:
    return int.from_bytes(_b64(text), "big")
