#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the test suite; arguments go to pytest.
# The tests start their own local stack: the Event Hubs emulator (tests/emulator), Azurite and the
# platform fake (tests/stack). Without arguments the soak and slow tests are left out (.ci/run runs them next).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "$#" -eq 0 ]; then
    set -- -m "not soak and not slow"
fi
exec .venv/bin/python -m pytest "$@"
