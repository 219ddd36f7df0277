"""Bounds a hostile client meets: slow header senders hold no one up; huge headers are refused."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from tests.support.processes import clean_env, free_port, running, wait_http


def test_slow_clients_do_not_hold_the_server_and_huge_headers_are_refused(tmp_path: Path) -> None:
    rest, mcp = free_port(), free_port()
    args = ["serve", "--demo", "--rest-port", str(rest), "--mcp-port", str(mcp)]
    with running(args, clean_env(tmp_path)):
        base = f"http://127.0.0.1:{rest}"
        wait_http(base + "/healthz")
        slow = []
        for _ in range(50):  # slow-loris: each sends half a request line and stalls
            sock = socket.create_connection(("127.0.0.1", rest))
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            slow.append(sock)
        try:
            answered = httpx.get(base + "/healthz", timeout=5)
            assert answered.status_code == 200
            huge = httpx.get(base + "/healthz", headers={"X-Big": "a" * 64 * 1024}, timeout=5)
            assert huge.status_code == 431
        finally:
            for sock in slow:
                sock.close()
