"""load -> validate -> model -> generate -> check, as one call for the CLI and the tests."""

from __future__ import annotations

from pathlib import Path

from monitoring.artifacts import Artifact
from monitoring.checks import check_artifacts
from monitoring.coverage import coverage_report
from monitoring.generate import generate_all
from monitoring.inventory.build import load_inventory


class OutputCheckError(Exception):
    """Generated output failed validation: a bug or an impossible threshold, never written."""

    def __init__(self, findings: list[str]) -> None:
        self.findings = findings
        super().__init__("\n".join(findings))


def build_artifacts(inventory_root: Path) -> dict[str, list[Artifact]]:
    inventory = load_inventory(inventory_root)
    families = generate_all(inventory)
    # Coverage summarises the other families, so it is derived from their artifacts.
    families["coverage"] = [coverage_report(inventory, families)]
    findings = check_artifacts([a for family in families.values() for a in family])
    if findings:
        raise OutputCheckError(findings)
    return families
