#!/usr/bin/env bash
# The demo of the README's Quick start.
#   bash scripts/demo.sh [--duration SECONDS]                 local stack, realistic stream, live view of the intake
#   bash scripts/demo.sh my-config.json [--duration SECONDS]  the trigger against a real Event Hub and intake
# Ctrl-C stops everything it started. Installs first (scripts/setup.sh: .venv and Azurite).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
echo "Installing what the demo needs (scripts/setup.sh)..."
bash "$root/scripts/setup.sh"
# Run from the caller's directory, so that a relative path to the configuration file means what it says.
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
exec "$root/.venv/bin/python" -m demo "$@"
