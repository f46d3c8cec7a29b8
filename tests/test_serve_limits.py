"""The server under keys, limits and hostile clients; the micro-batcher that feeds its model."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from serve_process import config_file, start
from wordlist_scorer import WordList

from moderation.scoring.batcher import MicroBatcher, Overloaded

ANALYZE = "/v1alpha1/comments:analyze"
BODY = {"comment": {"text": "you absolute idiot"}, "requestedAttributes": {"TOXICITY": {}},
        "doNotStore": True}


def cli(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "moderation", "--db", str(tmp / "serve.db"),
                           *args], cwd=tmp, capture_output=True, text=True, timeout=120,
                          check=False)


def test_keys_required_once_any_exists_and_revocation_takes_effect(tmp_path: Path) -> None:
    added = cli(tmp_path, "keys", "add", "coral")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert key.startswith("mod_") and "shown only now" in added.stderr
    listed = cli(tmp_path, "keys", "list")
    assert "coral" in listed.stdout and key not in listed.stdout
    assert key.encode() not in (tmp_path / "serve.db").read_bytes()  # only its hash is kept
    assert cli(tmp_path, "keys", "add", "coral").returncode == 2  # names are unique
    srv = start(tmp_path)
    try:
        url = srv.url + ANALYZE
        missing = httpx.post(url, json=BODY)
        assert missing.status_code == 403 and missing.json()["error"]["status"] == \
            "PERMISSION_DENIED"
        wrong = httpx.post(url, params={"key": key + "x"}, json=BODY)
        assert wrong.status_code == 400 and "API key not valid" in wrong.json()["error"][
            "message"]
        assert httpx.post(url, params={"key": key}, json=BODY).status_code == 200
        assert httpx.post(url, headers={"x-goog-api-key": key}, json=BODY).status_code == 200
        revoked = cli(tmp_path, "keys", "revoke", "coral")
        assert revoked.returncode == 0, revoked.stderr
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if httpx.post(url, params={"key": key}, json=BODY).status_code == 400:
                break
            time.sleep(0.5)
        else:
            pytest.fail("a revoked key was still accepted after 15 s")
    finally:
        srv.stop()
    assert cli(tmp_path, "keys", "revoke", "nobody").returncode == 2


def test_no_keys_refuses_to_listen_beyond_loopback(tmp_path: Path) -> None:
    done = cli(tmp_path, "serve", "--host", "0.0.0.0", "--port", "1", "--model",
               "builtin:linear-tox")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "refusing to listen on 0.0.0.0 without API keys" in done.stderr


def test_rate_limit_answers_429(tmp_path: Path) -> None:
    srv = start(tmp_path, config=config_file(tmp_path, rate_per_second=1.0, rate_burst=3))
    try:
        answers = [httpx.post(srv.url + ANALYZE, json=BODY) for _ in range(6)]
        codes = [a.status_code for a in answers]
        assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
        # the 429 itself (a seventh request could find a token refilled on a slow machine)
        limited = next(a for a in answers if a.status_code == 429)
        assert limited.json()["error"]["details"][0]["errorType"] == "RATE_LIMIT_EXCEEDED"
        assert limited.headers["retry-after"] == "1"
    finally:
        srv.stop()


def test_slow_and_silent_clients_do_not_hold_up_others(tmp_path: Path) -> None:
    srv = start(tmp_path, config=config_file(tmp_path, body_timeout_s=2.0,
                                             rate_per_second=1000.0, rate_burst=1000))
    host, port = "127.0.0.1", int(srv.url.rsplit(":", 1)[1])
    try:
        slow = []
        for _ in range(20):  # each promises a body and sends a byte of it
            s = socket.create_connection((host, port))
            s.sendall(b"POST " + ANALYZE.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{")
            slow.append(s)
        # A client that sends a request and never reads the answer.
        mute = socket.create_connection((host, port))
        mute.sendall(b"GET /$discovery/rest HTTP/1.1\r\nHost: x\r\n\r\n" * 50)
        start_t = time.monotonic()
        for _ in range(10):
            assert httpx.post(srv.url + ANALYZE, json=BODY, timeout=5).status_code == 200
        assert time.monotonic() - start_t < 5
        slow[0].settimeout(10)
        answer = b""
        while b"not received within" not in answer:
            chunk = slow[0].recv(4096)
            if not chunk:
                break
            answer += chunk
        assert b"408" in answer.split(b"\r\n", 1)[0] and b"not received within" in answer
        for s in [*slow, mute]:
            s.close()
    finally:
        srv.stop()


def test_a_burst_gets_answers_or_429s_and_memory_stays_bounded(tmp_path: Path) -> None:
    srv = start(tmp_path, config=config_file(tmp_path, rate_per_second=100000.0,
                                             rate_burst=100000, max_queue=32, max_batch=16))

    def rss_kib() -> int:
        for line in Path(f"/proc/{srv.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    resent: list[int] = []

    async def burst(n: int, concurrency: int) -> list[int]:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            sem = asyncio.Semaphore(concurrency)

            async def one() -> int:
                async with sem:
                    try:
                        return (await client.post(srv.url + ANALYZE, json=BODY)).status_code
                    except (httpx.ReadError, httpx.RemoteProtocolError):
                        # a pooled keep-alive connection the server closed as idle just as
                        # the request went out (the keep-alive race every HTTP client meets
                        # on a loaded machine): sent again once, as clients do, and counted
                        resent.append(1)
                        return (await client.post(srv.url + ANALYZE, json=BODY)).status_code
            return list(await asyncio.gather(*(one() for _ in range(n))))
    try:
        asyncio.run(burst(200, 64))  # warm up
        before = rss_kib()
        codes = asyncio.run(burst(2_000, 256))
        after = rss_kib()
        assert set(codes) <= {200, 429} and codes.count(200) > 0
        assert len(resent) * 50 <= 2_200, f"{len(resent)} requests met a closed connection"
        assert after - before < 100 * 1024, f"RSS grew {(after - before) / 1024:.0f} MiB"
    finally:
        log = srv.stop()
    assert "Traceback" not in log


# -- the micro-batcher, with a real (word list) scorer --------------------------------------

def test_batcher_gathers_concurrent_callers_into_batches(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setenv("WORDLIST_DELAY", "0.05")  # a model busy for 50 ms a batch
    sizes: list[int] = []

    class Counting(WordList):
        def score(self, texts):  # type: ignore[no-untyped-def]
            sizes.append(len(texts))
            return super().score(texts)
    batcher = MicroBatcher(Counting(), max_batch=16, max_queue=256)
    # A lone request, the model idle: it is scored at once, alone.
    assert len(batcher.submit(["a lone idiot"]).result(timeout=30)) == 1
    assert sizes == [1]
    sizes.clear()
    results: list[float] = []
    lock = threading.Lock()

    def caller(i: int) -> None:
        (s,) = batcher.submit([f"comment {i} idiot"]).result(timeout=30)
        with lock:
            results.append(s.labels["toxicity"])
    threads = [threading.Thread(target=caller, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batcher.close()
    assert len(results) == 64 and all(v > 0 for v in results)
    assert max(sizes) <= 16 and len(sizes) < 64 / 2  # batched, never over the cap


def test_batcher_refuses_when_full_and_survives_a_failing_model(monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    monkeypatch.setenv("WORDLIST_DELAY", "0.2")
    batcher = MicroBatcher(WordList(), max_batch=4, max_queue=8)
    futures = [batcher.submit(["a"]) for _ in range(8)]
    with pytest.raises(Overloaded, match="queue full"):
        for _ in range(20):
            futures.append(batcher.submit(["b"]))
    assert all(len(f.result(timeout=30)) == 1 for f in futures)

    class Broken(WordList):
        def score(self, texts):  # type: ignore[no-untyped-def]
            raise RuntimeError("model exploded")
    monkeypatch.setenv("WORDLIST_DELAY", "0")
    broken = MicroBatcher(Broken(), max_batch=4, max_queue=8)
    with pytest.raises(RuntimeError, match="exploded"):
        broken.submit(["x"]).result(timeout=30)
    with pytest.raises(RuntimeError, match="exploded"):  # the thread lives on
        broken.submit(["y"]).result(timeout=30)
    broken.close()
    batcher.close()


def test_serve_without_the_extra_says_how_to_install(tmp_path: Path) -> None:
    # A Python whose import of starlette fails (a directory that shadows it).
    shadow = tmp_path / "shadow"
    (shadow / "starlette").mkdir(parents=True)
    (shadow / "starlette" / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = dict(os.environ, PYTHONPATH=str(shadow))
    done = subprocess.run([sys.executable, "-m", "moderation", "--db", str(tmp_path / "x.db"),
                           "serve"], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.returncode == 2 and "pip install 'moderation[serve]'" in done.stderr
