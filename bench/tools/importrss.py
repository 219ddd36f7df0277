"""RSS each top-level package adds while `iocgate serve` starts (bench/FINDINGS.md, round 4).

Runs `iocgate serve ARGS` with `builtins.__import__` wrapped: the RSS an import adds is charged
to its top-level package (iocgate's own modules by full name), less what the nested imports of
other packages added. SIGUSR1 writes the table to $RSSOUT (default /dev/stdout) and exits.

    RSSOUT=/tmp/rss.txt .venv/bin/python bench/tools/importrss.py serve --rest-port 18941 \
        --mcp-port 18942 &    # demo mode; add --upstream URL and VIRUSTOTAL_API_KEY for a key
    curl -s 127.0.0.1:18942/healthz; kill -USR1 %1; sort -k2 -rn /tmp/rss.txt | head -30
"""

import builtins
import collections
import os
import signal
import sys

cost: collections.Counter[str] = collections.Counter()
stack: list[str] = []
original = builtins.__import__


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def charged(name: str, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002
    if level or name in sys.modules:
        return original(name, globals, locals, fromlist, level)
    top = name if name.startswith("iocgate") else name.split(".")[0]
    before = rss()
    stack.append(top)
    try:
        return original(name, globals, locals, fromlist, level)
    finally:
        stack.pop()
        added = rss() - before
        if top not in stack:  # charged once, to the outermost import of this package
            cost[top] += added
            if stack:
                cost[stack[-1]] -= added


def report(*_: object) -> None:
    with open(os.environ.get("RSSOUT", "/dev/stdout"), "w") as out:
        out.write(f"total-rss {rss() / 1e6:.1f}\n")
        for name, added in cost.most_common():
            out.write(f"{name} {added / 1e6:.2f}\n")
    os._exit(0)


builtins.__import__ = charged
signal.signal(signal.SIGUSR1, report)
sys.argv = ["iocgate", *sys.argv[1:]]
from iocgate.cli import main  # noqa: E402

main()
