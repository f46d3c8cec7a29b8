"""A real `moderation serve` in a subprocess on a free loopback port, for the server's tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

TESTS = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[str]
    url: str
    db: Path
    log: Path

    def stop(self) -> str:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.log.read_text(errors="replace")


def config_file(tmp: Path, **serve: object) -> Path:
    lines = ["[serve]"] + [f"{k} = {v!r}" for k, v in serve.items()]
    path = tmp / "serve.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def start(tmp: Path, *, model: str = "builtin:linear-tox", config: Path | None = None,
          extra: tuple[str, ...] = ()) -> Server:
    port = free_port()
    db = tmp / "serve.db"
    log = tmp / f"serve-{port}.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(TESTS), os.environ.get("PYTHONPATH", "")]))
    args = [sys.executable, "-m", "moderation", "--db", str(db)]
    if config is not None:
        args += ["--config", str(config)]
    args += ["serve", "--port", str(port), "--model", model, "--log-level", "warning", *extra]
    with log.open("w") as fh:
        proc = subprocess.Popen(args, cwd=tmp, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{url}/$discovery/rest?version=v1alpha1", timeout=1).status_code == 200:
                return Server(proc, url, db, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not start: {log.read_text()}")
