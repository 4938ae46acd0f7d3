"""Generators: pure functions Inventory -> list[Artifact], one per output family.

The registry names each generator by import path, so a process imports only the generators it
runs (grafanalib alone takes a tenth of a second to import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from monitoring.artifacts import Artifact
from monitoring.lazy import resolve
from monitoring.model import Inventory

Generator = Callable[[Inventory], list[Artifact]]

# Order is the order of the progress report; output does not depend on it.
GENERATORS: dict[str, str] = {
    "prometheus": "monitoring.generate.prometheus:prometheus_config",
    "alertmanager": "monitoring.generate.alertmanager:alertmanager_config",
    "rules": "monitoring.generate.rules:rule_files",
    "cloudwatch": "monitoring.generate.cloudwatch:cloudwatch_config",
    "grafana": "monitoring.generate.grafana:grafana_config",
    "kubernetes": "monitoring.generate.operator:operator_resources",
}


def generator(name: str) -> Generator:
    found: Generator = resolve(GENERATORS[name])
    return found


def generate_all(inventory: Inventory, only: Iterable[str] | None = None) -> dict[str, list[Artifact]]:
    """The named families (all when only is None), each sorted by path."""
    names = GENERATORS if only is None else [name for name in GENERATORS if name in set(only)]
    return {name: sorted(generator(name)(inventory), key=lambda a: a.path) for name in names}
