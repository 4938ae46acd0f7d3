"""COVERAGE.md counts what the other generators produced."""

from __future__ import annotations

from monitoring.inventory.build import load_inventory
from monitoring.pipeline import build_artifacts
from tests.helpers import REPO


def test_coverage_matrix_for_bundled_fleet() -> None:
    inventory = load_inventory(REPO / "inventory")
    families = build_artifacts(REPO / "inventory")
    [report] = families["coverage"]
    rows = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
        for line in report.data.split("## Logs")[0].splitlines()
        if line.startswith("| ")
    }
    for kind, title in (("mysql", "MySQL"), ("redis", "Redis")):
        count = str(len([s for s in inventory.services if s.kind == kind]))
        assert rows[title][:2] == [count, count]
    assert rows["EC2 nodes"][1] == "discovered"
    alerts = {kind: int(row[2]) for kind, row in rows.items() if kind not in ("system", "**total**")}
    for kind in ("MySQL", "Redis", "PostgreSQL", "EC2 nodes", "Kafka (MSK)", "Kubernetes (EKS)"):
        assert alerts[kind] > 0, kind
    alarms = {kind: int(row[4]) for kind, row in rows.items() if kind not in ("system", "**total**")}
    assert all(alarms[k] > 0 for k in ("MySQL", "Redis", "OpenSearch", "DocumentDB", "Kafka (MSK)"))
    assert rows["**total**"][4] == str(sum(alarms.values()))
    assert inventory.log_retention is not None
    for rule in inventory.log_retention.rules:
        assert (
            f"`{rule.pattern}` | {rule.days} days | {'-' if rule.count is None else rule.count} |"
            in report.data
        )
