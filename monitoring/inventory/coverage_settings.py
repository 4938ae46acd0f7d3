"""settings.coverage: the team's monitoring before adopting mac and the minimums it aims for,
read by the coverage report (monitoring/coverage/)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from monitoring.model import CoverageBefore, CoverageRange, CoverageSettings
from monitoring.problems import Problem

if TYPE_CHECKING:
    from monitoring.inventory.loader import Document

SIGNALS = ("metrics", "logs", "alerts", "dashboards")
_CHECK = "inventory/coverage"


def coverage_settings(raw: Mapping[str, Any], grafana_url: str) -> CoverageSettings:
    return CoverageSettings(
        source=raw.get("source", ""),
        baseline=dict(raw.get("baseline", {})),
        baseline_notes=dict(raw.get("baseline_notes", {})),
        recommended={
            name: CoverageRange(value["min"], value.get("max"))
            for name, value in raw.get("recommended", {}).items()
        },
        before={
            kind: CoverageBefore({signal: levels[signal] for signal in SIGNALS}, levels.get("note", ""))
            for kind, levels in sorted(raw.get("before", {}).items())
        },
        grafana_url=grafana_url,
    )


def coverage_problems(documents: list[Document]) -> list[Problem]:
    """Recommended ranges that run downwards."""
    problems: list[Problem] = []
    for doc in documents:
        settings = doc.data.get("settings")
        coverage = settings.get("coverage", {}) if isinstance(settings, dict) else {}
        for name, value in coverage.get("recommended", {}).items():
            if "max" in value and value["max"] < value["min"]:
                problems.append(
                    Problem(
                        doc.value_location(("settings", "coverage", "recommended", name, "max")),
                        f"settings.coverage.recommended.{name}: max {value['max']} is below "
                        f"min {value['min']}",
                        "a range runs from min up to max; drop max for a minimum alone",
                        _CHECK,
                    )
                )
    return problems
