"""The application's credential (Microsoft Entra ID): the only module importing azure.identity.

One credential per process and per settings: the Event Hubs client, the checkpoint store, the
container client (dead letters) and the self-check of a process share it, so its token cache
serves them all (one token per audience, not one per client). Each receiver process builds its own
from the plain ``AppCredentials`` it was handed: a credential holds locks and an HTTP pipeline and
is never pickled.

Tokens: azure-identity caches each token and asks the authority again when it is within five
minutes of its expiry; the Event Hubs client asks for a token again before each CBS renewal and the
storage client's policy before the cached one expires. Nothing here keeps a token: only the
credential's own cache does, and it never hands one out past its life.
"""

from __future__ import annotations

import threading
from typing import Any

from azure.core.credentials import TokenCredential
from azure.identity import CertificateCredential, ClientSecretCredential

from azure_eventhub.core.sign_in import AppCredentials

# Token requests: bounded, so that a self-check call (30 s) ends with the authority's own answer
# rather than our deadline; the authority's refusals (400, 401) are not retried anyway.
_TOKEN_REQUEST_OPTIONS = {"retry_total": 2, "connection_timeout": 10, "read_timeout": 15}

_built: dict[AppCredentials, TokenCredential] = {}
_lock = threading.Lock()


def credential_for(settings: AppCredentials) -> TokenCredential:
    """This process's credential for these settings (built at the first call)."""
    with _lock:
        credential = _built.get(settings)
        if credential is None:
            credential = _built[settings] = _build(settings)
        return credential


def _build(settings: AppCredentials) -> TokenCredential:
    options: dict[str, Any] = {"authority": settings.authority, **_TOKEN_REQUEST_OPTIONS}
    if not settings.known_authority:
        # MSAL would ask login.microsoftonline.com whether it knows this host (instance discovery),
        # which fails for a private or sovereign authority: it reads the host's own OpenID
        # configuration instead.
        options["disable_instance_discovery"] = True
    if settings.proxy_url:
        options["proxies"] = {"http": settings.proxy_url, "https": settings.proxy_url}
    if settings.connection_verify:
        options["connection_verify"] = settings.connection_verify
    if settings.certificate_pem:
        return CertificateCredential(
            settings.tenant_id,
            settings.client_id,
            certificate_data=settings.certificate_pem,
            password=settings.certificate_password.encode() if settings.certificate_password else None,
            **options,
        )
    return ClientSecretCredential(settings.tenant_id, settings.client_id, settings.client_secret, **options)
