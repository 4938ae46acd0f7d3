"""The one place the bundled inventory is held to the fleet report (the data system report,
sections 2.1, 2.2 and appendix A). Every other test derives its expectations from the inventory,
so changing the fleet means changing this file and nothing else."""

from __future__ import annotations

import pytest

from monitoring.inventory.build import load_inventory
from monitoring.kinds.redis import RedisService
from monitoring.model import Inventory
from tests.helpers import REPO


@pytest.fixture(scope="module")
def bundled() -> Inventory:
    return load_inventory(REPO / "inventory")


def test_bundled_fleet_matches_the_report(bundled: Inventory) -> None:
    counts = {kind: len([s for s in bundled.services if s.kind == kind]) for kind in bundled.kinds_present()}
    # 62 MySQL rows in the report, one server (aws-luckyus-dbatest-rw) listed twice.
    assert counts == {
        "documentdb": 1,
        "kafka": 1,
        "kubernetes": 1,
        "mysql": 61,
        "node": 7,
        "opensearch": 2,
        "postgresql": 3,
        "redis": 76,
    }
    assert {d.name for d in bundled.domains} == {
        "sales",
        "operations",
        "scm",
        "finance",
        "platform",
        "data",
        "hr",
    }
    assert [ds.uid for ds in bundled.settings.datasources][:7] == [
        "df8o21agxtkw0d",
        "ff7hkeec6c9a8e",
        "ff6p0gjt24phce",
        "ef5ay9lchfg1sa",
        "af8o704xu3280a",
        "af8p2vx4nhp1ce",
        "ff7ehok3sf56oa",
    ]
    assert bundled.log_retention is not None
    slow_query = next(r for r in bundled.log_retention.rules if r.pattern == "/aws/rds/instance/*/slowquery")
    assert slow_query.count == 51
    # Objectives on the report's business-critical paths: the sales domain's order and payment DBs.
    assert [(s.service, s.name, s.objective, s.period_days, s.source) for s in bundled.slos] == [
        ("aws-luckyus-salesorder-rw", "availability", 99.5, 30, "inventory"),
        ("aws-luckyus-salespayment-rw", "availability", 99.5, 28, "inventory"),
        ("aws-luckyus-salespayment-rw", "connections", 99.9, 28, "openslo"),
    ]
    # The target that was down because of a trailing space in its hostname.
    iopenlinkeradmin = next(s for s in bundled.services if s.name == "luckyus-iopenlinkeradmin")
    assert isinstance(iopenlinkeradmin, RedisService)
    assert iopenlinkeradmin.endpoint == iopenlinkeradmin.endpoint.strip()
