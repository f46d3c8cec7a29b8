#!/usr/bin/env bash
# Set up and run the test suite on a fresh machine: a virtualenv with exactly the locked
# versions (requirements-test.lock, hash-checked), the project itself on top, tmux for the
# real-terminal test, then pytest. Used by the README and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
"$python" .ci/pyproject_deps.py check requirements.lock requirements-test.lock
"$python" -m venv .venv
pip=(.venv/bin/python -m pip --disable-pip-version-check)
if ! "${pip[@]}" install --quiet --require-hashes -r requirements-test.lock; then
    echo "tests/run.sh: installing the locked versions failed (the lock is for CPython 3.11 on" \
         "Linux x86_64; this is $("$python" -c 'import platform; print(platform.python_version(), platform.machine())'))" >&2
    exit 1
fi
"${pip[@]}" install --quiet --no-deps -e .
"${pip[@]}" check
if ! command -v tmux >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq tmux) >/dev/null 2>&1 \
        || echo "tests/run.sh: could not install tmux; the real-terminal test will be skipped" >&2
fi
exec .venv/bin/python -m pytest "$@"
