#!/usr/bin/env bash
# Set up and run the test suite on a fresh machine: a virtualenv with the project and its test
# extras, tmux for the real-terminal test, then pytest. Used by the README and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
if ! command -v tmux >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq tmux) >/dev/null 2>&1 \
        || echo "tests/run.sh: could not install tmux; the real-terminal test will be skipped" >&2
fi
exec .venv/bin/python -m pytest "$@"
