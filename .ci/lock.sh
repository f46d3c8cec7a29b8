#!/usr/bin/env bash
# Refresh the locks from pyproject.toml with uv (pinned here), then commit both files:
#   requirements-test.lock  the project, its `test` extra and everything they need
#   requirements.lock       the project and its `serve` extra, pinned to the same versions
# Exact versions and SHA-256 hashes, for Linux x86_64 and CPython 3.11, the platform CI and the
# README's commands run on. torch is the CPU build this machine kind keeps in its local wheel
# store (pip's find-links); PyPI's Linux torch is a CUDA build of several GB.
#   bash .ci/lock.sh             keep the pinned versions that still satisfy pyproject.toml
#   bash .ci/lock.sh --upgrade   take the newest releases the version ranges allow
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
tool="$(mktemp -d)"
trap 'rm -rf "$tool"' EXIT
python3 -m venv "$tool/venv"
"$tool/venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
uv="$tool/venv/bin/uv"
# uv reads no pip.conf: hand it the machine's local wheel store where there is one.
links=()
for dir in ${PIP_FIND_LINKS:-} /opt/wheels; do
    [ -d "$dir" ] && links+=(--find-links "$dir")
done
common=(--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28
        --no-emit-find-links --no-header --quiet "${links[@]}" "$@")
fp="$(python3 .ci/pyproject_deps.py fingerprint)"
header() {
    printf '# %s: made by `bash .ci/lock.sh` (uv %s) from pyproject.toml; do not edit by hand.\n' "$1" "$UV_VERSION"
    printf '# Linux x86_64, CPython 3.11; install with pip --require-hashes (tests/run.sh, README).\n'
    printf '# pyproject-deps-sha256: %s\n' "$fp"
}
# uv keeps the versions already pinned in the output file unless --upgrade is given.
body="$tool/test.txt"
[ -f requirements-test.lock ] && grep -v '^#' requirements-test.lock > "$body" || true
"$uv" pip compile pyproject.toml --extra test "${common[@]}" -o "$body"
{ header requirements-test.lock; cat "$body"; } > requirements-test.lock
runtime="$tool/run.txt"
"$uv" pip compile pyproject.toml --extra serve -c requirements-test.lock "${common[@]}" \
    -o "$runtime"
# The constraint file shows up in uv's "# via" notes; name it as committed, not the temp path.
{ header requirements.lock; cat "$runtime"; } > requirements.lock
python3 .ci/pyproject_deps.py check requirements.lock requirements-test.lock
echo "locked: $(grep -c '==' requirements.lock) packages (run), $(grep -c '==' requirements-test.lock) (test)"
