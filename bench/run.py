#!/usr/bin/env python3
"""iocgate benchmarks: the gateway against the framework limit and against peers, in one run.

    make bench                      # = .venv/bin/python bench/run.py (about 7 minutes)
    .venv/bin/python bench/run.py --quick            # smoke run, about a minute
    .venv/bin/python bench/run.py --profile          # also py-spy profiles of the gateway

Starts the VirusTotal simulator, iocgate and the comparison servers, drives them with Debian's
`wrk` (installed with apt-get when missing), and writes `bench/results/results.md` (committed)
and `results.json` + `chart.png` under `bench/.work/data/` (never committed). The chart,
FastMCP and py-spy live in their own venv, `bench/.venv`, created here: fastmcp
monkeypatches `mcp_types` at import, so it must never be importable from the project's venv. Stdlib only: this script runs with the project's interpreter but never imports iocgate.
See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
RESULTS = BENCH / "results"
BENCH_VENV = BENCH / ".venv"
PROJECT_BIN = Path(sys.executable).parent
IOCGATE = PROJECT_BIN / "iocgate"

SERVER_CORE = "0"
CLIENT_CORE = "1"
TARGET_BODY_BYTES = 100_000
MCP_TOOL = "get-summary-all-behavior-reports"
FASTMCP_TOOL = "get_summary_all_behavior_reports"  # FastMCP slugifies operation ids
# The orchestration path: a flow of three upstream calls (bench/capabilities/flow.yml).
FLOW_CAPABILITY = BENCH / "capabilities" / "flow.yml"
FLOW_PATH = "/v1/profiles/{sha256}"
FLOW_TOOL = "file-profile"

#: The bench venv's packages, pinned for repeatable figures (uvloop/httptools follow the project).
BENCH_REQUIREMENTS = ["fastmcp==4.1.6", "matplotlib==3.11.2", "py-spy==0.4.3", "sniffio==1.3.1"]

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Set-up: wrk, taskset, curl, the bench venv


def ensure_tools() -> None:
    missing = [tool for tool in ("wrk", "curl") if shutil.which(tool) is None]
    if missing:
        say(f"{' and '.join(missing)} not found: installing Debian's package(s) with apt-get")
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            sys.exit(f"bench: please install {' '.join(missing)} (apt-get install -y ...)")
        subprocess.run(["apt-get", "update", "-qq"], check=False, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True)
    if shutil.which("taskset") is None:
        say("taskset not found (util-linux): processes will not be pinned to cores")


def pinned(core: str | None, argv: list[str]) -> list[str]:
    if core is None or shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return argv
    return ["taskset", "-c", core, *argv]


def project_versions(python: Path, names: list[str]) -> dict[str, str]:
    code = (
        "import json, sys, importlib.metadata as m\n"
        "out = {}\n"
        "for n in sys.argv[1:]:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run(
        [str(python), "-c", code, *names], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def ensure_bench_venv() -> Path:
    python = BENCH_VENV / "bin" / "python"
    shared = project_versions(Path(sys.executable), ["uvloop", "httptools"])
    wanted = BENCH_REQUIREMENTS + [f"{name}=={version}" for name, version in shared.items()]
    stamp = BENCH_VENV / ".bench-requirements"
    if python.exists() and stamp.exists() and stamp.read_text() == "\n".join(wanted):
        return python
    base = getattr(sys, "_base_executable", None) or sys.executable
    say(f"creating the bench venv {BENCH_VENV.relative_to(REPO)} ({', '.join(wanted)})")
    if not python.exists():
        subprocess.run([base, "-m", "venv", str(BENCH_VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *wanted], check=True)
    stamp.write_text("\n".join(wanted))
    return python


# --------------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    name: str
    argv: list[str]
    core: str | None = SERVER_CORE
    env: dict[str, str] | None = None
    popen: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    def start(self) -> Proc:
        self.log = WORK / "logs" / f"{self.name}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as out:
            self.popen = subprocess.Popen(
                pinned(self.core, self.argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=WORK,
                start_new_session=True,  # its own process group, which we stop by its id
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=8)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)

    def tail(self) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")[-2000:]


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in kB."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def reset_peak_rss(pid: int) -> None:
    """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs), so a peak is per point."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def proc_cpu_seconds(pid: int) -> float:
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def proc_tree(pid: int) -> list[int]:
    """``pid`` and its children (the workers of `iocgate serve --workers N`)."""
    with contextlib.suppress(OSError, ValueError):
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [pid, *(int(child) for child in text.split())]
    return [pid]


def tree_cpu_seconds(pid: int) -> float:
    return sum(proc_cpu_seconds(p) for p in proc_tree(pid))


def tree_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM summed over ``pid`` and its children, in kB."""
    total: dict[str, int] = {}
    for p in proc_tree(pid):
        for key, value in proc_status(p).items():
            total[key] = total.get(key, 0) + value
    return total


def tree_pss_kb(pid: int) -> int:
    """Proportional set size summed over ``pid`` and its children: shared pages counted once."""
    total = 0
    for p in proc_tree(pid):
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total


def reset_tree_peak_rss(pid: int) -> None:
    for p in proc_tree(pid):
        reset_peak_rss(p)


_SAMPLE = re.compile(r'^(iocgate_[a-z_]+)(?:\{([^}]*)\})? (\S+)$', re.M)


def stall_metrics(base: str) -> dict[str, float]:
    """The gateway's event-loop lag histogram and full-collection pauses, from /metrics."""
    status, _, raw = http(base + "/metrics")
    if status != 200:
        return {}
    out: dict[str, float] = {}
    for name, labels, value in _SAMPLE.findall(raw.decode()):
        if name == "iocgate_event_loop_lag_seconds_bucket":
            out["lag_le_" + labels.split('"')[1]] = float(value)
        elif name.startswith("iocgate_gc_pause_seconds_") and 'generation="2"' in labels:
            out["gc2_" + name.rsplit("_", 1)[1]] = float(value)
    return out


def stall_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float | None]:
    """Loop lag p99 and max (upper bounds of histogram buckets, ms) and full GCs in a point."""
    buckets = sorted(
        (float("inf") if k == "lag_le_+Inf" else float(k[7:]), after[k] - before.get(k, 0.0))
        for k in after
        if k.startswith("lag_le_")
    )
    total = buckets[-1][1] if buckets else 0.0

    def bound(q: float) -> float | None:
        for le, count in buckets:
            if total and count >= q * total:
                return le * 1000
        return None

    return {
        "lag_p99_ms": bound(0.99),
        "lag_max_ms": bound(1.0),
        "gc2_count": after.get("gc2_count", 0.0) - before.get("gc2_count", 0.0),
        "gc2_ms": 1000 * (after.get("gc2_sum", 0.0) - before.get("gc2_sum", 0.0)),
    }


def core_busy() -> dict[str, tuple[int, int]]:
    """Per core: (busy, total) jiffies."""
    out: dict[str, tuple[int, int]] = {}
    for line in Path("/proc/stat").read_text().splitlines():
        if re.match(r"cpu\d+ ", line):
            name, *values = line.split()
            numbers = [int(v) for v in values]
            idle = numbers[3] + numbers[4]
            out[name] = (sum(numbers[:8]) - idle, sum(numbers[:8]))
    return out


# --------------------------------------------------------------------------------------------
# HTTP helpers (stdlib)


def http(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def wait_http(url: str, proc: Proc, timeout: float = 60.0, interval: float = 0.05) -> float:
    """Seconds until ``url`` answers 200."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited:\n{proc.tail()}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            status, _, _ = http(url, timeout=2)
            if status == 200:
                return time.perf_counter() - start
        time.sleep(interval)
    raise RuntimeError(f"{proc.name} did not answer {url} within {timeout:.0f} s:\n{proc.tail()}")


def mcp_body(tool: str, sha256: str) -> bytes:
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": tool, "arguments": {"id": sha256}},
    }
    return json.dumps(call, separators=(",", ":")).encode()


MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def mcp_call(url: str, tool: str, sha256: str) -> dict[str, Any]:
    status, _, raw = http(url, method="POST", body=mcp_body(tool, sha256), headers=MCP_HEADERS)
    if status != 200:
        raise RuntimeError(f"{url} tools/call answered {status}: {raw[:300]!r}")
    reply = json.loads(raw)
    result = reply.get("result")
    if not isinstance(result, dict) or result.get("isError"):
        raise RuntimeError(f"{url} tools/call failed: {raw[:500]!r}")
    result["_reply_bytes"] = len(raw)
    return result


# --------------------------------------------------------------------------------------------
# wrk


def lua_script(
    name: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Path:
    lines = []
    if method != "GET":
        lines.append(f'wrk.method = "{method}"')
    if body is not None:
        text = body.decode()
        assert "]==]" not in text
        lines.append(f"wrk.body = [==[{text}]==]")
    for key, value in (headers or {}).items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    lines.append((BENCH / "lua" / "report.lua").read_text())
    path = WORK / "lua" / f"{name}.lua"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def run_wrk(
    url: str,
    conns: int,
    seconds: int,
    script: Path,
    *,
    core: str | None = CLIENT_CORE,
    threads: int = 1,
) -> dict[str, Any]:
    argv = [
        "wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(script), url,
    ]  # fmt: skip
    done = subprocess.run(pinned(core, argv), capture_output=True, text=True, timeout=seconds + 30)
    for line in done.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            data: dict[str, Any] = json.loads(line[len("BENCHJSON ") :])
            data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
            return data
    raise RuntimeError(f"wrk printed no result ({done.returncode}): {done.stdout}{done.stderr}")


# --------------------------------------------------------------------------------------------
# The measured points


@dataclass
class Target:
    key: str  # e.g. "iocgate-sqlite"
    label: str
    url: str
    script: Path
    proc: Proc
    upstream_log: tuple[str, str] | None = None  # (sim base URL, path prefix) to count calls
    metrics_base: str | None = None  # an iocgate REST base: loop lag and GC from its /metrics
    client_core: str | None = CLIENT_CORE  # None: wrk may run on every core
    client_threads: int = 1
    variant: str = ""  # tells apart points of one server in one scenario (e.g. flow)


@dataclass
class Point:
    scenario: str
    target: Target
    conns: int
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        variant = f"/{self.target.variant}" if self.target.variant else ""
        return f"{self.scenario}/{self.target.key}{variant}/c{self.conns}"


def measure(point: Point, seconds: int) -> dict[str, Any]:
    target = point.target
    if not target.proc.alive():
        raise RuntimeError(f"{target.proc.name} is not running:\n{target.proc.tail()}")
    pid = target.proc.pid
    if target.upstream_log:
        http(f"{target.upstream_log[0]}/_sim/requests", method="DELETE")
    reset_tree_peak_rss(pid)
    stalls0 = stall_metrics(target.metrics_base) if target.metrics_base else {}
    cpu0, busy0, t0 = tree_cpu_seconds(pid), core_busy(), time.perf_counter()
    run = run_wrk(
        target.url,
        point.conns,
        seconds,
        target.script,
        core=target.client_core,
        threads=target.client_threads,
    )
    cpu1, busy1, t1 = tree_cpu_seconds(pid), core_busy(), time.perf_counter()
    if target.metrics_base:
        run["stalls"] = stall_delta(stalls0, stall_metrics(target.metrics_base))
    run["server_rss_kb"] = tree_status(pid)
    run["server_cpu_pct"] = 100 * (cpu1 - cpu0) / (t1 - t0)
    run["core_busy_pct"] = {
        core: 100 * (busy1[core][0] - busy0[core][0]) / max(1, busy1[core][1] - busy0[core][1])
        for core in busy1
        if core in busy0
    }
    run["loadavg"] = float(Path("/proc/loadavg").read_text().split()[0])
    if target.upstream_log:
        sim, prefix = target.upstream_log
        _, _, raw = http(f"{sim}/_sim/requests?path_prefix={urllib.parse.quote(prefix)}")
        run["upstream_calls"] = json.loads(raw)["count"]
        http(f"{sim}/_sim/requests", method="DELETE")
    point.runs.append(run)
    return run


def summarize(point: Point) -> dict[str, Any]:
    runs = point.runs
    if not runs:
        return {"name": point.name, "runs": 0}

    def med(values: list[float]) -> float:
        return float(statistics.median(values))

    errors = sum(sum(r["errors"].values()) for r in runs)
    out: dict[str, Any] = {
        "name": point.name,
        "scenario": point.scenario,
        "target": point.target.key,
        "proc": point.target.proc.name,
        "label": point.target.label,
        "conns": point.conns,
        "runs": len(runs),
        "rps": med([r["rps"] for r in runs]),
        "rps_all": [round(r["rps"], 1) for r in runs],
        "p50_ms": med([r["latency_us"]["p50"] / 1000 for r in runs]),
        "p90_ms": med([r["latency_us"]["p90"] / 1000 for r in runs]),
        "p99_ms": med([r["latency_us"]["p99"] / 1000 for r in runs]),
        "max_ms": max(r["latency_us"]["max"] / 1000 for r in runs),
        "requests": sum(r["requests"] for r in runs),
        "errors": errors,
        "bytes_per_response": sum(r["bytes"] for r in runs)
        / max(1, sum(r["requests"] for r in runs)),
        "peak_rss_mb": max(r["server_rss_kb"].get("VmHWM", 0) for r in runs) / 1024,
        "server_cpu_pct": med([r["server_cpu_pct"] for r in runs]),
        "cpu_us_per_request": med(
            [r["server_cpu_pct"] / 100 * r["duration_us"] / max(1, r["requests"]) for r in runs]
        ),
        "core0_busy_pct": med([r["core_busy_pct"].get("cpu0", 0.0) for r in runs]),
        "loadavg": med([r["loadavg"] for r in runs]),
    }
    stalls = [r["stalls"] for r in runs if r.get("stalls")]
    if stalls:
        p99s = [x["lag_p99_ms"] for x in stalls if x["lag_p99_ms"] is not None]
        maxes = [x["lag_max_ms"] for x in stalls if x["lag_max_ms"] is not None]
        out["lag_p99_ms"] = med(p99s) if p99s else None
        out["lag_max_ms"] = max(maxes) if maxes else None
        out["gc2_count"] = sum(x["gc2_count"] for x in stalls)
        out["gc2_ms"] = sum(x["gc2_ms"] for x in stalls)
    if any("upstream_calls" in r for r in runs):
        out["upstream_calls_per_request"] = sum(r.get("upstream_calls", 0) for r in runs) / max(
            1, out["requests"]
        )
    return out


# --------------------------------------------------------------------------------------------
# The benchmark


class Bench:
    def __init__(self, args: argparse.Namespace, bench_python: Path) -> None:
        self.args = args
        self.bench_python = bench_python
        self.procs: list[Proc] = []
        self.deadline = time.monotonic() + args.max_minutes * 60
        self.results: dict[str, Any] = {"notes": []}
        self.sim_list: dict[str, Any] = {}
        self.cpu_ms: dict[str, float] = {}

    # ---- processes

    def spawn(self, proc: Proc) -> Proc:
        self.procs.append(proc.start())
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()

    def iocgate_env(self, state: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IOCGATE_", "VIRUSTOTAL_"))}
        home = WORK / "state" / state
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        env["XDG_CACHE_HOME"] = str(home)
        env["VIRUSTOTAL_API_KEY"] = self.key
        if self.args.src:  # try candidate fixes: iocgate imported from a scratch copy of src/
            env["PYTHONPATH"] = str(self.args.src.resolve())
        return env

    def start_sim(self, name: str, core: str) -> tuple[Proc, str]:
        port = free_port()
        argv = [
            str(IOCGATE),
            "sim",
            "--port",
            str(port),
            "--memdump-size",
            str(self.args.memdump_size),
        ]
        if self.args.latency_ms:
            argv += ["--latency-ms", str(self.args.latency_ms)]
        proc = self.spawn(Proc(name, argv, core=core))
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/_sim/faults", proc)
        self.note_idle(proc)
        return proc, base

    def start_static(self, name: str, core: str) -> tuple[Proc, str]:
        """A bare app serving the simulator's summary bytes at the simulator's path: an upstream
        that costs next to nothing, so that what a miss costs in the gateway shows."""
        port = free_port()
        proc = self.spawn(
            Proc(
                name,
                [
                    sys.executable,
                    str(BENCH / "servers" / "bare_app.py"),
                    "--port",
                    str(port),
                    "--body",
                    str(self.upstream_body_file),
                    "--path",
                    self.summary_path("/api/v3"),
                ],
                core=core,
            )
        )
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", proc)
        self.note_idle(proc)
        return proc, base

    def note_idle(self, proc: Proc) -> None:
        """RSS of a server just started, before any load (summed over its workers)."""
        time.sleep(0.5)  # let start-up's last allocations (threads, MCP lifespan) land
        self.results.setdefault("idle_rss_mb", {})[proc.name] = (
            tree_status(proc.pid).get("VmRSS", 0) / 1024
        )
        self.results.setdefault("idle_pss_mb", {})[proc.name] = tree_pss_kb(proc.pid) / 1024

    def start_gateway(
        self,
        name: str,
        cache: str | None,
        *,
        upstream: str | None = None,
        workers: int = 1,
        core: str | None = SERVER_CORE,
        capabilities: tuple[Path, ...] = (),
    ) -> tuple[Proc, str, str]:
        rest, mcp = free_port(), free_port()
        argv = [
            str(IOCGATE),
            "serve",
            *map(str, capabilities),
            "--upstream",
            f"{upstream or self.sim_up}/api/v3",
            "--rest-port",
            str(rest),
            "--mcp-port",
            str(mcp),
            "--quota",
            "unlimited",
        ]
        if cache:
            argv += ["--cache", cache]
        if workers != 1:
            argv += ["--workers", str(workers)]
        proc = self.spawn(Proc(name, argv, core=core, env=self.iocgate_env(name)))
        base = f"http://127.0.0.1:{rest}"
        wait_http(f"{base}/healthz", proc)
        wait_http(f"http://127.0.0.1:{mcp}/healthz", proc)
        self.note_idle(proc)
        return proc, base, f"http://127.0.0.1:{mcp}/mcp"

    # ---- set-up

    def setup(self) -> None:
        listed = subprocess.run(
            [str(IOCGATE), "sim", "--list", "--json"], capture_output=True, text=True, check=True
        )
        self.sim_list = json.loads(listed.stdout)
        self.key = next(k["key"] for k in self.sim_list["keys"] if k["tier"] == "privileged")
        say("starting the simulators (upstream on core 1, direct-measurement copy on core 0)")
        self.sim_up_proc, self.sim_up = self.start_sim("sim-upstream", CLIENT_CORE)
        self.sim_direct_proc, self.sim_direct = self.start_sim("sim-direct", SERVER_CORE)
        self.pick_samples()
        say("starting iocgate (sqlite, memory and no cache) and the comparison servers on core 0")
        self.gw_sqlite, self.gw_sqlite_rest, self.gw_sqlite_mcp = self.start_gateway(
            "iocgate-sqlite", None
        )
        self.gw_memory, self.gw_memory_rest, self.gw_memory_mcp = self.start_gateway(
            "iocgate-memory", "memory"
        )
        self.gw_off, self.gw_off_rest, _ = self.start_gateway("iocgate-off", "off")
        self.static_up_proc, self.static_up = self.start_static("static-upstream", CLIENT_CORE)
        self.static_direct_proc, self.static_direct = self.start_static(
            "static-direct", SERVER_CORE
        )
        self.gw_off_static, self.gw_off_static_rest, _ = self.start_gateway(
            "iocgate-off-static", "off", upstream=self.static_up
        )
        # The bytes iocgate serves for the summary (links rewritten): the bare app serves these.
        path = self.summary_path("/v1")
        status, headers, body = http(self.gw_sqlite_rest + path)
        if status != 200:
            raise RuntimeError(f"iocgate answered {status} for {path}: {body[:300]!r}")
        self.body_file = WORK / "summary.json"
        self.body_file.write_bytes(body)
        self.results["sample"]["gateway_body_bytes"] = len(body)
        bare_port, sdk_port, fastmcp_port = free_port(), free_port(), free_port()
        self.bare = self.spawn(
            Proc(
                "bare-starlette",
                [
                    sys.executable,
                    str(BENCH / "servers" / "bare_app.py"),
                    "--port",
                    str(bare_port),
                    "--body",
                    str(self.body_file),
                    "--path",
                    path,
                ],
            )
        )
        self.bare_url = f"http://127.0.0.1:{bare_port}"
        peer_args = ["--upstream", f"{self.sim_up}/api/v3", "--key", self.key]
        self.sdk = self.spawn(
            Proc(
                "sdk-lowlevel",
                [
                    sys.executable,
                    str(BENCH / "servers" / "sdk_lowlevel.py"),
                    "--port",
                    str(sdk_port),
                    *peer_args,
                ],
            )
        )
        self.fastmcp = self.spawn(
            Proc(
                "fastmcp-proxy",
                [
                    str(self.bench_python),
                    str(BENCH / "servers" / "fastmcp_proxy.py"),
                    "--port",
                    str(fastmcp_port),
                    *peer_args,
                ],
            )
        )
        self.sdk_url = f"http://127.0.0.1:{sdk_port}/mcp"
        self.fastmcp_url = f"http://127.0.0.1:{fastmcp_port}/mcp"
        wait_http(f"{self.bare_url}/healthz", self.bare)
        wait_http(f"http://127.0.0.1:{sdk_port}/healthz", self.sdk)
        # FastMCP serves no /healthz: wait for its MCP endpoint to answer a call.
        self.wait_mcp(self.fastmcp_url, FASTMCP_TOOL, self.fastmcp)
        for proc in (self.bare, self.sdk, self.fastmcp):
            self.note_idle(proc)  # the FastMCP figure is after one call (its readiness check)
        if not self.args.only or "workers" in self.args.only:
            say("starting iocgate --workers 1 and --workers 2 (sqlite cache, on every core)")
            for count in (1, 2):
                proc, rest, mcp = self.start_gateway(
                    f"iocgate-w{count}", None, workers=count, core=None
                )
                setattr(self, f"gw_w{count}", (proc, rest, mcp))
        if not self.args.only or "flow" in self.args.only:
            say("starting iocgate over bench/capabilities/flow.yml (sqlite cache, core 0)")
            self.gw_flow = self.start_gateway("iocgate-flow", None, capabilities=(FLOW_CAPABILITY,))
        self.check_targets()

    def wait_mcp(self, url: str, tool: str, proc: Proc, timeout: float = 60) -> None:
        start = time.monotonic()
        while True:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited:\n{proc.tail()}")
            try:
                mcp_call(url, tool, self.sha256)
                return
            except (OSError, urllib.error.URLError):
                if time.monotonic() - start > timeout:
                    raise
                time.sleep(0.1)

    def summary_path(self, prefix: str, sha256: str | None = None) -> str:
        return f"{prefix}/files/{sha256 or self.sha256}/behaviour_summary"

    def pick_samples(self) -> None:
        """The corpus file whose behaviour summary is closest to 100 KB, and a memdump sandbox."""
        sizes = {}
        for item in self.sim_list["files"]:
            if item.get("kind") == "hostile":
                continue
            status, _, body = http(
                self.sim_up + self.summary_path("/api/v3", item["sha256"]),
                headers={"x-apikey": self.key},
            )
            if status == 200:
                sizes[item["sha256"]] = len(body)
        self.sha256 = min(sizes, key=lambda h: abs(sizes[h] - TARGET_BODY_BYTES))
        _, _, upstream_body = http(
            self.sim_up + self.summary_path("/api/v3"), headers={"x-apikey": self.key}
        )
        self.upstream_body_file = WORK / "upstream-summary.json"
        self.upstream_body_file.write_bytes(upstream_body)
        sandbox = next(
            report["id"]
            for item in self.sim_list["files"]
            for report in item.get("reports", [])
            if "memdump" in report.get("artefacts", [])
        )
        self.memdump_sandbox = sandbox
        self.results["sample"] = {
            "sha256": self.sha256,
            "upstream_body_bytes": sizes[self.sha256],
            "candidates": sorted(sizes.values()),
            "memdump_sandbox": sandbox,
            "memdump_bytes": self.args.memdump_size,
        }
        say(f"summary sample {self.sha256[:12]}… ({sizes[self.sha256]:,} bytes upstream)")

    def check_targets(self) -> None:
        """One request to every target, checked, before any load (and the caches warmed)."""
        path = self.summary_path("/v1")
        for base in (self.gw_sqlite_rest, self.gw_memory_rest):
            http(base + path)
            status, headers, body = http(base + path)
            if status != 200 or headers.get("x-cache") != "HIT":
                raise RuntimeError(f"{base}{path}: expected a cache hit, got {status} {headers}")
        status, headers, body = http(self.gw_off_rest + path, headers={"Cache-Control": "no-store"})
        if status != 200 or headers.get("x-cache") not in ("BYPASS", "MISS"):
            raise RuntimeError(f"iocgate --cache off: {status} {headers}")
        status, _, bare = http(self.bare_url + path)
        if status != 200 or bare != self.body_file.read_bytes():
            raise RuntimeError("the bare app does not serve the gateway's bytes")
        mcp_sizes = {}
        for key, url in (
            ("iocgate-sqlite", self.gw_sqlite_mcp),
            ("iocgate-memory", self.gw_memory_mcp),
        ):
            mcp_call(url, MCP_TOOL, self.sha256)
            result = mcp_call(url, MCP_TOOL, self.sha256)
            if result.get("_meta", {}).get("iocgate/cache") != "HIT":
                raise RuntimeError(
                    f"{url}: MCP call not served from the cache: {result.get('_meta')}"
                )
            mcp_sizes[key] = result["_reply_bytes"]
        mcp_sizes["sdk-lowlevel"] = mcp_call(self.sdk_url, MCP_TOOL, self.sha256)["_reply_bytes"]
        mcp_sizes["fastmcp-proxy"] = mcp_call(self.fastmcp_url, FASTMCP_TOOL, self.sha256)[
            "_reply_bytes"
        ]
        self.results["sample"]["mcp_reply_bytes"] = mcp_sizes
        if hasattr(self, "gw_flow"):
            self.check_flow()

    def check_flow(self) -> None:
        """The flow answers, from its three cached steps once warm, and calls all three with
        `no-store`: the figures of the `flow` points are of the path they are named after."""
        _, rest, mcp = self.gw_flow
        url = rest + FLOW_PATH.format(sha256=self.sha256)
        sim_log = f"{self.sim_up}/_sim/requests"
        prefix = urllib.parse.quote(f"/api/v3/files/{self.sha256}")
        answers = []
        for headers in ({}, {}, {"Cache-Control": "no-store"}):
            http(sim_log, method="DELETE")
            status, _, body = http(url, headers=headers)
            _, _, raw = http(f"{sim_log}?path_prefix={prefix}")
            answers.append((status, json.loads(raw)["count"]))
        if answers[1:] != [(200, 0), (200, 3)]:
            raise RuntimeError(f"{url}: (status, upstream calls) cached then no-store: {answers}")
        self.results["sample"]["flow_body_bytes"] = len(body)
        mcp_call(mcp, FLOW_TOOL, self.sha256)

    # ---- load points

    def build_points(self) -> list[Point]:
        path = self.summary_path("/v1")
        sim_path = self.summary_path("/api/v3")
        get = lua_script("get")
        key_header = {"x-apikey": self.key}
        sim_get = lua_script("sim-get", headers=key_header)
        no_store = lua_script("get-no-store", headers={"Cache-Control": "no-store"})
        upstream_log = (self.sim_up, sim_path)
        targets = {
            "bare": Target(
                "bare", "bare Starlette (bytes in memory)", self.bare_url + path, get, self.bare
            ),
            "iocgate-sqlite": Target(
                "iocgate-sqlite",
                "iocgate, sqlite cache (default)",
                self.gw_sqlite_rest + path,
                get,
                self.gw_sqlite,
                metrics_base=self.gw_sqlite_rest,
            ),
            "iocgate-memory": Target(
                "iocgate-memory",
                "iocgate, memory cache",
                self.gw_memory_rest + path,
                get,
                self.gw_memory,
                metrics_base=self.gw_memory_rest,
            ),
            "sim-direct": Target(
                "sim-direct",
                "simulator, direct",
                self.sim_direct + sim_path,
                sim_get,
                self.sim_direct_proc,
            ),
            "iocgate-off": Target(
                "iocgate-off",
                "iocgate --cache off (no-store), simulator upstream",
                self.gw_off_rest + path,
                no_store,
                self.gw_off,
                upstream_log,
                metrics_base=self.gw_off_rest,
            ),
            "static-direct": Target(
                "static-direct",
                "static upstream (bytes in memory), direct",
                self.static_direct + sim_path,
                sim_get,
                self.static_direct_proc,
            ),
            "iocgate-off-static": Target(
                "iocgate-off-static",
                "iocgate --cache off (no-store), static upstream",
                self.gw_off_static_rest + path,
                no_store,
                self.gw_off_static,
                metrics_base=self.gw_off_static_rest,
            ),
            "mcp-iocgate-sqlite": Target(
                "iocgate-sqlite",
                "iocgate MCP, sqlite cache (default)",
                self.gw_sqlite_mcp,
                lua_script(
                    "mcp-iocgate",
                    method="POST",
                    body=mcp_body(MCP_TOOL, self.sha256),
                    headers=MCP_HEADERS,
                ),
                self.gw_sqlite,
                metrics_base=self.gw_sqlite_rest,
            ),
            "mcp-iocgate-memory": Target(
                "iocgate-memory",
                "iocgate MCP, memory cache",
                self.gw_memory_mcp,
                lua_script(
                    "mcp-iocgate",
                    method="POST",
                    body=mcp_body(MCP_TOOL, self.sha256),
                    headers=MCP_HEADERS,
                ),
                self.gw_memory,
                metrics_base=self.gw_memory_rest,
            ),
            "mcp-sdk": Target(
                "sdk-lowlevel",
                "SDK low-level server (fetches upstream)",
                self.sdk_url,
                lua_script(
                    "mcp-sdk",
                    method="POST",
                    body=mcp_body(MCP_TOOL, self.sha256),
                    headers=MCP_HEADERS,
                ),
                self.sdk,
                upstream_log,
            ),
            "mcp-fastmcp": Target(
                "fastmcp-proxy",
                "FastMCP from_openapi proxy",
                self.fastmcp_url,
                lua_script(
                    "mcp-fastmcp",
                    method="POST",
                    body=mcp_body(FASTMCP_TOOL, self.sha256),
                    headers=MCP_HEADERS,
                ),
                self.fastmcp,
                upstream_log,
            ),
        }
        for count in (1, 2):
            served = getattr(self, f"gw_w{count}", None)
            if served is None:
                continue
            proc, rest, mcp = served
            common = {"metrics_base": rest, "client_core": None, "client_threads": 2}
            targets[f"w{count}-rest"] = Target(
                f"iocgate-w{count}", f"iocgate --workers {count}, REST hit", rest + path, get,
                proc, **common,  # type: ignore[arg-type]
            )  # fmt: skip
            targets[f"w{count}-mcp"] = Target(
                f"iocgate-w{count}",
                f"iocgate --workers {count}, MCP cached call",
                mcp,
                lua_script(
                    "mcp-iocgate", method="POST", body=mcp_body(MCP_TOOL, self.sha256),
                    headers=MCP_HEADERS,
                ),
                proc,
                **common,  # type: ignore[arg-type]
            )  # fmt: skip
        if hasattr(self, "gw_flow"):
            proc, rest, mcp = self.gw_flow
            flow_url = rest + FLOW_PATH.format(sha256=self.sha256)
            targets["flow-cached"] = Target(
                "iocgate-flow", "iocgate flow of 3 calls, steps cached", flow_url, get, proc,
                metrics_base=rest, variant="rest-cached",
            )  # fmt: skip
            targets["flow-uncached"] = Target(
                "iocgate-flow", "iocgate flow of 3 calls, no-store (3 upstream calls)", flow_url,
                no_store, proc, (self.sim_up, f"/api/v3/files/{self.sha256}"), metrics_base=rest,
                variant="rest-no-store",
            )  # fmt: skip
            targets["flow-mcp"] = Target(
                "iocgate-flow",
                "iocgate MCP flow tool, steps cached",
                mcp,
                lua_script(
                    "mcp-flow", method="POST", body=mcp_body(FLOW_TOOL, self.sha256),
                    headers=MCP_HEADERS,
                ),
                proc,
                metrics_base=rest,
                variant="mcp-cached",
            )  # fmt: skip
        self.targets = targets
        points: list[Point] = []
        for conns in (1, 16, 64):
            for key in ("bare", "iocgate-sqlite", "iocgate-memory"):
                points.append(Point("rest-hit", targets[key], conns))
        for conns in (1, 16):
            for key in ("sim-direct", "iocgate-off", "static-direct", "iocgate-off-static"):
                points.append(Point("rest-miss", targets[key], conns))
        for conns in (1, 16):
            for key in ("mcp-iocgate-sqlite", "mcp-iocgate-memory", "mcp-sdk", "mcp-fastmcp"):
                points.append(Point("mcp", targets[key], conns))
        for key, conns in (("rest", 64), ("mcp", 16)):
            for count in (1, 2):
                if f"w{count}-{key}" in targets:
                    points.append(Point("workers", targets[f"w{count}-{key}"], conns))
        for key, conns in (
            ("flow-cached", 1), ("flow-uncached", 1), ("flow-cached", 16), ("flow-uncached", 16),
            ("flow-mcp", 16),
        ):  # fmt: skip
            if key in targets:
                points.append(Point("flow", targets[key], conns))
        only = self.args.only
        return [p for p in points if not only or p.scenario in only]

    def run_points(self, points: list[Point]) -> None:
        seconds, repeats = self.args.duration, self.args.repeats
        warmed: set[str] = set()
        for point in points:  # warm every target once: JIT-less, but pools, caches, pages
            if point.target.url not in warmed:
                warmed.add(point.target.url)
                run_wrk(point.target.url, 4, 1, point.target.script)
        say(f"{len(points)} load points x {repeats} interleaved repeats x {seconds} s")
        for rep in range(repeats):
            for point in points:
                if time.monotonic() > self.deadline:
                    self.results["notes"].append(
                        f"time limit reached: {point.name} repeat {rep + 1} skipped"
                    )
                    continue
                run = measure(point, seconds)
                say(
                    f"  [{rep + 1}/{repeats}] {point.name:<34} {run['rps']:>8.0f} req/s  "
                    f"p50 {run['latency_us']['p50'] / 1000:6.2f} ms  p99 {run['latency_us']['p99'] / 1000:7.2f} ms"
                    + (
                        f"  errors {sum(run['errors'].values())}"
                        if sum(run["errors"].values())
                        else ""
                    )
                )
        self.results["points"] = [summarize(p) for p in points]

    # ---- artefact streaming

    def memdump(self) -> None:
        sandbox = urllib.parse.quote(self.memdump_sandbox, safe="")
        size = self.args.memdump_size
        urls = {
            "sim-direct": (
                f"{self.sim_direct}/api/v3/file_behaviours/{sandbox}/memdump",
                self.sim_direct_proc,
                ["-H", f"x-apikey: {self.key}"],
            ),
            "iocgate-off": (
                f"{self.gw_off_rest}/v1/file_behaviours/{sandbox}/memdump",
                self.gw_off,
                [],
            ),
            "iocgate-sqlite": (
                f"{self.gw_sqlite_rest}/v1/file_behaviours/{sandbox}/memdump",
                self.gw_sqlite,
                [],
            ),
        }
        runs: dict[str, list[dict[str, Any]]] = {key: [] for key in urls}
        say(f"artefact streaming: {size / 2**20:,.0f} MiB memdump x {self.args.memdump_repeats}")
        for _ in range(self.args.memdump_repeats):
            for key, (url, proc, extra) in urls.items():
                if time.monotonic() > self.deadline:
                    continue
                before = proc_status(proc.pid).get("VmRSS", 0)
                reset_peak_rss(proc.pid)
                argv = [
                    "curl",
                    "-s",
                    "--noproxy",
                    "*",
                    "-o",
                    "/dev/null",
                    *extra,
                    "-w",
                    "%{http_code} %{size_download} %{time_total} %{time_starttransfer}",
                    url,
                ]
                done = subprocess.run(
                    pinned(CLIENT_CORE, argv), capture_output=True, text=True, timeout=300
                )
                code, got, total, first = done.stdout.split()
                peak = proc_status(proc.pid).get("VmHWM", 0)
                run = {
                    "status": int(code),
                    "bytes": int(got),
                    "seconds": float(total),
                    "first_byte_s": float(first),
                    "mb_per_s": int(got) / float(total) / 1e6,
                    "rss_before_mb": before / 1024,
                    "peak_rss_mb": peak / 1024,
                    "rss_growth_mb": (peak - before) / 1024,
                }
                if run["status"] != 200 or run["bytes"] != size:
                    self.results["notes"].append(
                        f"memdump via {key}: status {code}, {got} of {size} bytes"
                    )
                runs[key].append(run)
                say(
                    f"  {key:<16} {run['mb_per_s']:8.0f} MB/s  RSS growth {run['rss_growth_mb']:6.1f} MB"
                )
        self.results["memdump"] = {
            key: {
                "runs": items,
                "mb_per_s": statistics.median(r["mb_per_s"] for r in items),
                "rss_growth_mb": max(r["rss_growth_mb"] for r in items),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in items),
            }
            for key, items in runs.items()
            if items
        }

    # ---- cold start

    def cold_start(self) -> None:
        n = self.args.cold_repeats
        say(f"cold start x {n}")
        out: dict[str, Any] = {}
        env = self.iocgate_env("cli")
        out["python_pass_ms"] = self.wall([sys.executable, "-c", "pass"], env, n)
        out["help_ms"] = self.wall([str(IOCGATE), "--help"], env, n)
        capability = subprocess.run(
            [
                sys.executable,
                "-c",
                "from iocgate.virustotal import DEFAULT_CAPABILITY as c; print(c)",
            ],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout.strip()
        out["validate_ms"] = self.wall([str(IOCGATE), "validate", capability], env, n)
        out["import_cli_ms"] = self.wall([sys.executable, "-c", "import iocgate.cli"], env, n)
        out["importtime"] = self.importtime(env)
        out["cpu_ms"] = dict(self.cpu_ms)
        serve_runs = []
        path = self.summary_path("/v1")
        for i in range(n):
            rest, mcp = free_port(), free_port()
            argv = [
                str(IOCGATE),
                "serve",
                "--upstream",
                f"{self.sim_up}/api/v3",
                "--rest-port",
                str(rest),
                "--mcp-port",
                str(mcp),
                "--quota",
                "unlimited",
            ]
            proc = Proc(f"cold-serve-{i}", argv, env=self.iocgate_env(f"cold-{i}"))
            t0 = time.perf_counter()
            proc.start()
            try:
                healthz = wait_http(
                    f"http://127.0.0.1:{rest}/healthz", proc, timeout=30, interval=0.002
                )
                status, _, _ = http(f"http://127.0.0.1:{rest}{path}")
                first = time.perf_counter() - t0
                mcp_ok = wait_http(
                    f"http://127.0.0.1:{mcp}/healthz", proc, timeout=30, interval=0.002
                )
                serve_runs.append(
                    {
                        "healthz_ms": healthz * 1000,
                        "first_v1_ms": first * 1000,
                        "v1_status": status,
                        "mcp_healthz_ms": (time.perf_counter() - t0) * 1000
                        if mcp_ok is not None
                        else None,
                    }
                )
            finally:
                proc.stop()
        out["serve_runs"] = serve_runs
        out["serve_healthz_ms"] = statistics.median(r["healthz_ms"] for r in serve_runs)
        out["serve_first_v1_ms"] = statistics.median(r["first_v1_ms"] for r in serve_runs)
        self.results["cold"] = out

    def wall(self, argv: list[str], env: dict[str, str], n: int) -> float:
        """Median wall time (ms); the median CPU time (user + system) goes to ``self.cpu_ms``."""
        times, cpu = [], []
        for _ in range(n):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            done = subprocess.run(
                pinned(SERVER_CORE, argv), capture_output=True, env=env, timeout=60
            )
            times.append((time.perf_counter() - t0) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(1000 * (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
            if done.returncode != 0:
                raise RuntimeError(
                    f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]!r}"
                )
        self.cpu_ms[" ".join(Path(a).name if "/" in a else a for a in argv)] = statistics.median(
            cpu
        )
        return statistics.median(times)

    def importtime(self, env: dict[str, str]) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import iocgate.cli"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        rows = []
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if match:
                rows.append((int(match[1]), int(match[2]), len(match[3]), match[4]))
        total = next((cum for _, cum, _, name in rows if name == "iocgate.cli"), 0)
        by_package: dict[str, int] = {}
        for self_us, _, _, name in rows:
            top = name.split(".")[0]
            by_package[top] = by_package.get(top, 0) + self_us
        heaviest = sorted(by_package.items(), key=lambda kv: -kv[1])[:12]
        names = {name for *_, name in rows}
        return {
            "iocgate_cli_cumulative_ms": total / 1000,
            "modules": len(rows),
            "self_ms_by_package": {k: round(v / 1000, 1) for k, v in heaviest},
            "imports_mcp": any(n == "mcp" or n.startswith(("mcp.", "mcp_types")) for n in names),
            "imports_uvicorn": "uvicorn" in names,
            "imports_starlette": "starlette" in names,
            "imports_httpx": "httpx" in names,
        }

    # ---- profiles

    def profile(self) -> None:
        """py-spy profiles of each gateway scenario (CPU samples of the server only)."""
        pyspy = BENCH_VENV / "bin" / "py-spy"
        out_dir = WORK / "profiles" / self.args.output.resolve().name
        out_dir.mkdir(parents=True, exist_ok=True)
        seconds = max(3, self.args.duration)
        t = self.targets
        jobs = [
            ("rest-hit-c16-sqlite", t["iocgate-sqlite"], 16),
            ("rest-hit-c16-memory", t["iocgate-memory"], 16),
            ("rest-miss-c1", t["iocgate-off"], 1),
            ("rest-miss-c16", t["iocgate-off"], 16),
            ("mcp-c1-sqlite", t["mcp-iocgate-sqlite"], 1),
            ("mcp-c1-sdk", t["mcp-sdk"], 1),
            ("mcp-c1-fastmcp", t["mcp-fastmcp"], 1),
        ]
        summaries = {}
        for name, target, conns in jobs:
            raw = out_dir / f"{name}.txt"
            spy = subprocess.Popen(
                [
                    str(pyspy),
                    "record",
                    "--pid",
                    str(target.proc.pid),
                    "--rate",
                    "250",
                    "--duration",
                    str(seconds),
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.5)
            run_wrk(target.url, conns, seconds, target.script)
            spy.wait(timeout=seconds + 30)
            if raw.exists():
                summaries[name] = collapse(raw)
            say(
                f"  profile {name}: {raw.relative_to(REPO)} (collapsed stacks: speedscope, flamegraph.pl)"
            )
        self.results["profiles"] = summaries


#: Leaf frames of a thread or loop that is waiting, not working (py-spy's idle detection
#: misses them): left out so that shares are of the CPU the server spent.
IDLE_LEAVES = (
    "Condition.wait (threading.py)",
    "EpollSelector.select (selectors.py)",
    "Event.wait (threading.py)",
    "Thread.join (threading.py)",
)


def collapse(raw: Path, top: int = 20) -> dict[str, Any]:
    """Self and inclusive shares per function from py-spy's collapsed stacks (idle excluded).

    With uvloop the loop's own C code (epoll wait and callbacks alike) shows as the leaf
    `Runner.run (asyncio/runners.py)`: it stays in, so the shares of a uvloop server include
    some idle time.
    """
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = idle = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [re.sub(r"\s*\((.*?):\d+\)$", r" (\1)", f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        if frames[-1] in IDLE_LEAVES:
            idle += count
            continue
        total += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count

    def share(table: dict[str, int]) -> list[tuple[str, float]]:
        return [
            (k, round(100 * v / max(1, total), 1))
            for k, v in sorted(table.items(), key=lambda kv: -kv[1])[:top]
        ]

    return {
        "samples": total,
        "idle_samples": idle,
        "self": share(own),
        "inclusive": share(inclusive),
    }


# --------------------------------------------------------------------------------------------
# Targets and reports


def find(
    points: list[dict[str, Any]], scenario: str, target: str, conns: int
) -> dict[str, Any] | None:
    for p in points:
        if (
            p.get("scenario") == scenario
            and p.get("target") == target
            and p.get("conns") == conns
            and p.get("runs")
        ):
            return p
    return None


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    points = results.get("points", [])
    checks: list[dict[str, Any]] = []

    def add(
        group: str, what: str, value: float | None, goal: str, ok: bool | None, detail: str = ""
    ) -> None:
        checks.append(
            {"group": group, "what": what, "value": value, "goal": goal, "ok": ok, "detail": detail}
        )

    for gw in ("iocgate-sqlite", "iocgate-memory"):
        for conns in (1, 16, 64):
            bare, ours = (
                find(points, "rest-hit", "bare", conns),
                find(points, "rest-hit", gw, conns),
            )
            if bare and ours:
                ratio = ours["rps"] / bare["rps"]
                add(
                    "REST hit",
                    f"{gw} req/s vs bare, c={conns}",
                    ratio,
                    ">= 0.70x",
                    ratio >= 0.7,
                    f"{ours['rps']:,.0f} vs {bare['rps']:,.0f} req/s",
                )
                p99 = ours["p99_ms"] / bare["p99_ms"]
                add(
                    "REST hit",
                    f"{gw} p99 vs bare, c={conns}",
                    p99,
                    "<= 2.0x",
                    p99 <= 2.0,
                    f"{ours['p99_ms']:.2f} vs {bare['p99_ms']:.2f} ms",
                )
    for direct_key, gw, upstream in (
        ("sim-direct", "iocgate-off", "the simulator"),
        ("static-direct", "iocgate-off-static", "a static upstream"),
    ):
        direct1, miss1 = find(points, "rest-miss", direct_key, 1), find(points, "rest-miss", gw, 1)
        direct16, miss16 = (
            find(points, "rest-miss", direct_key, 16),
            find(points, "rest-miss", gw, 16),
        )
        if direct1 and miss1:
            added = miss1["p50_ms"] - direct1["p50_ms"]
            add(
                "REST miss",
                f"median latency added over {upstream}, c=1",
                added,
                "< 1 ms",
                added < 1.0,
                f"{miss1['p50_ms']:.2f} vs {direct1['p50_ms']:.2f} ms",
            )
        if miss1 and miss16:
            ratio = miss16["rps"] / miss1["rps"]
            add(
                "REST miss",
                f"req/s at c=16 / req/s at c=1 ({upstream})",
                ratio,
                ">= 1.0x",
                ratio >= 1.0,
                f"{miss16['rps']:,.0f} vs {miss1['rps']:,.0f} req/s",
            )
            detail = f"direct: {direct16['p99_ms']:.1f} ms" if direct16 else ""
            add(
                "REST miss",
                f"p99 at c=16 (ms, {upstream})",
                miss16["p99_ms"],
                "< 50 ms",
                miss16["p99_ms"] < 50,
                detail,
            )
    for gw in ("iocgate-sqlite", "iocgate-memory"):
        for conns in (1, 16):
            ours = find(points, "mcp", gw, conns)
            for peer, goal in (("fastmcp-proxy", 4.0), ("sdk-lowlevel", 1.3)):
                other = find(points, "mcp", peer, conns)
                if ours and other:
                    ratio = ours["rps"] / other["rps"]
                    add(
                        "MCP",
                        f"{gw} calls/s vs {peer}, c={conns}",
                        ratio,
                        f">= {goal}x",
                        ratio >= goal,
                        f"{ours['rps']:,.0f} vs {other['rps']:,.0f} calls/s",
                    )
    # Issue #23: no tail (p99 within 3x p50 at c=16), no c=1 outlier, the memory budget.
    for scenario, key, label in (
        ("rest-miss", "iocgate-off-static", "REST miss over a static upstream"),
        ("mcp", "iocgate-sqlite", "MCP cached call, sqlite"),
        ("mcp", "iocgate-memory", "MCP cached call, memory"),
    ):
        point = find(points, scenario, key, 16)
        if point:
            ratio = point["p99_ms"] / point["p50_ms"]
            add(
                "tail",
                f"{label}: p99 / p50, c=16",
                ratio,
                "<= 3.0x",
                ratio <= 3.0,
                f"{point['p99_ms']:.2f} / {point['p50_ms']:.2f} ms",
            )
    for scenario in ("rest-hit", "mcp"):
        for key in ("iocgate-sqlite", "iocgate-memory"):
            point = find(points, scenario, key, 1)
            if point:
                add(
                    "tail",
                    f"{scenario} {key}: p99 at c=1 (ms)",
                    point["p99_ms"],
                    "<= 5 ms",
                    point["p99_ms"] <= 5.0,
                )
    peaks = [
        p["peak_rss_mb"]
        for p in points
        if p.get("runs")
        and p["target"].startswith("iocgate")
        and p["scenario"] not in ("workers", "flow")  # other processes, reported apart
    ]
    if peaks:
        add("memory", "iocgate peak RSS under the load points (MB)", max(peaks), "<= 90 MB",
            max(peaks) <= 90)  # fmt: skip
    for p in points:  # the orchestration path: no target yet, its figures side by side
        if p.get("runs") and p["scenario"] == "flow":
            add("flow", f"{p['label']}, c={p['conns']}: req/s", p["rps"], "(reported)", None,
                f"p50 {p['p50_ms']:.2f} ms, p99 {p['p99_ms']:.2f} ms")  # fmt: skip
    for key in ("rest", "mcp"):
        conns = 64 if key == "rest" else 16
        one = next((p for p in points if p["name"] == f"workers/iocgate-w1/c{conns}"
                    and key in p["label"].lower()), None)  # fmt: skip
        two = next((p for p in points if p["name"] == f"workers/iocgate-w2/c{conns}"
                    and key in p["label"].lower()), None)  # fmt: skip
        if one and two:
            add(
                "workers",
                f"{key.upper()} req/s, --workers 2 / --workers 1, c={conns}",
                two["rps"] / one["rps"],
                "(shown)",
                None,
                f"{two['rps']:,.0f} vs {one['rps']:,.0f} req/s; CPU "
                f"{two['cpu_us_per_request']:,.0f} vs {one['cpu_us_per_request']:,.0f} µs/req",
            )
    memdump = results.get("memdump", {})
    direct = memdump.get("sim-direct")
    for gw in ("iocgate-off", "iocgate-sqlite"):
        ours = memdump.get(gw)
        if direct and ours:
            ratio = ours["mb_per_s"] / direct["mb_per_s"]
            add(
                "memdump",
                f"{gw} throughput vs the simulator's direct rate",
                ratio,
                ">= 0.25x",
                ratio >= 0.25,
                f"{ours['mb_per_s']:,.0f} vs {direct['mb_per_s']:,.0f} MB/s",
            )
            add(
                "memdump",
                f"{gw} RSS growth (MB)",
                ours["rss_growth_mb"],
                "< 16 MB",
                ours["rss_growth_mb"] < 16,
            )
    cold = results.get("cold")
    if cold:
        add("cold start", "iocgate --help (ms)", cold["help_ms"], "< 300 ms", cold["help_ms"] < 300)
        add(
            "cold start",
            "iocgate validate <seed> (ms)",
            cold["validate_ms"],
            "< 300 ms",
            cold["validate_ms"] < 300,
        )
        add(
            "cold start",
            "iocgate serve to first /v1 200 (ms)",
            cold["serve_first_v1_ms"],
            "< 1000 ms",
            cold["serve_first_v1_ms"] < 1000,
        )
        add(
            "cold start",
            "import iocgate.cli pulls in the MCP stack",
            None,
            "no",
            not cold["importtime"]["imports_mcp"],
        )
    return checks


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    git = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    )
    project = project_versions(
        Path(sys.executable),
        [
            "iocgate",
            "starlette",
            "uvicorn",
            "uvloop",
            "httptools",
            "httpx",
            "httpcore",
            "httpx2",
            "httpcore2",
            "anyio",
            "sniffio",
            "pydantic",
            "pydantic-core",
            "mcp",
            "mcp-types",
            "orjson",
        ],
    )
    bench = {}
    if (BENCH_VENV / "bin" / "python").exists():
        bench = project_versions(
            BENCH_VENV / "bin" / "python",
            [
                "fastmcp",
                "mcp",
                "mcp-types",
                "httpx2",
                "httpcore2",
                "pydantic",
                "starlette",
                "uvicorn",
                "uvloop",
                "httptools",
                "sniffio",
                "matplotlib",
                "py-spy",
            ],
        )
    digest = hashlib.sha256()
    for path in sorted((REPO / "src").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "src_sha256": digest.hexdigest()[:16],
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else "?",
        "git": git.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else ""),
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
        "project_packages": project,
        "bench_packages": bench,
    }


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def write_markdown(results: dict[str, Any], path: Path) -> None:
    m = results["machine"]
    cfg = results["config"]
    lines = [
        "# iocgate benchmark results",
        "",
        f"Run {m['date']} with `{cfg['command']}` on commit {m['git']}; sha256 of src/**/*.py "
        f"`{m.get('src_sha256', '?')}`"
        + (f"; iocgate imported from `{cfg['src']}`" if cfg.get("src") else "")
        + ".",
        "",
        f"**Machine:** {m['cpu']}, {m['cores']} cores, {m['memory']}, Linux {m['kernel']}, Python {m['python']}, "
        f"{m['wrk']}. Load average at start {' '.join(m['loadavg_start'])}, at end "
        f"{' '.join(results.get('loadavg_end', []))}.",
        "",
        "**Method:** every server under test is pinned to core 0 and the load generator (`wrk -t1`, "
        "`curl` for the memdump) to core 1; the upstream simulator of iocgate and of the MCP peers runs on "
        "core 1 too, and a second simulator on core 0 is the one measured directly. "
        f"Each load point runs {cfg['duration']} s; the figure is the median of {cfg['repeats']} interleaved "
        f"repeats. Simulator latency {cfg['latency_ms']} ms. Peak RSS is VmHWM of the server process, reset "
        "before each point. Absolute figures move between runs on a shared machine; the ratios within one run "
        "are what the targets are about.",
        "",
        f"**Sample:** behaviour summary of `{results['sample']['sha256']}`: "
        f"{results['sample']['upstream_body_bytes']:,} bytes upstream, "
        f"{results['sample'].get('gateway_body_bytes', 0):,} bytes from iocgate; MCP replies: "
        + ", ".join(f"{k} {v:,} B" for k, v in results["sample"].get("mcp_reply_bytes", {}).items())
        + ".",
        "",
        "Package versions — project venv: "
        + ", ".join(f"{k} {v}" for k, v in m["project_packages"].items())
        + "; bench venv: "
        + ", ".join(f"{k} {v}" for k, v in m["bench_packages"].items())
        + ".",
        "",
        "## Targets",
        "",
        "| group | measure | value | target | met |",
        "|---|---|---|---|---|",
    ]
    for c in results["targets"]:
        ok = {True: "yes", False: "**no**", None: "—"}[c["ok"]]
        value = fmt(c["value"]) if c["value"] is not None else ("no" if c["ok"] else "yes")
        detail = f" ({c['detail']})" if c["detail"] else ""
        lines.append(f"| {c['group']} | {c['what']}{detail} | {value} | {c['goal']} | {ok} |")
    lines += [
        "",
        "## Load points",
        "",
        "Loop lag is how late iocgate's 25 ms timer fired during the point (`/metrics`, upper "
        "bounds of histogram buckets: p99 is the median over repeats, max the largest); full GCs "
        "are generation-2 collections during the point, summed over repeats. Load is the 1-minute "
        "load average while the point ran (median): above 2 the server shared core 0 with other "
        "work and its figures are low.",
        "",
        "| scenario | server | c | req/s | p50 ms | p99 ms | max ms | loop lag p99 / max ms | "
        "full GCs (ms) | peak RSS MB | server CPU % | server CPU µs/req | core 0 busy % | load | "
        "errors | upstream calls/req | repeats (req/s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in results.get("points", []):
        if not p.get("runs"):
            continue
        upc = p.get("upstream_calls_per_request")
        lag = ""
        if "lag_p99_ms" in p:
            lag = f"{fmt(p['lag_p99_ms'], 0)} / {fmt(p['lag_max_ms'], 0)}"
        gcs = f"{p['gc2_count']:.0f} ({p['gc2_ms']:.0f})" if "gc2_count" in p else ""
        lines.append(
            f"| {p['scenario']} | {p['label']} | {p['conns']} | {p['rps']:,.0f} | {p['p50_ms']:.2f} | "
            f"{p['p99_ms']:.2f} | {p['max_ms']:.1f} | {lag} | {gcs} | {p['peak_rss_mb']:.0f} | "
            f"{p['server_cpu_pct']:.0f} | {p['cpu_us_per_request']:,.0f} | "
            f"{p['core0_busy_pct']:.0f} | {p.get('loadavg', 0):.1f} | {p['errors']} | "
            f"{'' if upc is None else f'{upc:.2f}'} | "
            f"{', '.join(f'{x:,.0f}' for x in p['rps_all'])} |"
        )
    if any(p.get("scenario") == "workers" for p in results.get("points", [])):
        lines += [
            "",
            "**Workers:** `iocgate serve --workers 1` and `--workers 2` (sqlite cache) run "
            "unpinned, and so does the load generator (`wrk -t2`): on this 2-core machine the "
            "server's workers and wrk share both cores, so the 2-worker figure is what is left "
            "after the load generator's share, not what a dedicated 2-core server would do. CPU "
            "µs/req and peak RSS are summed over the supervisor and its workers.",
        ]
    idle = results.get("idle_rss_mb")
    if idle:
        peak_by_server: dict[str, float] = {}
        for p in results.get("points", []):
            if p.get("runs"):
                key = p.get("proc", p["target"])
                peak_by_server[key] = max(peak_by_server.get(key, 0.0), p["peak_rss_mb"])
        lines += [
            "",
            "## Memory (RSS of each server: idle after start, and the peak over its load points)",
            "",
            "Idle PSS counts pages shared between processes (a supervisor and its forked "
            "workers) once; RSS sums them for every process.",
            "",
            "| server | idle RSS MB | idle PSS MB | peak RSS MB |",
            "|---|---|---|---|",
        ]
        pss = results.get("idle_pss_mb", {})
        for name, mb in idle.items():
            peak = peak_by_server.get(name)
            shared = pss.get(name)
            lines.append(
                f"| {name} | {mb:.0f} | {'' if shared is None else f'{shared:.0f}'} | "
                f"{'' if peak is None else f'{peak:.0f}'} |"
            )
    md = results.get("memdump")
    if md:
        lines += [
            "",
            f"## Artefact streaming ({results['sample']['memdump_bytes'] / 2**20:,.0f} MiB memdump)",
            "",
            "| path | MB/s (median) | peak RSS MB | RSS growth MB | runs (MB/s) |",
            "|---|---|---|---|---|",
        ]
        names = {
            "sim-direct": "simulator, direct",
            "iocgate-off": "iocgate REST, --cache off",
            "iocgate-sqlite": "iocgate REST, sqlite cache (artefact limit 512 MiB, so it streams)",
        }
        for key, item in md.items():
            runs = ", ".join(f"{r['mb_per_s']:,.0f}" for r in item["runs"])
            lines.append(
                f"| {names.get(key, key)} | {item['mb_per_s']:,.0f} | {item['peak_rss_mb']:.0f} | "
                f"{item['rss_growth_mb']:.1f} | {runs} |"
            )
    cold = results.get("cold")
    if cold:
        it = cold["importtime"]
        lines += [
            "",
            "## Cold start (medians)",
            "",
            "| measure | ms |",
            "|---|---|",
            f"| `python -c pass` | {cold['python_pass_ms']:.0f} |",
            f"| `iocgate --help` | {cold['help_ms']:.0f} |",
            f"| `iocgate validate <embedded capability>` | {cold['validate_ms']:.0f} |",
            f"| `python -c 'import iocgate.cli'` | {cold['import_cli_ms']:.0f} |",
            f"| `iocgate serve` to `/healthz` 200 | {cold['serve_healthz_ms']:.0f} |",
            f"| `iocgate serve` to first `/v1` 200 | {cold['serve_first_v1_ms']:.0f} |",
            "",
            "CPU time (user + system, ms, medians): "
            + ", ".join(f"`{k}` {v:.0f}" for k, v in cold.get("cpu_ms", {}).items())
            + ".",
            "",
            f"`python -X importtime -c 'import iocgate.cli'`: {it['iocgate_cli_cumulative_ms']:.0f} ms cumulative "
            f"for {it['modules']} modules; MCP stack imported: {'yes' if it['imports_mcp'] else 'no'}; "
            f"uvicorn: {'yes' if it['imports_uvicorn'] else 'no'}, starlette: "
            f"{'yes' if it['imports_starlette'] else 'no'}, httpx: {'yes' if it['imports_httpx'] else 'no'}. "
            "Self time by top-level package (ms): "
            + ", ".join(f"{k} {v}" for k, v in it["self_ms_by_package"].items())
            + ".",
        ]
    profiles = results.get("profiles")
    if profiles:
        lines += [
            "",
            "## Profiles (py-spy at 250 Hz, idle waits left out; top self-time functions)",
            "",
        ]
        for name, prof in profiles.items():
            lines.append(
                f"**{name}** ({prof['samples']} samples): "
                + "; ".join(f"{fn} {pct}%" for fn, pct in prof["self"][:10])
            )
            lines.append("")
    if results["notes"]:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in results["notes"]]
    lines += [
        "",
        "The chart and every repeat's figures (`results.json`, `chart.png`) are written to "
        "`bench/.work/data/<output folder name>/`, which is not committed.",
        "",
    ]
    path.write_text("\n".join(lines))


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1 s per point, 1 repeat, 256 MiB memdump"
    )
    parser.add_argument("--duration", type=int, help="seconds per load point (default 4)")
    parser.add_argument("--repeats", type=int, help="interleaved repeats per point (default 3)")
    parser.add_argument("--memdump-size", type=int, help="memdump bytes (default 1 GiB)")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="simulator latency (default 0)"
    )
    parser.add_argument(
        "--only",
        nargs="*",
        choices=["rest-hit", "rest-miss", "mcp", "workers", "flow", "memdump", "cold"],
        help="run only these parts",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also record py-spy profiles of the gateway"
    )
    parser.add_argument(
        "--max-minutes", type=float, default=12.0, help="hard limit for the load phase"
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="results folder (default bench/results)"
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="only rewrite results.md and chart.png from the run's results.json (.work/data/)",
    )
    parser.add_argument(
        "--src", type=Path, help="import iocgate from this copy of src/ (A/B of candidate fixes)"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.duration = args.duration or (1 if quick else 4)
    args.repeats = args.repeats or (1 if quick else 3)
    args.memdump_size = args.memdump_size or (256 * 2**20 if quick else 2**30)
    args.memdump_repeats = 1 if quick else 3
    args.cold_repeats = 2 if quick else 5
    return args


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def data_dir(output: Path) -> Path:
    """Where a run's results.json and chart.png go: generated, never committed (.work/)."""
    return WORK / "data" / output.resolve().name


def render(output: Path, bench_python: Path, results: dict[str, Any]) -> None:
    results["targets"] = evaluate(results)
    output.mkdir(parents=True, exist_ok=True)
    data = data_dir(output)
    data.mkdir(parents=True, exist_ok=True)
    (data / "results.json").write_text(json.dumps(results, indent=2, default=str))
    write_markdown(results, output / "results.md")
    chart = subprocess.run(
        [
            str(bench_python),
            str(BENCH / "chart.py"),
            str(data / "results.json"),
            str(data / "chart.png"),
        ],
        capture_output=True,
        text=True,
    )
    if chart.returncode != 0:
        say(f"chart failed: {chart.stderr[-1000:]}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render_only:  # e.g. after a change to the report; profiles re-read from .work
        results = json.loads((data_dir(args.output) / "results.json").read_text())
        for name in results.get("profiles", {}):
            raw = WORK / "profiles" / args.output.resolve().name / f"{name}.txt"
            if raw.exists():
                results["profiles"][name] = collapse(raw)
        render(args.output, ensure_bench_venv(), results)
        say(f"rewrote {args.output}/results.md and {data_dir(args.output)}/chart.png")
        return 0
    started = time.monotonic()
    if not IOCGATE.exists():
        sys.exit(f"bench: {IOCGATE} not found: run with the project's venv (make bench)")
    WORK.mkdir(parents=True, exist_ok=True)
    ensure_tools()
    bench_python = ensure_bench_venv()
    bench = Bench(args, bench_python)
    only = set(args.only or [])
    results = bench.results
    results["config"] = {
        "command": "make bench"
        if not argv and not sys.argv[1:]
        else "bench/run.py " + " ".join(sys.argv[1:]),
        "src": str(args.src) if args.src else None,
        "duration": args.duration,
        "repeats": args.repeats,
        "latency_ms": args.latency_ms,
        "server_core": SERVER_CORE,
        "client_core": CLIENT_CORE,
    }
    results["machine"] = machine()
    interrupted = False
    # SIGTERM (a CI timeout, kill PID) stops the servers too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        bench.setup()
        points = bench.build_points()
        if points:
            bench.run_points(points)
        if not only or "memdump" in only:
            bench.memdump()
        if not only or "cold" in only:
            bench.cold_start()
        if args.profile:
            say("profiling the gateway with py-spy")
            bench.profile()
    except KeyboardInterrupt:
        interrupted = True
        results["notes"].append("interrupted")
    finally:
        bench.stop_all()
    results["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    busiest = max(
        [float(x) for x in results["machine"]["loadavg_start"][:1] + results["loadavg_end"][:1]]
        + [p.get("loadavg", 0.0) for p in results.get("points", [])]
    )
    if busiest > 1.5:
        results["notes"].append(
            f"the machine was shared during this run (load average up to {busiest:.1f} on "
            f"{os.cpu_count()} cores; see each point's load column): absolute figures are low "
            "and noisy, compare the ratios within the run"
        )
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    render(args.output, bench_python, results)
    say(
        f"done in {results['elapsed_s']:.0f} s: {args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output}/results.md"
    )
    for c in results["targets"]:
        mark = {True: "ok  ", False: "MISS", None: "    "}[c["ok"]]
        value = fmt(c["value"]) if c["value"] is not None else ""
        print(
            f"{mark} {c['group']:<10} {c['what']:<62} {value:>8} (target {c['goal']}) {c['detail']}"
        )
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
