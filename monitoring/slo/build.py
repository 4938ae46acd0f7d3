"""The SLOs read from the specs, completed with what their service's domain gives them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from monitoring.model import Inventory
from monitoring.slo.model import Slo


def attach_slos(drafts: Sequence[Slo], inventory: Inventory) -> tuple[Slo, ...]:
    services = {s.name: s for s in inventory.services}
    return tuple(
        sorted(
            (
                dataclasses.replace(
                    slo,
                    domain=services[slo.service].domain,
                    team=services[slo.service].team,
                    labels=services[slo.service].labels,
                )
                for slo in drafts
            ),
            key=lambda slo: (slo.service, slo.name),
        )
    )
