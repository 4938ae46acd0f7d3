"""Coverage of the generated monitoring: COVERAGE.md and COVERAGE.html, and `mac coverage`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitoring.artifacts import Artifact
from monitoring.coverage.html import html
from monitoring.coverage.model import coverage_model
from monitoring.coverage.render import markdown
from monitoring.model import Inventory
from monitoring.naming import GENERATED_HEADER


def coverage_artifacts(inventory: Inventory, families: Mapping[str, Sequence[Artifact]]) -> list[Artifact]:
    model = coverage_model(inventory, families)
    return [
        Artifact("COVERAGE.html", html(model), "text"),
        Artifact("COVERAGE.md", f"<!-- {GENERATED_HEADER} -->\n{markdown(model)}", "text"),
    ]
