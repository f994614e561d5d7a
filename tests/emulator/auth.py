"""CBS tokens: check a put-token (SAS here, Entra ID `jwt` in entra.py) and what claims it grants.

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

from . import entra, errors


class Grant(NamedTuple):
    """What a connection may do after an accepted put-token.

    An Entra ID grant names its principal: its rights come from the role assignments at the time of
    each check (a test may assign a role after the token was put), not from the token.
    """

    audience: str
    rights: frozenset
    expires_at: float
    principal: str | None = None


ALL_RIGHTS = frozenset({"Listen", "Send", "Manage"})


JWT_TYPE = "jwt"


def check_token(
    config, audience: str, token: str, token_type: str = "", host: str = ""
) -> tuple[int, str, Grant | None]:
    """Return (status-code, status-description, grant or None)."""
    if not config.auth_enabled:
        # No policies configured: the emulator is open, any token is fine.
        return (*errors.CBS_OK, Grant(audience, ALL_RIGHTS, float("inf")))
    if token_type == JWT_TYPE:
        if config.entra is None:
            return 401, "InvalidToken: Microsoft Entra ID authentication is disabled for this namespace.", None
        try:
            principal, expires_at = entra.check(config.entra, host.split(":")[0], token)
        except entra.TokenRefused as exc:
            return 401, str(exc), None
        return (*errors.CBS_OK, Grant(audience, frozenset(), expires_at, principal))
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


def rights(grant: Grant, resource: str, config) -> frozenset:
    if grant.principal is None:
        return grant.rights
    hub = (urlparse(resource).path.strip("/").split("/") or [""])[0]
    return config.entra.rights(grant.principal, hub) if config.entra else frozenset()


def has_claim(grants, resource: str, claim: str, config=None) -> bool:
    now = time.time()
    return any(
        g.expires_at >= now and covers(g, resource) and claim in (rights(g, resource, config) if config else g.rights)
        for g in grants
    )


def has_any_right(grants, resource: str, config) -> bool:
    """Management READ: any live token for the hub that grants something on it."""
    now = time.time()
    return any(g.expires_at >= now and covers(g, resource) and rights(g, resource, config) for g in grants)
