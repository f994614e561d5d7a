"""The Entra ID (AADSTS) failures the local authority answers, in the service's JSON shape.

Shape and codes as the v2.0 token endpoint sends them (Microsoft's "Microsoft Entra authentication
and authorization error codes" page and the OAuth 2.0 client-credentials page):
  {"error": "invalid_client", "error_description": "AADSTS7000215: ... Trace ID: ... Correlation ID:
   ... Timestamp: ...", "error_codes": [7000215], "timestamp": "...", "trace_id": "...",
   "correlation_id": "...", "error_uri": "https://login.microsoftonline.com/error?code=7000215"}
`invalid_client` comes with HTTP 401, the others with 400.
"""

from __future__ import annotations

import datetime
import uuid
from typing import NamedTuple


class AadstsError(NamedTuple):
    code: str  # "AADSTS7000215"
    error: str  # the OAuth error field
    status: int
    text: str  # the description, without the code prefix and the trace suffix

    def body(self) -> dict:
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        number = int(self.code.removeprefix("AADSTS"))
        return {
            "error": self.error,
            "error_description": (
                f"{self.code}: {self.text} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {stamp}"
            ),
            "error_codes": [number],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={number}",
        }


def unknown_tenant(tenant: str) -> AadstsError:
    return AadstsError(
        "AADSTS90002",
        "invalid_request",
        400,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing "
        "into the correct cloud. Check with your subscription administrator, this may happen if there are "
        "no active subscriptions for the tenant.",
    )


def unknown_application(client_id: str, tenant: str) -> AadstsError:
    return AadstsError(
        "AADSTS700016",
        "unauthorized_client",
        400,
        f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can "
        "happen if the application has not been installed by the administrator of the tenant or consented "
        "to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
    )


def wrong_secret(client_id: str) -> AadstsError:
    return AadstsError(
        "AADSTS7000215",
        "invalid_client",
        401,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
        f"value, not the client secret ID, for a secret added to app '{client_id}'.",
    )


def expired_secret(client_id: str) -> AadstsError:
    return AadstsError(
        "AADSTS7000222",
        "invalid_client",
        401,
        f"The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to "
        "create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "
        "credentials for added security: https://aka.ms/certCreds.",
    )


def certificate_not_registered(thumbprint: str) -> AadstsError:
    return AadstsError(
        "AADSTS700027",
        "invalid_client",
        401,
        "Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of "
        f"key used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use "
        "MS Graph to see configured keys for app.]",
    )


def certificate_expired(thumbprint: str) -> AadstsError:
    return AadstsError(
        "AADSTS700027",
        "invalid_client",
        401,
        "Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint "
        f"of key used by client: '{thumbprint}']",
    )


def bad_assertion(reason: str) -> AadstsError:
    return AadstsError(
        "AADSTS700027", "invalid_client", 401, f"Client assertion failed signature validation. {reason}"
    )


def assertion_out_of_time() -> AadstsError:
    return AadstsError("AADSTS700024", "invalid_client", 401, "Client assertion is not within its valid time range.")


def invalid_request(text: str) -> AadstsError:
    return AadstsError("AADSTS900144", "invalid_request", 400, text)


def missing_credential() -> AadstsError:
    return AadstsError(
        "AADSTS7000218",
        "invalid_client",
        401,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )


# What `LocalAuthority.fail(code)` answers, by code: the test forces a failure without arranging it.
FORCED = {
    "AADSTS90002": lambda tenant, client, thumb: unknown_tenant(tenant),
    "AADSTS700016": lambda tenant, client, thumb: unknown_application(client, tenant),
    "AADSTS7000215": lambda tenant, client, thumb: wrong_secret(client),
    "AADSTS7000222": lambda tenant, client, thumb: expired_secret(client),
    "AADSTS700027": lambda tenant, client, thumb: certificate_not_registered(thumb or "unknown"),
    "AADSTS700027-expired": lambda tenant, client, thumb: certificate_expired(thumb or "unknown"),
}
