#!/usr/bin/env bash
# Run a test command (pytest) and count exit code 5, "no tests collected", as success:
# a sub-suite of `make test` may legitimately select nothing yet. Every other code passes through.
#   usage: bash scripts/pytest_ok5.sh .venv/bin/python -m pytest ARGS...
set -u
"$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "[pytest_ok5] no tests collected by: $* -- counted as success" >&2
    exit 0
fi
exit "$rc"
