#!/usr/bin/env bash
# Fail when requirements.txt or requirements-dev.txt is not what pyproject.toml compiles to.
#
# Both locks are compiled again from scratch, into a temporary folder, with the flags that made them,
# and compared with the committed ones; only the header line that repeats the command is ignored.
# pyproject.toml's [tool.uv] exclude-newer date makes the resolution repeatable: a release published
# after it does not fail this check, while a changed pyproject.toml, a hand edit or a wrong hash does.
# (Starting from a copy of the committed lock would not do: uv keeps its pins and their hashes.)
#
# Usage (from anywhere): bash scripts/check_locks.sh  (needs the index; uv from $UV, .venv or PATH)
# To update the locks after editing pyproject.toml, run the two commands printed on failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The project's venv first: scripts/setup.sh installs the uv the locks were made with.
uv="${UV:-}"
if [[ -z "$uv" ]]; then
    if [[ -x "$root/.venv/bin/uv" ]]; then
        uv="$root/.venv/bin/uv"
    elif command -v uv >/dev/null 2>&1; then
        uv="uv"
    else
        echo "check_locks: uv not found (set UV, or run scripts/setup.sh)" >&2
        exit 2
    fi
fi

locked_uv="$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.txt)"
running_uv="$("$uv" --version | awk '{print $2}')"
if [[ -n "$locked_uv" && "$locked_uv" != "$running_uv" ]]; then
    echo "check_locks: warning: uv $running_uv compiles, the locks were made with uv $locked_uv" >&2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

declare -A extra_flags=([requirements.txt]="" [requirements-dev.txt]="--group dev")
status=0
for lock in requirements.txt requirements-dev.txt; do
    if [[ ! -f "$lock" ]]; then
        echo "check_locks: $lock is missing" >&2
        status=1
        continue
    fi
    # shellcheck disable=SC2086  # extra_flags holds zero or two words
    if ! "$uv" pip compile pyproject.toml ${extra_flags[$lock]} --generate-hashes --python-version 3.11 \
        --quiet -o "$tmp/$lock" >/dev/null 2>"$tmp/$lock.err"; then
        echo "check_locks: uv could not compile $lock:" >&2
        cat "$tmp/$lock.err" >&2
        status=1
        continue
    fi
    if ! diff -u -I '^#[[:space:]]*uv pip compile ' "$lock" "$tmp/$lock" >"$tmp/$lock.diff"; then
        echo "check_locks: $lock does not match pyproject.toml; recompile it from the repository root with:" >&2
        echo "  uv pip compile pyproject.toml ${extra_flags[$lock]:+${extra_flags[$lock]} }--generate-hashes --python-version 3.11 -o $lock" >&2
        head -n 60 "$tmp/$lock.diff" >&2
        status=1
    fi
done

if grep -n -E '(--index-url|--extra-index-url|--find-links|://)' requirements.txt requirements-dev.txt >&2; then
    echo "check_locks: a lock names an index or a URL (lines above); only names, versions and hashes belong there" >&2
    status=1
fi

if [[ $status -eq 0 ]]; then
    echo "check_locks: requirements.txt and requirements-dev.txt match pyproject.toml"
fi
exit $status
