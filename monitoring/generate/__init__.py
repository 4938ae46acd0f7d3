"""Generators: pure functions Inventory -> list[Artifact], one per output family."""

from __future__ import annotations

from collections.abc import Callable

from monitoring.artifacts import Artifact
from monitoring.generate.alertmanager import alertmanager_config
from monitoring.generate.cloudwatch import cloudwatch_config
from monitoring.generate.grafana import grafana_config
from monitoring.generate.prometheus import prometheus_config
from monitoring.generate.rules import rule_files
from monitoring.model import Inventory

Generator = Callable[[Inventory], list[Artifact]]

# Order is the order of the progress report; output does not depend on it.
GENERATORS: dict[str, Generator] = {
    "prometheus": prometheus_config,
    "alertmanager": alertmanager_config,
    "rules": rule_files,
    "cloudwatch": cloudwatch_config,
    "grafana": grafana_config,
}


def generate_all(inventory: Inventory, only: tuple[str, ...] = ()) -> dict[str, list[Artifact]]:
    return {
        name: sorted(generator(inventory), key=lambda a: a.path)
        for name, generator in GENERATORS.items()
        if not only or name in only
    }
