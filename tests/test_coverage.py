"""COVERAGE.md counts what the other generators produced."""

from __future__ import annotations

from monitoring.pipeline import build_artifacts
from tests.helpers import REPO


def test_coverage_matrix_for_bundled_fleet() -> None:
    families = build_artifacts(REPO / "inventory")
    [report] = families["coverage"]
    rows = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
        for line in report.data.split("## Logs")[0].splitlines()
        if line.startswith("| ")
    }
    assert rows["MySQL"][:2] == ["61", "61"]
    assert rows["Redis"][:2] == ["76", "76"]
    assert rows["EC2 nodes"][1] == "discovered"
    alerts = {kind: int(row[2]) for kind, row in rows.items() if kind not in ("system", "**total**")}
    for kind in ("MySQL", "Redis", "PostgreSQL", "EC2 nodes", "Kafka (MSK)", "Kubernetes (EKS)"):
        assert alerts[kind] > 0, kind
    alarms = {kind: int(row[4]) for kind, row in rows.items() if kind not in ("system", "**total**")}
    assert all(alarms[k] > 0 for k in ("MySQL", "Redis", "OpenSearch", "DocumentDB", "Kafka (MSK)"))
    assert rows["**total**"][4] == str(sum(alarms.values()))
    assert "`/aws/rds/instance/*/slowquery` | 30 days | 51" in report.data
