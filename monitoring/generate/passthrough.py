"""Passthrough rule files, copied verbatim after a header so findings map to the source lines."""

from __future__ import annotations

from monitoring.artifacts import Artifact
from monitoring.model import Inventory
from monitoring.naming import GENERATED_HEADER

HEADER = (
    f"# {GENERATED_HEADER}\n# A passthrough rule file (settings.passthrough.rule_files), copied as written.\n"
)
HEADER_LINES = HEADER.count("\n")


def passthrough_rule_files(inventory: Inventory) -> list[Artifact]:
    return [
        Artifact(f"prometheus/rules/{rule.name}.rules.yml", HEADER + rule.text, "text", rule.source)
        for rule in inventory.settings.passthrough.rule_files
    ]
