"""Azurite with Entra ID (OAuth) bearer tokens: `--oauth basic` over HTTPS with the test CA.

What Azurite 3.37.0's basic OAuth checks (dist/src/blob/authentication/BlobTokenAuthenticator.js):
- HTTPS only ("Authentication scheme Bearer is not allowed with HTTP"): `--oauth` needs `--cert`
  and `--key`;
- the token is decoded, **not verified** (no signature, no key): `nbf`, `exp` and `iat` must be
  present, now within [nbf, exp];
- `iss` starts with `https://sts.windows.net/`, `https://sts.microsoftonline.de/`,
  `https://sts.chinacloudapi.cn/` or `https://sts.windows-ppe.net`;
- `aud` is `https://storage.azure.com[/]`, the storage app id `e406a681-f3d4-42a8-90b6-c2b029497af1`,
  or `https://<account>.blob.core.windows.net[/]` (and the sovereign-cloud forms);
- no role is checked (any valid token may do anything); shared key still works beside it.
The local authority's tokens (iss `https://sts.windows.net/<tenant>/`, aud `https://storage.azure.com`
for the scope `https://storage.azure.com/.default`) pass these checks, as Entra's do.
"""

from __future__ import annotations

from pathlib import Path

from tests.stack.azurite import Azurite
from tests.stack.tls_ca import TestCA


class AzuriteOAuth(Azurite):
    """Azurite on https://127.0.0.1:<port> accepting bearer tokens; `blob_endpoint` is the
    account URL a token credential uses; `connection_string` (shared key, https) works too."""

    scheme = "https"

    def __init__(self, data_dir: Path, ca: TestCA, **kwargs) -> None:
        super().__init__(data_dir, **kwargs)
        self.ca = ca
        self.server_certificate = ca.server_certificate()

    @property
    def account_url(self) -> str:
        return self.blob_endpoint

    def _extra_arguments(self) -> list[str]:
        return [
            "--oauth",
            "basic",
            "--cert",
            str(self.server_certificate.cert_path),
            "--key",
            str(self.server_certificate.key_path),
        ]
