"""The lock files against pyproject.toml: fingerprint, check, and requirement lists for CI jobs.

usage: python3 .ci/pyproject_deps.py fingerprint
       python3 .ci/pyproject_deps.py check requirements.lock requirements-test.lock
       python3 .ci/pyproject_deps.py list [--extra NAME]... [--without NAME,NAME]
       python3 .ci/pyproject_deps.py lock-without LOCK NAME,NAME

The locks are made by uv (`bash .ci/lock.sh`), never by hand. Each carries, on a comment line,
the SHA-256 of what pyproject.toml asks for (requires-python, dependencies, every extra), so a
pyproject.toml edited without refreshing the locks is caught before anything installs. Standard
library only: it runs before any virtualenv exists, on any Python the project supports.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "# pyproject-deps-sha256: "
REFRESH = "bash .ci/lock.sh"


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def fingerprint() -> str:
    p = project()
    wanted = {"requires-python": p.get("requires-python"),
              "dependencies": sorted(p.get("dependencies", [])),
              "optional-dependencies": {k: sorted(v) for k, v in
                                        sorted(p.get("optional-dependencies", {}).items())}}
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()


def check(locks: list[str]) -> int:
    want = fingerprint()
    bad = []
    for name in locks:
        path = ROOT / name
        if not path.is_file():
            bad.append(f"{name} is missing")
            continue
        found = [line[len(MARK):].strip() for line in path.read_text(encoding="utf-8").splitlines()
                 if line.startswith(MARK)]
        if found != [want]:
            bad.append(f"{name} was locked for another pyproject.toml "
                       f"({found[0][:12] if found else 'no fingerprint'} != {want[:12]})")
    for line in bad:
        print(f"lock check: {line}", file=sys.stderr)
    if bad:
        print(f"lock check: pyproject.toml's dependencies changed since the locks were made; "
              f"refresh them with `{REFRESH}` and commit the result", file=sys.stderr)
        return 1
    return 0


def _name(req: str) -> str:
    return re.split(r"[\s<>=!~\[;(]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def requirements(extras: list[str], without: set[str]) -> list[str]:
    p = project()
    reqs = list(p.get("dependencies", []))
    for extra in extras:
        reqs += p.get("optional-dependencies", {})[extra]
    return [r for r in reqs if _name(r) not in without]


def lock_without(lock: str, names: set[str]) -> str:
    """The lock's text with the named packages' entries (pin, hashes, notes) left out."""
    out: list[str] = []
    skipping = False
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            skipping = _name(line) in names
        if not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "fingerprint":
        print(fingerprint())
        return 0
    if cmd == "check":
        return check(rest)
    if cmd == "lock-without" and len(rest) == 2:
        sys.stdout.write(lock_without(rest[0], {n.strip().lower() for n in rest[1].split(",")}))
        return 0
    if cmd == "list":
        extras: list[str] = []
        without: set[str] = set()
        while rest:
            flag, value, rest = rest[0], rest[1], rest[2:]
            if flag == "--extra":
                extras.append(value)
            elif flag == "--without":
                without |= {n.strip().lower() for n in value.split(",") if n.strip()}
        print("\n".join(requirements(extras, without)))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
