"""Bounds a hostile client meets (issue #16): header blocks bounded in the parser, so a flood
costs no memory; headers must arrive in time; one address cannot take every connection."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx

from tests.support.processes import clean_env, free_port, running, wait_http


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def send_huge_header(port: int, size: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        chunk = b"a" * (1024 * 1024)
        try:
            for _ in range(size // len(chunk)):
                sock.sendall(chunk)
        except OSError:  # refused and closed by the server: what we want
            pass


def test_a_header_flood_is_refused_without_growing_memory(tmp_path: Path) -> None:
    rest, mcp = free_port(), free_port()
    args = ["serve", "--demo", "--rest-port", str(rest), "--mcp-port", str(mcp)]
    with running(args, clean_env(tmp_path)) as process:
        base = f"http://127.0.0.1:{rest}"
        wait_http(base + "/healthz")
        wait_http(f"http://127.0.0.1:{mcp}/healthz")
        before = rss_mb(process.pid)
        floods = [
            threading.Thread(target=send_huge_header, args=(port, 64 * 1024 * 1024))
            for port in (rest, rest, mcp, mcp)
        ]
        for flood in floods:
            flood.start()
        for flood in floods:
            flood.join(60)
        growth = rss_mb(process.pid) - before
        huge = httpx.get(base + "/healthz", headers={"X-Big": "a" * 64 * 1024}, timeout=5)
        fine = httpx.get(base + "/healthz", headers={"X-Fine": "a" * 8 * 1024}, timeout=5)
    assert huge.status_code == 431
    assert huge.json()["error"]["code"] == "RequestHeaderFieldsTooLargeError"
    assert fine.status_code == 200
    assert growth <= 16, f"RSS grew {growth:.1f} MB under four 64 MB headers"


def test_slow_and_idle_connections_are_closed_and_one_address_cannot_take_them_all(
    tmp_path: Path,
) -> None:
    rest, mcp = free_port(), free_port()
    env = clean_env(tmp_path, IOCGATE_HEADER_TIMEOUT="2", IOCGATE_CLIENT_CONNECTIONS="20")
    args = ["serve", "--demo", "--rest-port", str(rest), "--mcp-port", str(mcp)]
    with running(args, env):
        base = f"http://127.0.0.1:{rest}"
        wait_http(base + "/healthz")
        held = []
        for n in range(20):  # slow-loris: half a header each, or nothing at all
            sock = socket.create_connection(("127.0.0.1", rest))
            if n % 2:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            held.append(sock)
        try:
            time.sleep(0.3)
            extra = socket.create_connection(("127.0.0.1", rest))
            extra.settimeout(5)
            refused = extra.recv(4096)
            extra.close()
            # Another address is served meanwhile (127.0.0.2 is loopback too on Linux).
            other = socket.create_connection(("127.0.0.1", rest), source_address=("127.0.0.2", 0))
            other.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            other.settimeout(5)
            served = other.recv(4096)
            other.close()
            started = time.monotonic()
            for sock in held:
                sock.settimeout(10)
                assert sock.recv(4096) == b""  # closed by the server, not by us
            closed_after = time.monotonic() - started
        finally:
            for sock in held:
                sock.close()
        answered = httpx.get(base + "/healthz", timeout=5)
    assert refused.startswith(b"HTTP/1.1 503")
    assert served.startswith(b"HTTP/1.1 200")
    assert closed_after < 4
    assert answered.status_code == 200


def _response(sock: socket.socket) -> bytes:
    """One whole response to a /healthz GET (its small body included)."""
    data = b""
    while b"\r\n\r\n" not in data or not data.endswith(b"}"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_the_header_deadline_holds_for_every_request_of_a_keep_alive_connection(
    tmp_path: Path,
) -> None:
    # One timer per connection, moved on lazily: requests in time keep being served past the
    # first deadline, and a later request whose headers stall is still cut off.
    rest, mcp = free_port(), free_port()
    env = clean_env(tmp_path, IOCGATE_HEADER_TIMEOUT="2")
    args = ["serve", "--demo", "--rest-port", str(rest), "--mcp-port", str(mcp)]
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with running(args, env):
        wait_http(f"http://127.0.0.1:{rest}/healthz")
        with socket.create_connection(("127.0.0.1", rest)) as sock:
            sock.settimeout(10)
            answers = []
            for _ in range(4):  # 3.6 s on one connection, each request's headers in time
                sock.sendall(request)
                answers.append(_response(sock))
                time.sleep(1.2)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            started = time.monotonic()
            assert sock.recv(4096) == b""  # closed by the server, not by us
            closed_after = time.monotonic() - started
    assert all(a.startswith(b"HTTP/1.1 200") for a in answers)
    assert 1.0 < closed_after < 4
