"""SAS tokens: check a put-token's signature and expiry, and what claims a token grants.

The signature is what azure-eventhub builds (`_pyamqp/utils.generate_sas_token`): base64 of
HMAC-SHA256 over `quote_plus(sr) + "\\n" + se`, keyed with the policy key's UTF-8 bytes (the key is
not base64-decoded), then URL-encoded in the token.
"""

import base64
import hashlib
import hmac
import time
from typing import NamedTuple
from urllib.parse import parse_qs, quote_plus, unquote_plus, urlparse

from . import errors


class Grant(NamedTuple):
    """What a connection may do after an accepted put-token."""

    audience: str
    rights: frozenset
    expires_at: float


ALL_RIGHTS = frozenset({"Listen", "Send", "Manage"})


def check_token(config, audience: str, token: str) -> tuple[int, str, Grant | None]:
    """Return (status-code, status-description, grant or None)."""
    if not config.policies:
        # No policies configured: the emulator is open, any token is fine.
        return (*errors.CBS_OK, Grant(audience, ALL_RIGHTS, float("inf")))
    fields = _parse(token)
    if fields is None:
        return (*errors.cbs_malformed(), None)
    sr, sig, se, skn = fields
    policy = config.policy(skn)
    # Azure answers an unknown key name like a bad signature: the token cannot be verified.
    if policy is None or not _signature_ok(policy.key, sr, se, sig):
        return (*errors.cbs_invalid_signature(), None)
    if int(se) < time.time():
        return (*errors.cbs_expired(int(se)), None)
    return (*errors.CBS_OK, Grant(sr, frozenset(policy.rights), float(se)))


def _parse(token: str):
    if not isinstance(token, str) or not token.startswith("SharedAccessSignature "):
        return None
    query = parse_qs(token[len("SharedAccessSignature ") :], keep_blank_values=True)
    try:
        sr, sig, se = query["sr"][0], query["sig"][0], query["se"][0]
        int(se)
    except (KeyError, IndexError, ValueError):
        return None
    skn = query.get("skn", [""])[0]
    return sr, sig, se, skn


def _signature_ok(key: str, sr: str, se: str, sig: str) -> bool:
    to_sign = f"{quote_plus(sr)}\n{se}".encode("utf-8")
    expected = base64.b64encode(hmac.new(key.encode("utf-8"), to_sign, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, sig) or hmac.compare_digest(expected, unquote_plus(sig))


def covers(grant: Grant, resource: str) -> bool:
    """A token for `sb://host/hub` also covers `sb://host/hub/consumergroups/...` (prefix scope).

    Only paths are compared: the emulator is a single namespace, reachable under several names
    (localhost, 127.0.0.1, with or without the port).
    """
    audience = urlparse(grant.audience).path.rstrip("/").lower()
    target = urlparse(resource).path.rstrip("/").lower()
    return target == audience or target.startswith(audience + "/")


def has_claim(grants, resource: str, claim: str) -> bool:
    now = time.time()
    return any(claim in g.rights and g.expires_at >= now and covers(g, resource) for g in grants)
