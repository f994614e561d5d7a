"""Which certificate authorities every TLS connection trusts.

A deployment behind a TLS-inspecting proxy (or any private CA) names its CA bundle with
REQUESTS_CA_BUNDLE, else SSL_CERT_FILE. The bundle replaces the default store, as requests does
with REQUESTS_CA_BUNDLE. requests-based clients (storage, token requests, the intake) would read
REQUESTS_CA_BUNDLE by themselves but not SSL_CERT_FILE, and azure-eventhub reads neither (it uses
certifi): so the bundle is passed explicitly to each client (connection_verify, session.verify).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


def ca_bundle(environ: Mapping[str, str] | None = None) -> str | None:
    """The CA bundle file to trust instead of the default store, or None for the default store."""
    environ = os.environ if environ is None else environ
    for name in CA_BUNDLE_VARIABLES:
        value = (environ.get(name) or "").strip()
        if value:
            return value
    return None
