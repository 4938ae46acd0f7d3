"""Registries name their entries by import path ("module:attribute"), resolved on first use, so a
process imports only what it runs."""

from __future__ import annotations

import importlib
from typing import Any


def resolve(path: str) -> Any:
    module, attribute = path.split(":")
    return getattr(importlib.import_module(module), attribute)
