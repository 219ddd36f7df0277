"""Importing a library without the parts a server never uses, with its behaviour intact."""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from iocgate.imports import defer_package_init, import_without

PACKAGE = "leanprobe_pkg"


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # A package whose __init__ pulls in a heavy submodule and re-exports a light one's name,
    # like `mcp/__init__` importing the SDK's client.
    root = tmp_path / PACKAGE
    (root / "inner").mkdir(parents=True)
    (root / "__init__.py").write_text(
        "import time\nfrom . import heavy\nfrom .light import LIGHT\nfrom .inner import INNER\n"
        "time.sleep(0.05)\nRAN = True\n"  # slow enough for other threads to wait on it
    )
    (root / "heavy.py").write_text("HEAVY = 1\n")
    (root / "light.py").write_text("LIGHT = 'light'\n")
    (root / "inner" / "__init__.py").write_text("from .deep import DEEP as INNER\n")
    (root / "inner" / "deep.py").write_text("DEEP = 'deep'\n")
    (root / "cli.py").write_text(
        "try:\n    import leanprobe_extra\nexcept ImportError:\n    X = 0\n"
    )
    (tmp_path / "leanprobe_extra.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [m for m in sys.modules if m.split(".")[0] in (PACKAGE, "leanprobe_extra")]:
        del sys.modules[name]


def _loaded(name: str) -> bool:
    return f"{PACKAGE}.{name}" in sys.modules


@pytest.mark.usefixtures("package")
def test_a_submodule_imports_without_its_packages_init() -> None:
    defer_package_init(PACKAGE, f"{PACKAGE}.inner")
    from leanprobe_pkg.inner.deep import DEEP  # type: ignore[import-not-found]
    from leanprobe_pkg.light import LIGHT  # type: ignore[import-not-found]

    assert (DEEP, LIGHT) == ("deep", "light")
    assert not _loaded("heavy")


@pytest.mark.usefixtures("package")
def test_whoever_asks_the_package_for_a_name_gets_it_whole() -> None:
    defer_package_init(PACKAGE, f"{PACKAGE}.inner")
    import leanprobe_pkg.light  # type: ignore[import-not-found]
    from leanprobe_pkg import INNER, RAN

    assert (RAN, INNER, leanprobe_pkg.heavy.HEAVY) == (True, "deep", 1)
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = leanprobe_pkg.missing


@pytest.mark.usefixtures("package")
def test_threads_asking_at_once_all_get_the_name() -> None:
    defer_package_init(PACKAGE)
    importlib.import_module(f"{PACKAGE}.light")
    package = sys.modules[PACKAGE]
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(package.RAN)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [True] * 8


@pytest.mark.usefixtures("package")
def test_a_package_already_imported_is_left_as_it_is() -> None:
    import leanprobe_pkg

    defer_package_init(PACKAGE)
    assert sys.modules[PACKAGE] is leanprobe_pkg


@pytest.mark.usefixtures("package")
def test_an_optional_module_looks_absent_only_while_importing() -> None:
    cli = import_without(f"{PACKAGE}.cli", ("leanprobe_extra",))
    assert cli.X == 0  # it took its fallback
    assert "leanprobe_extra" not in sys.modules
    import leanprobe_extra  # type: ignore[import-not-found]  # still importable afterwards

    assert leanprobe_extra.__name__ == "leanprobe_extra"
