"""Find secret values, and their obvious derived forms, in captured texts.

Reports name where a secret was found and in which form, never the secret itself,
so a failing assertion does not leak it into the test report.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, quote, quote_plus

# Connection-string fields whose values are credentials (Event Hubs / Service Bus
# and Azure Storage spellings).
CREDENTIAL_FIELDS = ("sharedaccesskey", "accountkey", "sharedaccesssignature")

# Fragments shorter than this are too likely to occur by chance.
MIN_FRAGMENT_LENGTH = 8


def connection_string_credentials(value: str) -> dict[str, str]:
    """The credential fields of a `Key=Value;...` connection string (lower-cased names)."""
    found: dict[str, str] = {}
    for part in value.split(";"):
        name, sep, field_value = part.partition("=")
        if sep and name.strip().lower() in CREDENTIAL_FIELDS and field_value.strip():
            found[name.strip().lower()] = field_value.strip()
    return found


def _forms(label: str, value: str) -> list[tuple[str, str]]:
    """`value` and its encodings, each as (form name, text)."""
    forms = [
        (label, value),
        (f"{label} (url-encoded)", quote(value, safe="")),
        (f"{label} (url-encoded, plus)", quote_plus(value)),
        (f"{label} (json-escaped)", json.dumps(value)[1:-1]),
        (f"{label} (base64)", base64.b64encode(value.encode()).decode()),
    ]
    unique: dict[str, str] = {}
    for name, text in forms:
        if len(text) >= MIN_FRAGMENT_LENGTH and text not in unique.values():
            unique[name] = text
    return list(unique.items())


def _pem_body_lines(secret: str) -> list[str]:
    """The base64 lines of a PEM private key: a key re-wrapped, re-indented or cut still shows them."""
    lines: list[str] = []
    inside = False
    for line in secret.replace("\\n", "\n").splitlines():
        line = line.strip()
        if line.startswith("-----BEGIN") and "PRIVATE KEY" in line:
            inside = True
        elif line.startswith("-----END"):
            inside = False
        elif inside and line and ":" not in line:  # skip Proc-Type / DEK-Info headers
            lines.append(line)
    return lines


def _is_jwt(secret: str) -> bool:
    parts = secret.split(".")
    return len(parts) == 3 and all(len(p) >= 8 for p in parts) and secret.startswith("eyJ")


def secret_forms(secret: str) -> list[tuple[str, str]]:
    """Every form of `secret` worth looking for: the whole value, and the credentials
    inside it when it is a connection string, each raw and encoded; for a PEM holding a private
    key, each of its key's base64 lines; for a bearer token (JWT), its signature alone."""
    forms = _forms("value", secret)
    for number, line in enumerate(_pem_body_lines(secret)):
        forms.append((f"private key line {number}", line))
    if _is_jwt(secret):
        forms.extend(_forms("bearer token signature", secret.split(".")[2]))
    for field, credential in connection_string_credentials(secret).items():
        forms.extend(_forms(f"{field} value", credential))
        if field == "sharedaccesssignature":
            # A request URL carries the SAS's parameters in its own order: its signature is the secret.
            for signature in parse_qs(credential.lstrip("?")).get("sig", []):
                forms.extend(_forms("sas signature", signature))
    return forms


def find_secrets(texts: dict[str, str], secrets: list[str]) -> list[str]:
    """Where any secret (or a derived form) appears in `texts` (name -> text).

    Returns one line per finding, e.g. "module output: secret #1 accountkey value
    (url-encoded) at offset 1234"; an empty list means clean.
    """
    findings: list[str] = []
    for index, secret in enumerate(secrets):
        if not secret:
            continue
        for form, fragment in secret_forms(secret):
            for name, text in texts.items():
                offset = text.find(fragment)
                if offset >= 0:
                    count = text.count(fragment)
                    findings.append(
                        f"{name}: secret #{index} {form} at offset {offset}"
                        + (f" ({count} times)" if count > 1 else "")
                    )
    return findings
