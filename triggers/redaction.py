"""Redaction: no secret in any text the module writes (logs, errors, metrics)."""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

# Redaction -----------------------------------------------------------------------------------------

_SECRET_PATTERNS = (
    (re.compile(r"(?i)\b(SharedAccessKey|AccountKey|SharedAccessSignature)=[^;\"'\s]+"), r"\1=***"),
    (re.compile(r"(?i)\bsig=[^&;\"'\s]+"), "sig=***"),
    (re.compile(r"(://[^/:@\s]+:)[^@/\s]+@"), r"\1***@"),
)
# Shorter values are not searched for: replacing a 1- to 3-character string everywhere would make
# every log line unreadable, and no real key, signature or password is that short.
_REDACT_MIN_LENGTH = 4


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """text with each of these secret values, and any key, signature or URL password, replaced by ***."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= _REDACT_MIN_LENGTH:
            text = text.replace(secret, "***")
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def with_encodings(values: list[str | None]) -> tuple[str, ...]:
    found: set[str] = set()
    for value in values:
        if value:
            found.update({value, value.strip(), quote(value, safe=""), quote_plus(value)})
    return tuple(found)
