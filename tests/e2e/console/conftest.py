"""Fixtures for the console's browser tests: a demo gateway on real ports and headless Chromium.

The gateway is ``iocgate serve --demo`` when it serves the console at ``/``; until the lead wires
the console there, `tests/support/console_app.py` stands in (same composition, same routes).
The browser is Debian's ``chromium`` driven by Playwright (never Playwright's own download:
``scripts/ensure-chromium.sh`` installs the Debian package).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from iocgate.sim import Corpus, SimSettings, create_app

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO / "test-output" / "console"
CHROMIUM = os.environ.get("IOCGATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 30.0
# What this run found `iocgate serve` does not do yet ("console", "auth"), so that later
# gateways go straight to the stand-in instead of starting serve only to stop it.
_SERVE_LACKS: set[str] = set()


@dataclass
class ConsoleServer:
    """A gateway serving the console; ``kind`` says which runner it is (serve or stand-in)."""

    url: str
    kind: str
    process: subprocess.Popen[bytes]
    log: Path

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=60, **kwargs)


@dataclass
class PageProblems:
    """What a page did that a user would call a bug: script dialogs, errors in the console."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(cache_home: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "VIRUSTOTAL_API_KEY" and not k.startswith("IOCGATE_")
    }
    env["XDG_CACHE_HOME"] = str(cache_home)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        # Waiting on the process doubles as the pause between polls (and sees it exit early).
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(0.1)
    raise RuntimeError(
        f"the gateway did not answer /healthz in {START_TIMEOUT} s:\n{log.read_text()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _start(
    command: list[str], env: dict[str, str], log: Path, port: int, kind: str
) -> ConsoleServer:
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
    except BaseException:
        _stop(process)
        raise
    return ConsoleServer(url=url, kind=kind, process=process, log=log)


def _serve_lacks(server: ConsoleServer, token: str | None) -> set[str]:
    """Which of the console's needs this `iocgate serve` does not meet yet."""
    page = server.get("/")
    if page.status_code != 200 or 'id="console-config"' not in page.text:
        # With a token, a 401 here means the page is not exempt from authentication.
        return {"auth"} if token and page.status_code == 401 else {"console"}
    lacking = set()
    if token and '"authRequired":true' not in page.text:
        lacking.add("auth")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if server.get(f"/x/investigate/{'0' * 64}/plan", headers=headers).status_code == 404:
        lacking.add("plan")
    return lacking


@contextlib.contextmanager
def console_server(
    workdir: Path,
    *,
    quota: str | None = None,
    token: str | None = None,
    needs: frozenset[str] = frozenset({"console"}),
) -> Iterator[ConsoleServer]:
    """``iocgate serve --demo`` when it has what ``needs`` names, else the stand-in runner.

    ``needs``: "console" (the page at /), "auth" (the page open and told a token is needed
    when ``token`` is set), "plan" (``/x/investigate/{id}/plan``).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    extra = {"IOCGATE_TOKENS": token} if token else {}
    env = _environment(workdir / "cache", extra)
    rest_port, mcp_port = _free_port(), _free_port()
    serve = [
        sys.executable, "-m", "iocgate", "serve", "--demo",
        "--rest-port", str(rest_port), "--mcp-port", str(mcp_port),
    ]  # fmt: skip
    if quota:
        serve += ["--quota", quota]
    wanted = needs | ({"auth"} if token else set())
    server = None
    if not wanted & _SERVE_LACKS:
        server = _start(serve, env, workdir / "serve.log", rest_port, "serve")
        _SERVE_LACKS.update(_serve_lacks(server, token))
        if wanted & _SERVE_LACKS:
            # Not wired into `serve` yet: the stand-in has the same composition and routes.
            _stop(server.process)
            server = None
    if server is None:
        port = _free_port()
        runner = [sys.executable, "-m", "tests.support.console_app", "--port", str(port)]
        if quota:
            runner += ["--quota", quota]
        if token:
            runner += ["--auth-token", token]
        server = _start(runner, env, workdir / "runner.log", port, "stand-in")
    try:
        yield server
    finally:
        _stop(server.process)


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """The demo simulator's corpus (same seed as the in-process simulator of demo mode)."""
    corpus: Corpus = create_app(SimSettings()).state.sim.corpus
    return corpus


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    """The demo gateway shared by the console tests (unlimited quota, no token)."""
    with console_server(tmp_path_factory.mktemp("console-gateway")) as server:
        yield server


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright, for this folder's tests.

    Not per session: Playwright's sync API keeps an event loop running in the main thread
    until it stops, and the anyio tests that pytest runs later need that thread's loop free.
    """
    if os.environ.get("IOCGATE_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("IOCGATE_SKIP_BROWSER_TESTS=1")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def open_page(browser: Any, *, width: int = 1280, height: int = 900) -> tuple[Any, PageProblems]:
    """A fresh context and page that records dialogs and console errors."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = PageProblems()

    def on_dialog(dialog: Any) -> None:
        problems.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def on_console(message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            problems.console_errors.append(f"{message.text} [{where}]")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
    return page, problems


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """``new_page(width=..., height=...)``: a fresh page and its recorded problems."""
    contexts: list[Any] = []

    def factory(*, width: int = 1280, height: int = 900) -> tuple[Any, PageProblems]:
        opened, problems = open_page(browser, width=width, height=height)
        contexts.append(opened.context)
        return opened, problems

    try:
        yield factory
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page: Any) -> tuple[Any, PageProblems]:
    """A 1280 px wide page with its recorded problems."""
    opened: tuple[Any, PageProblems] = new_page()
    return opened


@pytest.fixture(scope="session")
def start_gateway() -> Any:
    """``with start_gateway(workdir, quota=..., token=...) as server``: a gateway of its own."""
    return console_server


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where each view's screenshot goes, for a person to look at."""
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)  # only this run's pictures
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


READY = "#investigation:not([hidden]):not([aria-busy]) #inv-title"


def search(page: Any, query: str) -> None:
    """Type ``query`` in the search box and press Enter, as an analyst would."""
    box = page.locator("#search-input")
    box.fill(query)
    box.press("Enter")


@pytest.fixture
def investigate() -> Any:
    """``investigate(page, gateway, query)``: open the console, search, wait for the view.

    Returns the brief JSON the page rendered (captured from its own request).
    """

    def run(page: Any, server: ConsoleServer, query: str) -> Any:
        page.goto(server.url + "/")
        file_hash = query.split("_", 1)[0].lower()
        with page.expect_response(
            lambda r: r.url.split("?", 1)[0].endswith(f"/x/investigate/{file_hash}"),
            timeout=60_000,
        ) as answer:
            search(page, query)
        page.wait_for_selector(READY, timeout=60_000)
        return answer.value.json() if answer.value.ok else None

    return run
