"""Modules loaded at their first use.

Not `importlib.util.LazyLoader`: on Python 3.11 a module it loads is half-made while a
second thread reads it (the web desk's first requests, served from several threads,
answered 500 with AttributeError). Here the stand-in imports the module with a plain
import, whose per-module lock makes every other thread wait for the whole module.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any


class _LazyModule(ModuleType):
    """Stands for a module that is imported when one of its attributes is first read."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def lazy_module(name: str) -> ModuleType:
    """``name``, imported when one of its attributes is first read."""
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is None:
        raise ImportError(f"no module named {name!r}", name=name)
    return _LazyModule(name)
