"""Draws bench/results/chart.png from results.json (runs in the bench venv, with matplotlib).

bench/.venv/bin/python bench/chart.py bench/results/results.json bench/results/chart.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {
    "bare": "#9e9e9e",
    "iocgate-sqlite": "#1f77b4",
    "iocgate-memory": "#6baed6",
    "sim-direct": "#9e9e9e",
    "iocgate-off": "#1f77b4",
    "static-direct": "#c7c7c7",
    "iocgate-off-static": "#17becf",
    "sdk-lowlevel": "#ff7f0e",
    "fastmcp-proxy": "#d62728",
}


def point(results: dict[str, Any], scenario: str, target: str, conns: int) -> dict[str, Any] | None:
    for p in results.get("points", []):
        if p.get("scenario") == scenario and p.get("target") == target and p.get("conns") == conns:
            return p if p.get("runs") else None
    return None


def bars(
    ax: Any,
    results: dict[str, Any],
    scenario: str,
    targets: list[tuple[str, str]],
    conns: list[int],
    title: str,
    unit: str,
    log: bool = False,
) -> None:
    width = 0.8 / len(targets)
    if not any(point(results, scenario, key, c) for key, _ in targets for c in conns):
        ax.set_title(title, fontsize=10)
        ax.text(
            0.5, 0.5, "not measured in this run", ha="center", va="center", transform=ax.transAxes
        )
        ax.set_xticks([])
        ax.set_yticks([])
        return
    for i, (key, label) in enumerate(targets):
        xs, ys, p99s = [], [], []
        for j, c in enumerate(conns):
            p = point(results, scenario, key, c)
            if p:
                xs.append(j + (i - (len(targets) - 1) / 2) * width)
                ys.append(p["rps"])
                p99s.append(p["p99_ms"])
        drawn = ax.bar(xs, ys, width, label=label, color=COLORS.get(key))
        for rect, p99 in zip(drawn, p99s):
            ax.annotate(
                f"p99 {p99:.0f}" if p99 >= 10 else f"p99 {p99:.1f}",
                (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                ha="center",
                va="bottom",
                fontsize=6,
                rotation=90,
                xytext=(0, 2),
                textcoords="offset points",
            )
    ax.set_xticks(range(len(conns)), [f"c={c}" for c in conns])
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(unit)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    ax.margins(y=0.25)


def main() -> None:
    results = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    bars(
        axes[0][0],
        results,
        "rest-hit",
        [
            ("bare", "bare Starlette (limit)"),
            ("iocgate-sqlite", "iocgate sqlite cache"),
            ("iocgate-memory", "iocgate memory cache"),
        ],
        [1, 16, 64],
        "REST cache hits, 100 KB behaviour_summary",
        "requests/s",
    )
    bars(
        axes[0][1],
        results,
        "rest-miss",
        [
            ("sim-direct", "simulator direct"),
            ("iocgate-off", "iocgate off, sim upstream"),
            ("static-direct", "static upstream direct"),
            ("iocgate-off-static", "iocgate off, static upstream"),
        ],
        [1, 16],
        "REST cache misses (every request upstream; log scale)",
        "requests/s",
        log=True,
    )
    bars(
        axes[1][0],
        results,
        "mcp",
        [
            ("iocgate-sqlite", "iocgate (cached, sqlite)"),
            ("iocgate-memory", "iocgate (cached, memory)"),
            ("sdk-lowlevel", "SDK low-level (fetches)"),
            ("fastmcp-proxy", "FastMCP from_openapi"),
        ],
        [1, 16],
        "MCP tools/call, 100 KB summary",
        "calls/s",
    )
    ax = axes[1][1]
    md = results.get("memdump", {})
    names = {
        "sim-direct": "simulator direct",
        "iocgate-off": "iocgate, cache off",
        "iocgate-sqlite": "iocgate, sqlite",
    }
    keys = [k for k in names if k in md]
    if not keys:
        ax.text(
            0.5, 0.5, "not measured in this run", ha="center", va="center", transform=ax.transAxes
        )
    drawn = ax.bar(
        [names[k] for k in keys],
        [md[k]["mb_per_s"] for k in keys],
        color=[COLORS.get(k, "#1f77b4") for k in keys],
    )
    for rect, k in zip(drawn, keys):
        ax.annotate(
            f"RSS +{md[k]['rss_growth_mb']:.1f} MB",
            (rect.get_x() + rect.get_width() / 2, rect.get_height()),
            ha="center",
            va="bottom",
            fontsize=7,
            xytext=(0, 2),
            textcoords="offset points",
        )
    size = results.get("sample", {}).get("memdump_bytes", 0) / 2**20
    ax.set_title(f"Artefact streaming: {size:,.0f} MiB memdump", fontsize=10)
    ax.set_ylabel("MB/s")
    ax.margins(y=0.2)
    m = results.get("machine", {})
    fig.suptitle(
        f"iocgate benchmarks — {m.get('date', '')} — {m.get('cpu', '')}, {m.get('cores', '')} cores, "
        f"Python {m.get('python', '')} — server on core 0, wrk on core 1",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
