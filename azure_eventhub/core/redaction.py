"""Redaction: no secret in any text the module writes (logs, errors, metrics, Sentry).

Two ways, always both: by pattern (a key, a signature, a URL password, a bearer token or a PEM
private key, whoever
wrote it and before any setting is known) and by value (each secret of the settings, and its
encodings, once known). ``REDACTOR`` is the one instance of a process: logging and Sentry
(log_redaction.py) and the trigger's own log lines all go through it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

_SECRET_PATTERNS = (
    (re.compile(r"(?i)\b(SharedAccessKey|AccountKey|SharedAccessSignature)=[^;\"'\s]+"), r"\1=***"),
    (re.compile(r"(?i)\bsig=[^&;\"'\s]+"), "sig=***"),
    # The same URL-encoded once (a URL quoted inside another, or as a query value), up to its "%26".
    (re.compile(r"(?i)(?:\b|(?<=%3F)|(?<=%26))sig%3D(?:(?!%26)[^&;\"'\s])+"), "sig%3D***"),
    # user:password@ in a URL. The password runs to the last "@" before the path (a password may
    # hold "@": pasted unencoded, it still must not show).
    (re.compile(r"(://[^/?#@\s:]*:)[^/?#\s]*@"), r"\1***@"),
    # A bearer token (8 characters at least: "Bearer token expired" stays as it is).
    (re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*"), "Bearer ***"),
    # A JSON Web Token (Entra ID access tokens) wherever it is: its header is base64url of '{"'.
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?"), "***"),
    # A PEM private key (Client Certificate), whatever became of its line breaks (kept, spaces, none,
    # escaped as \n): from its BEGIN line to its END line, or to the end of a text cut short.
    (
        re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----(?:(?!-----END)[\s\S])*(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)?"),
        r"-----BEGIN \1PRIVATE KEY-----***-----END \1PRIVATE KEY-----",
    ),
)
# Shorter values are not searched for: replacing a 1- to 3-character string everywhere would make
# every log line unreadable, and no real key, signature or password is that short.
_REDACT_MIN_LENGTH = 4


def _by_length(secrets: Iterable[str]) -> tuple[str, ...]:
    """Longest first, so that a secret is replaced whole before any part of it is."""
    return tuple(sorted({secret for secret in secrets if len(secret) >= _REDACT_MIN_LENGTH}, key=len, reverse=True))


def _redact(text: str, ordered_secrets: tuple[str, ...]) -> str:
    for secret in ordered_secrets:
        if secret in text:
            text = text.replace(secret, "***")
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """text with each of these secret values, and any key, signature or URL password, replaced by ***."""
    return _redact(text, _by_length(secrets))


def with_encodings(values: Iterable[str | None]) -> tuple[str, ...]:
    """Each value as given, trimmed and URL-encoded: the forms a library may print it in."""
    found: set[str] = set()
    for value in values:
        if value:
            found.update({value, value.strip(), quote(value, safe=""), quote_plus(value)})
    return tuple(found)


class Redactor:
    """Patterns always; the values added so far. Safe from any thread: ``add`` swaps in a new tuple."""

    def __init__(self) -> None:
        self._secrets: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def add(self, values: Iterable[str | None]) -> None:
        """Redact these values (and their encodings) from now on."""
        with self._lock:
            self._secrets = _by_length((*self._secrets, *with_encodings(values)))

    def text(self, text: str) -> str:
        return _redact(text, self._secrets)

    def structure(self, value: Any) -> Any:
        """A copy of value (dicts, lists, tuples of anything) with every string redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.structure(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.structure(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.structure(item) for item in value)
        return value


REDACTOR = Redactor()
