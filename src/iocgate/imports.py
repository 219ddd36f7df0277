"""Importing a library without the parts of it a server never uses (RSS, bench/FINDINGS.md)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from collections.abc import Iterable
from types import ModuleType
from typing import Any

__all__ = ["defer_package_init", "import_without"]


def import_without(name: str, optional: Iterable[str]) -> ModuleType:
    """Import ``name`` while the ``optional`` modules it tries (``try: import x except
    ImportError``) look absent: it takes its own fallback for each.

    A module already imported (a test process, a host application) is left as it is; the
    optional modules stay importable by anyone else afterwards.
    """
    if name in sys.modules:
        return sys.modules[name]
    blocked = [module for module in optional if module not in sys.modules]
    for module in blocked:
        sys.modules[module] = None  # type: ignore[assignment]  # its import raises ImportError
    try:
        return importlib.import_module(name)
    finally:
        for module in blocked:
            if sys.modules.get(module, 0) is None:
                del sys.modules[module]


class _DeferredPackage(ModuleType):
    """A package whose ``__init__`` runs on the first look-up of a name it does not hold yet.

    Its submodules import as usual (the import system needs only ``__path__``); whoever asks
    the package itself for a name (``from mcp import Client``, ``mcp.ClientSession``) gets the
    package exactly as its ``__init__`` builds it, at that moment.
    """

    _init_lock = threading.RLock()

    def __getattr__(self, name: str) -> Any:
        with self._init_lock:
            if name in self.__dict__:  # set by an __init__ that ran in another thread meanwhile
                return self.__dict__[name]
            if self.__dict__.get("_deferred_init_ran", True):
                # Ran already (the name does not exist), or is running in this thread: a
                # `from . import x` inside __init__ then imports the submodule instead.
                raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
            self.__dict__["_deferred_init_ran"] = True
            spec = self.__spec__
            assert spec is not None  # set by defer_package_init, with a loader
            assert spec.loader is not None
            spec.loader.exec_module(self)
        return ModuleType.__getattribute__(self, name)


def defer_package_init(*names: str) -> None:
    """Register the packages ``names`` (parents first) so that importing one of their
    submodules does not run their ``__init__``, which imports much more than that submodule.

    Nothing changes for a package already imported or not installed. If a submodule imports a
    name from its package, the ``__init__`` simply runs then: the saving is lost, not the
    behaviour.
    """
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.submodule_search_locations is None or spec.loader is None:
            continue
        package = _DeferredPackage(name)
        package.__dict__.update(
            __spec__=spec,
            __loader__=spec.loader,
            __file__=spec.origin,
            __path__=list(spec.submodule_search_locations),
            __package__=name,
            _deferred_init_ran=False,
        )
        sys.modules[name] = package
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, package)
