"""Signing in with a Microsoft Entra ID application (service principal): the plain settings a
credential is built from, and which authority each Azure cloud signs in at.

Pure values: these settings cross the pipe to the receiver processes (pickled), and each process
builds its own credential from them (credentials.py). A credential object is never pickled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

PUBLIC_AUTHORITY = "login.microsoftonline.com"
# The authority of each cloud whose endpoints we recognise (connection_strings.cloud_of).
CLOUD_AUTHORITIES = {
    "public": PUBLIC_AUTHORITY,
    "china": "login.chinacloudapi.cn",
    "usgov": "login.microsoftonline.us",
}
# Hosts MSAL knows without asking: any other one needs instance discovery turned off, since MSAL
# would ask login.microsoftonline.com about it (and fail for a private or sovereign host).
KNOWN_AUTHORITY_HOSTS = frozenset(
    {
        *CLOUD_AUTHORITIES.values(),
        "login.windows.net",
        "login.microsoft.com",
        "sts.windows.net",
        "login.partner.microsoftonline.cn",
        "login.usgovcloudapi.net",
    }
)


@dataclass(frozen=True)
class AppCredentials:
    """An application's credentials: a client secret, or a certificate with its private key (PEM,
    already normalised by the configuration), and where and how to ask for tokens."""

    tenant_id: str
    client_id: str
    authority: str  # https://host[:port]
    client_secret: str | None = field(default=None, repr=False)
    certificate_pem: bytes | None = field(default=None, repr=False)
    certificate_password: str | None = field(default=None, repr=False)
    proxy_url: str | None = field(default=None, repr=False)  # token requests go through it too
    connection_verify: str | None = None  # a CA bundle that replaces the default store (trust.py)

    @property
    def authority_host(self) -> str:
        """host[:port] of the authority."""
        return urlsplit(self.authority).netloc

    @property
    def known_authority(self) -> bool:
        return (urlsplit(self.authority).hostname or "") in KNOWN_AUTHORITY_HOSTS

    def secret_values(self) -> tuple[str, ...]:
        """Every secret this holds, for redaction in the process that receives it."""
        values = [self.client_secret, self.certificate_password, self.proxy_url]
        if self.certificate_pem:
            values.append(self.certificate_pem.decode("ascii", "replace"))
        return tuple(value for value in values if value)
