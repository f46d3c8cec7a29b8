#!/usr/bin/env bash
# CI jobs beside the full suite, each in its own throwaway virtualenv, each running the quick
# tests (import smoke, parser, store):
#   pythons   every CPython newer than 3.11 on this machine, with the locked versions. torch and
#             detoxify are left out there: the lock's torch is the CPU build for 3.11, and PyPI's
#             Linux torch is a CUDA build of several GB; the quick tests import neither.
#   newest    3.11 with the newest releases pyproject.toml's ranges allow (no lock): the day an
#             upgrade breaks us it is reported here, while the locked jobs stay green. It warns
#             unless MODERATION_CI_STRICT_NEWEST=1, which makes it fail the run.
# usage: bash .ci/compat_jobs.sh pythons|newest
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=(tests/test_imports.py tests/test_parse_*.py tests/test_store.py tests/test_migrations.py)
NO_TORCH=torch,detoxify

newer_pythons() {
    # python3.N on PATH, else pyenv's newest 3.N.x; 3.12 up to 3.20.
    local minor found
    for minor in $(seq 12 20); do
        found=""
        if command -v "python3.$minor" >/dev/null && "python3.$minor" -c '' 2>/dev/null; then
            found="$(command -v "python3.$minor")"
        elif command -v pyenv >/dev/null; then
            found="$(ls -d "$(pyenv root)"/versions/3."$minor".*/bin/python3 2>/dev/null \
                     | sort -V | tail -1)"
        fi
        [ -n "$found" ] && echo "$found"
    done
    return 0
}

quick_tests() {  # VENV_DIR LABEL
    "$1/bin/python" -m pytest -q -p no:cacheprovider "${QUICK[@]}" 2>&1 | tail -3 \
        | sed "s/^/    [$2] /"
    return "${PIPESTATUS[0]}"
}

job_pythons() {
    local work py label status=0 ran=0
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    python3 .ci/pyproject_deps.py lock-without requirements-test.lock "$NO_TORCH" > "$work/lock.txt"
    for py in $(newer_pythons); do
        label="python $("$py" -c 'import platform; print(platform.python_version())')"
        "$py" -m venv "$work/venv-$ran"
        local pip=("$work/venv-$ran/bin/python" -m pip --disable-pip-version-check --quiet)
        if "${pip[@]}" install --require-hashes -r "$work/lock.txt" \
                && "${pip[@]}" install --no-deps . && quick_tests "$work/venv-$ran" "$label"; then
            echo "pythons job: $label: the quick tests pass with the locked versions"
        else
            echo "pythons job: FAILED on $label (locked versions, without $NO_TORCH)" >&2
            status=1
        fi
        ran=$((ran + 1))
    done
    [ "$ran" -gt 0 ] || echo "pythons job: no CPython newer than 3.11 on this machine"
    return "$status"
}

job_newest() {
    local work
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    python3 -m venv "$work/venv"
    local pip=("$work/venv/bin/python" -m pip --disable-pip-version-check --quiet)
    if "${pip[@]}" install --upgrade --upgrade-strategy eager '.[test]' \
            && quick_tests "$work/venv" "newest"; then
        echo "newest job: the quick tests pass with the newest releases the ranges allow"
        return 0
    fi
    "$work/venv/bin/python" -m pip list --format=freeze 2>/dev/null > "$work/newest.txt" || true
    echo "newest job: WARNING: the newest releases that pyproject.toml's ranges allow break the" \
         "quick tests (the locked suite is unaffected). Versions that differ from the lock:" >&2
    grep -v '^#' requirements-test.lock | grep -o '^[A-Za-z0-9_.-]*==[^ ]*' \
        | sort > "$work/locked.txt" || true
    sort "$work/newest.txt" | comm -13 "$work/locked.txt" - | sed 's/^/    /' >&2 || true
    echo "newest job: fix the code or cap the range in pyproject.toml, then 'bash .ci/lock.sh" \
         "--upgrade'" >&2
    [ "${MODERATION_CI_STRICT_NEWEST:-0}" = 1 ] && return 1
    return 0
}

case "${1:-}" in
    pythons) job_pythons ;;
    newest) job_newest ;;
    *) echo "usage: bash .ci/compat_jobs.sh pythons|newest" >&2; exit 2 ;;
esac
