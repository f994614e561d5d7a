"""What a sign-in failure (Microsoft Entra ID) means for the operator: which field, and the fix.

Pure, like advice.py: errors are read by their texts. azure-identity raises ClientAuthenticationError
with the authority's answer (``AADSTS<code>: <description>``), or "Authentication failed: <the
transport's error>" when the authority cannot be reached; the Event Hubs and storage clients pass
that text on. MSAL turns an unknown tenant (AADSTS90002, at its OpenID discovery) into its own
"Unable to get authority configuration" message.
"""

from __future__ import annotations

import re

from azure_eventhub.operations.advice import PROXY_URL, Finding, Target, error_finding

TENANT_ID = "Tenant ID"
CLIENT_ID = "Client ID"
CLIENT_SECRET = "Client Secret"
CLIENT_CERTIFICATE = "Client Certificate"
AUTHORITY_HOST = "Authority Host"

_APP_PAGE = "Microsoft Entra ID > App registrations > your application"
_UNREACHABLE = (
    "failed to establish a new connection",
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "connection refused",
    "connection reset",
    "max retries exceeded",
    "timed out",
    "certificate verify failed",
    "connecttimeout",
    "proxyerror",
    "serviceRequestError".lower(),
)


def _code(text: str) -> str | None:
    match = re.search(r"\bAADSTS(\d+)", text)
    return match.group(1) if match else None


def classify_sign_in_error(error: BaseException, target: Target) -> Finding | None:
    """The finding for a failure to get a token, or None if ``error`` is not one."""
    text = str(error)
    lowered = text.lower()
    code = _code(text)
    authority = target.authority_host or "the authority"
    if code == "90002" or "unable to get authority configuration" in lowered:
        return error_finding(
            TENANT_ID,
            f"the authority {authority} does not know this tenant (AADSTS90002)",
            f"enter the Directory (tenant) ID of the application ({_APP_PAGE} > Overview); for Azure China or "
            "Azure US Government, check Authority Host too",
        )
    if code == "700016":
        return error_finding(
            CLIENT_ID,
            "the tenant has no application with this client id (AADSTS700016)",
            f"enter the Application (client) ID of an application registered in this tenant ({_APP_PAGE} > "
            "Overview), and check Tenant ID",
        )
    if code == "7000215":
        return error_finding(
            CLIENT_SECRET,
            "the authority refused the client secret (AADSTS7000215: invalid secret)",
            f"paste the secret's Value, not its Secret ID ({_APP_PAGE} > Certificates & secrets), or create a new "
            "secret",
        )
    if code == "7000222":
        return error_finding(
            CLIENT_SECRET,
            "the client secret has expired (AADSTS7000222)",
            f"create a new client secret ({_APP_PAGE} > Certificates & secrets) and paste its Value",
        )
    if code in ("700027", "700024", "50012", "700023") or "client assertion" in lowered:
        if "expired" in lowered:
            return error_finding(
                CLIENT_CERTIFICATE,
                f"the application's certificate has expired (AADSTS{code or '700027'})",
                f"create a new certificate, upload its public part ({_APP_PAGE} > Certificates & secrets > "
                "Certificates) and paste the new PEM with its private key",
            )
        return error_finding(
            CLIENT_CERTIFICATE,
            f"the authority does not accept this certificate for the application (AADSTS{code or '700027'}: not "
            "registered, or not valid now)",
            f"upload the certificate's public part to {_APP_PAGE} > Certificates & secrets > Certificates, or paste "
            "the certificate registered there with its private key",
        )
    is_sign_in = "ClientAuthenticationError" in _names(error) or "authentication failed" in lowered
    if is_sign_in and target.proxy and ("unable to connect to proxy" in lowered or "proxyerror" in lowered):
        return error_finding(
            PROXY_URL,
            f"the proxy refused or failed the connection to the authority {authority}: {_short(text)}",
            "check the proxy's address and credentials, and that it allows CONNECT to the authority's host on port 443",
        )
    if is_sign_in and any(marker in lowered for marker in _UNREACHABLE):
        return error_finding(
            AUTHORITY_HOST,
            f"cannot reach the authority {authority} to sign in: {_short(text)}",
            "check Authority Host (login.microsoftonline.com; login.chinacloudapi.cn for Azure China; "
            "login.microsoftonline.us for Azure US Government) and that this network reaches it on port 443 "
            "(through the Proxy URL if there is one)",
        )
    if code is not None:
        return error_finding(
            CLIENT_ID,
            f"the authority {authority} refused to sign the application in (AADSTS{code}): {_short(text)}",
            "check Tenant ID, Client ID and the application's secret or certificate",
        )
    return None


def _names(error: BaseException) -> set[str]:
    carried = getattr(error, "class_names", None)  # receiver_process.ReceiveFailure: the original's
    return set(carried) if carried else {cls.__name__ for cls in type(error).__mro__}


def _short(text: str, limit: int = 160) -> str:
    """The first part of the text: no trace and correlation ids, no long causes."""
    text = " ".join(text.split())
    for marker in (" Trace ID:", " Correlation ID:", " (Caused by"):
        text = text.split(marker)[0]
    # The Event Hubs client repeats the credential's message after its own: once is enough.
    first, _, rest = text.partition("Authentication failed: ")
    if rest and "Authentication failed: " in rest:
        text = first + "Authentication failed: " + rest.split("Authentication failed: ")[0].strip()
    return text[:limit]
