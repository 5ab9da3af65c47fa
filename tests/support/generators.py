"""The gazetteer's generator scripts (config/gazetteer/generate_*.py), loaded as modules for their tests."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from monitor.resources import gazetteer_dir


@contextmanager
def generator(name: str) -> Iterator[ModuleType]:
    """``config/gazetteer/<name>.py`` as a module, with its folder on sys.path for its sibling imports."""
    folder = str(gazetteer_dir())
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location(name, gazetteer_dir() / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(folder)
