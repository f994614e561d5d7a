#!/usr/bin/env bash
# Installs what the module, its tests and its demo need, into this checkout:
# .venv/ (Python 3.11, from the hashed lock) and node_modules/ (Azurite, pinned in package.json);
# as root, also what the image lane needs from Debian (tests/deployed/lane.py: the system Python
# 3.11 with venv, unshare and setpriv, useradd), when missing.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
UV_VERSION=0.13.9
if ! .venv/bin/uv --version 2>/dev/null | grep -q " $UV_VERSION"; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
# The lock holds every package, hashed: the install is exactly what was reviewed.
.venv/bin/uv pip sync --quiet --python .venv/bin/python --require-hashes requirements-dev.txt

if [ ! -x node_modules/.bin/azurite-blob ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi

# The image lane (tests/e2e/test_as_deployed.py) runs the module as its Docker image does: it needs
# root, which CI has; a developer without root sees those tests fail, saying why.
if [ "$(id -u)" = 0 ]; then
    missing=()
    /usr/bin/python3.11 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3.11 python3.11-venv)
    command -v unshare >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
    command -v useradd >/dev/null 2>&1 || missing+=(passwd)
    if [ "${#missing[@]}" -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi
