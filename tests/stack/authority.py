"""A local Microsoft Entra ID authority over HTTPS (the test CA), in a thread of the test process.

    ca = TestCA(tmp_path / "ca")
    with LocalAuthority(ca) as authority:
        app = authority.register(secret="s3cret")
        credential = ClientSecretCredential(app.tenant_id, app.client_id, "s3cret",
                                            authority=authority.authority_host,
                                            disable_instance_discovery=True)

Endpoints (what MSAL reads, Microsoft's "OpenID Connect on the Microsoft identity platform" page):
  GET  /<tenant>/v2.0/.well-known/openid-configuration   (400 AADSTS90002 for an unknown tenant)
  GET  /common/discovery/instance?authorization_endpoint=...   instance discovery. MSAL asks it on
       login.microsoftonline.com for any host it does not know, so a local host needs
       `disable_instance_discovery=True` (azure-identity) to stay offline; it is served here too.
  GET  /<tenant>/discovery/v2.0/keys, /common/discovery/keys   JWKS
  POST /<tenant>/oauth2/v2.0/token    client credentials: client_secret or a client assertion
Tests drive it with methods (register, fail, token_lifetime, tokens_issued), as platform_fake.
"""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tests.stack import authority_errors as aadsts
from tests.stack.authority_directory import Application, Directory
from tests.stack.tls_ca import TestCA


class LocalAuthority:
    def __init__(self, ca: TestCA, token_lifetime: float = 3600, port: int = 0) -> None:
        self.ca = ca
        self.directory = Directory(token_lifetime)
        server_cert = ca.server_certificate()
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(server_cert.cert_path, server_cert.key_path)
        self._requested_port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- addresses ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the authority has not started")
        return self._server.server_address[1]

    @property
    def authority_host(self) -> str:
        """What Authority Host / azure-identity's `authority` take: `https://localhost:<port>`."""
        return f"https://localhost:{self.port}"

    # -- what tests set and read -------------------------------------------------------

    def register(self, tenant_id=None, client_id=None, secret=None, certificate=None, secret_expires_at=None):
        """An application (service principal) with a secret and/or a certificate (x509 or IssuedCertificate)."""
        certificate = getattr(certificate, "certificate", certificate)
        return self.directory.register(tenant_id, client_id, secret, certificate, secret_expires_at)

    @property
    def token_lifetime(self) -> float:
        return self.directory.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: float) -> None:
        self.directory.token_lifetime = seconds

    def fail(self, code: str, count: int = 1) -> None:
        self.directory.fail(code, count)

    def clear_failures(self) -> None:
        self.directory.clear_failures()

    def tokens_issued(self, client_id: str | None = None) -> int:
        return self.directory.tokens_issued(client_id)

    def requests(self) -> list[dict]:
        return self.directory.requests()

    def issued_tokens(self) -> list[str]:
        """Every access token issued so far (bearer tokens: secrets for the scans)."""
        return self.directory.issued_tokens()

    def jwks(self) -> dict:
        return self.directory.jwks()

    def issuer(self, tenant_id: str) -> str:
        return self.directory.issuer(tenant_id)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> LocalAuthority:
        server = ThreadingHTTPServer(("127.0.0.1", self._requested_port), _Handler)
        server.daemon_threads = True
        # The handshake happens in the handler's thread (first read), so one slow client cannot
        # hold the accept loop.
        server.socket = self._context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        server.authority = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="local-authority", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> LocalAuthority:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "local-authority"

    def log_message(self, fmt, *args) -> None:  # quiet: pytest output is for failures
        pass

    @property
    def authority(self) -> LocalAuthority:
        return self.server.authority  # type: ignore[attr-defined]

    def _base(self) -> str:
        return f"https://{self.headers.get('Host') or f'localhost:{self.authority.port}'}"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        directory = self.authority.directory
        if parts[-3:] == ["v2.0", ".well-known", "openid-configuration"] and len(parts) == 4:
            tenant = parts[0]
            if tenant not in directory.tenants and tenant not in ("common", "organizations"):
                error = aadsts.unknown_tenant(tenant)
                return self._json(error.status, error.body())
            return self._json(200, self._openid_configuration(tenant))
        if parts == ["common", "discovery", "instance"]:
            return self._json(200, self._instance_discovery(parse_qs(url.query)))
        if parts[-2:] in (["v2.0", "keys"], ["discovery", "keys"]):
            return self._json(200, directory.jwks())
        self._json(404, {"error": "not_found", "error_description": f"no such endpoint {url.path}"})

    def do_POST(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        if len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            endpoint = f"{self._base()}{url.path}"
            status, answer = self.authority.directory.token(parts[0], form, endpoint)
            return self._json(status, answer)
        self._json(404, {"error": "not_found", "error_description": f"no such endpoint {url.path}"})

    def _openid_configuration(self, tenant: str) -> dict:
        base = f"{self._base()}/{tenant}"
        return {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
        }

    def _instance_discovery(self, query: dict) -> dict:
        endpoint = (query.get("authorization_endpoint") or [""])[0]
        tenant = ([p for p in urlparse(endpoint).path.split("/") if p] or ["common"])[0]
        host = urlparse(self._base()).netloc
        return {
            "tenant_discovery_endpoint": f"{self._base()}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }

    def _json(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store, no-cache")
        self.end_headers()
        self.wfile.write(payload)


__all__ = ["Application", "LocalAuthority"]
