"""Which worker of ``iocgate serve --workers N`` holds a connection (Linux ``/proc``)."""

from __future__ import annotations

import os
import time
from pathlib import Path

__all__ = ["children", "serving_worker", "wait_children"]


def children(parent: int) -> set[int]:
    """The process ids whose parent is ``parent``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
        if int(stat.rpartition(")")[2].split()[1]) == parent:
            found.add(int(entry.name))
    return found


def wait_children(
    parent: int, count: int, *, exclude: frozenset[int] = frozenset(), timeout: float = 30.0
) -> set[int]:
    """Wait until ``parent`` has ``count`` children, none of them in ``exclude``."""
    deadline = time.monotonic() + timeout
    while True:
        found = children(parent)
        if len(found) == count and not found & exclude:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{parent} has children {found}, expected {count} new ones")
        time.sleep(0.05)


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server side of the loopback connection ``client_port -> server_port``."""
    wanted_local = f"0100007F:{server_port:04X}"
    wanted_remote = f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted_local and fields[2] == wanted_remote:
            return fields[9]
    return None


def serving_worker(workers: set[int], server_port: int, client_port: int) -> int:
    """The worker holding the accepted end of the connection from ``client_port``."""
    inode = _socket_inode(server_port, client_port)
    assert inode is not None, f"no connection {client_port} -> {server_port}"
    target = f"socket:[{inode}]"
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == target:
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no worker of {workers} holds {target}")
