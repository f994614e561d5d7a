"""The local authority's directory and token logic, without HTTP: tenants, applications, their
secrets and certificates, the client-credentials grant, and the tokens it signs.

Tokens are v1.0 access tokens as Entra ID issues them for `https://eventhubs.azure.net/.default`
and `https://storage.azure.com/.default` (both resources take v1 tokens): `iss` is
`https://sts.windows.net/<tenant>/` (Azurite's basic OAuth accepts only issuers under
sts.windows.net and a few other Microsoft hosts), `aud` is the scope without `/.default`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.stack import authority_errors as aadsts
from tests.stack import jws

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class Application:
    tenant_id: str
    client_id: str
    object_id: str  # the service principal's object id: the `oid` that role assignments name
    secrets: dict = field(default_factory=dict)  # secret value -> expiry (epoch s) or None
    certificates: list = field(default_factory=list)  # registered x509.Certificate


class Directory:
    """Thread-safe: the HTTP server answers from several threads."""

    def __init__(self, token_lifetime: float = 3600) -> None:
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = jws.b64url(uuid.uuid4().bytes)
        self.token_lifetime = token_lifetime
        self.tenants: set[str] = set()
        self.applications: dict[tuple[str, str], Application] = {}
        self._forced: list[str] = []  # AADSTS codes answered before anything else, one per request
        self._issued: Counter = Counter()  # client id -> access tokens issued
        self._requests: list[dict] = []
        self._tokens: list[str] = []  # every access token issued: what the secret scans look for
        self._lock = threading.Lock()

    # -- set-up by tests ---------------------------------------------------------------

    def register(
        self,
        tenant_id: str | None = None,
        client_id: str | None = None,
        secret: str | None = None,
        certificate: x509.Certificate | None = None,
        secret_expires_at: float | None = None,
    ) -> Application:
        tenant_id = tenant_id or str(uuid.uuid4())
        app = Application(tenant_id, client_id or str(uuid.uuid4()), str(uuid.uuid4()))
        if secret is not None:
            app.secrets[secret] = secret_expires_at
        if certificate is not None:
            app.certificates.append(certificate)
        with self._lock:
            self.tenants.add(tenant_id)
            self.applications[(tenant_id, app.client_id)] = app
        return app

    def fail(self, code: str, count: int = 1) -> None:
        """The next `count` token requests get this AADSTS error (see authority_errors.FORCED)."""
        if code not in aadsts.FORCED:
            raise ValueError(f"no forced answer for {code}; known: {sorted(aadsts.FORCED)}")
        with self._lock:
            self._forced.extend([code] * count)

    def clear_failures(self) -> None:
        with self._lock:
            self._forced.clear()

    def tokens_issued(self, client_id: str | None = None) -> int:
        with self._lock:
            return sum(self._issued.values()) if client_id is None else self._issued[client_id]

    def requests(self) -> list[dict]:
        """Every token request: time, tenant, client id, scope, outcome (no secret kept)."""
        with self._lock:
            return list(self._requests)

    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self._tokens)

    def issuer(self, tenant_id: str) -> str:
        return f"https://sts.windows.net/{tenant_id}/"

    def jwks(self) -> dict:
        return {"keys": [jws.jwk(self.signing_key.public_key(), self.kid)]}

    # -- the client-credentials grant --------------------------------------------------

    def token(self, tenant_id: str, form: dict, token_endpoint: str) -> tuple[int, dict]:
        """Answer a token request: (HTTP status, JSON body)."""
        client_id = form.get("client_id", "")
        scope = form.get("scope", "")
        outcome = self._grant(tenant_id, form, token_endpoint)
        with self._lock:
            self._requests.append(
                {
                    "time": time.time(),
                    "tenant": tenant_id,
                    "client_id": client_id,
                    "scope": scope,
                    "outcome": outcome.code if isinstance(outcome, aadsts.AadstsError) else "issued",
                }
            )
        if isinstance(outcome, aadsts.AadstsError):
            return outcome.status, outcome.body()
        return 200, outcome

    def _grant(self, tenant_id: str, form: dict, token_endpoint: str):
        client_id = form.get("client_id", "")
        with self._lock:
            forced = self._forced.pop(0) if self._forced else None
            app = self.applications.get((tenant_id, client_id))
        if forced:
            return aadsts.FORCED[forced](tenant_id, client_id, _presented_thumbprint(form))
        if tenant_id not in self.tenants:
            return aadsts.unknown_tenant(tenant_id)
        if form.get("grant_type") != "client_credentials":
            return aadsts.invalid_request(f"The grant type {form.get('grant_type')!r} is not supported here.")
        if app is None:
            return aadsts.unknown_application(client_id, tenant_id)
        if "client_secret" in form:
            refusal = self._check_secret(app, form["client_secret"])
        elif form.get("client_assertion_type") == ASSERTION_TYPE and "client_assertion" in form:
            refusal = self._check_assertion(app, form["client_assertion"], token_endpoint)
        else:
            refusal = aadsts.missing_credential()
        if refusal is not None:
            return refusal
        audience = _audience(form.get("scope", ""))
        if audience is None:
            return aadsts.invalid_request("The provided value for the input parameter 'scope' is not valid.")
        return self._issue(app, audience)

    def _check_secret(self, app: Application, secret: str):
        if secret not in app.secrets:
            return aadsts.wrong_secret(app.client_id)
        expires_at = app.secrets[secret]
        if expires_at is not None and expires_at < time.time():
            return aadsts.expired_secret(app.client_id)
        return None

    def _check_assertion(self, app: Application, assertion: str, token_endpoint: str):
        try:
            header, claims, _, _ = jws.read(assertion)
        except jws.JwsError as exc:
            return aadsts.bad_assertion(str(exc))
        # MSAL keeps the base64 padding ("=") that RFC 7515 drops: compare without it.
        thumbprint = (header.get("x5t#S256") or header.get("x5t") or "").rstrip("=")
        registered = next((c for c in app.certificates if thumbprint in _thumbprints(c)), None)
        if registered is None:
            return aadsts.certificate_not_registered(_hex_thumbprint(thumbprint))
        if registered.not_valid_after_utc.timestamp() < time.time():
            return aadsts.certificate_expired(_hex_thumbprint(thumbprint))
        try:
            jws.verify(assertion, registered.public_key())
        except jws.JwsError as exc:
            return aadsts.bad_assertion(str(exc))
        now = time.time()
        if claims.get("iss") != app.client_id or claims.get("sub") != app.client_id:
            return aadsts.bad_assertion("The iss and sub claims must be the client id.")
        if claims.get("aud") != token_endpoint:
            return aadsts.bad_assertion(f"The audience must be the token endpoint {token_endpoint}.")
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] < now - 300:
            return aadsts.assertion_out_of_time()
        if claims.get("nbf", 0) > now + 300:
            return aadsts.assertion_out_of_time()
        return None

    def _issue(self, app: Application, audience: str) -> dict:
        now = int(time.time())
        lifetime = int(self.token_lifetime)
        claims = {
            "aud": audience,
            "iss": self.issuer(app.tenant_id),
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "appid": app.client_id,
            "appidacr": "2",
            "idtyp": "app",
            "oid": app.object_id,
            "sub": app.object_id,
            "tid": app.tenant_id,
            "uti": jws.b64url(uuid.uuid4().bytes),
            "ver": "1.0",
        }
        token = jws.sign_rs256({"typ": "JWT", "kid": self.kid, "x5t": self.kid}, claims, self.signing_key)
        with self._lock:
            self._issued[app.client_id] += 1
            self._tokens.append(token)
        return {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}


def _audience(scope: str) -> str | None:
    """`https://eventhubs.azure.net//.default` -> `https://eventhubs.azure.net/`, as Entra does."""
    for item in scope.split():
        if item.endswith("/.default"):
            return item[: -len("/.default")]
    return None


def _thumbprints(certificate: x509.Certificate) -> set[str]:
    return {
        jws.b64url(certificate.fingerprint(hashes.SHA1())),  # noqa: S303 - the x5t header's definition
        jws.b64url(certificate.fingerprint(hashes.SHA256())),
    }


def _hex_thumbprint(b64: str) -> str:
    try:
        return jws.b64url_decode(b64).hex().upper()
    except ValueError:
        return b64


def _presented_thumbprint(form: dict) -> str | None:
    try:
        header, _, _, _ = jws.read(form.get("client_assertion", ""))
    except jws.JwsError:
        return None
    return _hex_thumbprint((header.get("x5t#S256") or header.get("x5t") or "").rstrip("="))
