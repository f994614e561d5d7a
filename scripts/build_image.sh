#!/usr/bin/env bash
# Builds the module's Docker image and runs the smoke delivery with it (tests/e2e/image_smoke.py):
# every message shape delivered with 1 and 2 receiver processes, SIGTERM within 10 s with exit code
# 0, SIGKILL then restart resuming every partition within 15 s with nothing lost. The container runs
# on the host network against the local stack the tests start (emulator, Azurite, platform fake).
#
# Needs a working Docker or Podman engine (the daemon, not only the client); CI has none, so CI runs
# the image lane instead (tests/e2e/test_as_deployed.py: the same checks without an engine).
#
# Usage: bash scripts/build_image.sh [extra pytest arguments]
#   AZURE_EVENTHUB_ENGINE=docker|podman  which engine (default: the first that answers)
#   AZURE_EVENTHUB_IMAGE=name:tag        the tag to build (default azure-eventhub:smoke)
set -euo pipefail
cd "$(dirname "$0")/.."

engine="${AZURE_EVENTHUB_ENGINE:-}"
if [[ -z "$engine" ]]; then
    for candidate in docker podman; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" info >/dev/null 2>&1; then
            engine="$candidate"
            break
        fi
    done
fi
if [[ -z "$engine" ]] || ! "$engine" info >/dev/null 2>&1; then
    echo "build_image: no container engine answers (tried: ${engine:-docker, podman}; '<engine> info' must succeed)." >&2
    echo "build_image: without one, the image lane of the test suite is what checks the module as deployed." >&2
    exit 2
fi
image="${AZURE_EVENTHUB_IMAGE:-azure-eventhub:smoke}"

echo "=== building $image with $engine"
"$engine" build --tag "$image" .

echo "=== smoke delivery with $image"
bash scripts/setup.sh
AZURE_EVENTHUB_ENGINE="$engine" AZURE_EVENTHUB_IMAGE="$image" \
    exec .venv/bin/python -m pytest tests/e2e/image_smoke.py -v "$@"
