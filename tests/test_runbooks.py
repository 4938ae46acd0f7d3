"""Runbook links: one anchor per kind and check (CloudWatch) or alert (Prometheus), whatever the
runbook_url template uses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitoring.generate.cloudwatch import desired_alarms
from monitoring.inventory.build import load_inventory
from monitoring.kinds import KINDS
from monitoring.lazy import resolve
from monitoring.model import Settings
from monitoring.naming import alarm_runbook_url, runbook_url
from monitoring.rule_packs import available_packs, load_pack
from tests.helpers import REPO

WITHOUT_KIND = "https://wiki.example.com/runbooks/{alertname}"
EVERY_KIND = REPO / "tests" / "fixtures" / "inventory" / "valid" / "every-kind"


@pytest.mark.parametrize("template", [WITHOUT_KIND, "https://runbooks.example.com/{kind}#{alertname}"])
def test_every_check_and_alert_has_its_own_runbook_anchor(template: str) -> None:
    settings = Settings(organization="acme", environment="test", region="us-east-1", runbook_url=template)
    links = [
        alarm_runbook_url(settings, name, check)
        for name, kind in KINDS.items()
        if kind.alarms is not None
        for check in resolve(kind.alarms).checks
    ]
    links += [
        runbook_url(settings, kind, a.alert) for kind in available_packs() for a in load_pack(kind).alerts
    ]
    assert len(links) == len(set(links))
    assert alarm_runbook_url(settings, "mysql", "cpu-high") != alarm_runbook_url(
        settings, "opensearch", "cpu-high"
    )


def test_alarm_descriptions_link_the_kinds_runbook(tmp_path: Path) -> None:
    raw = yaml.safe_load((EVERY_KIND / "inventory.yaml").read_text())
    raw["settings"]["runbook_url"] = WITHOUT_KIND
    (tmp_path / "inventory.yaml").write_text(yaml.safe_dump(raw))
    inventory = load_inventory(tmp_path)
    cpu = {
        alarm["AlarmDescription"].rsplit("Runbook: ", 1)[1]
        for name, alarm in desired_alarms(inventory).items()
        if name.endswith("/cpu-high")
    }
    assert {
        "https://wiki.example.com/runbooks/mysql-cpu-high",
        "https://wiki.example.com/runbooks/opensearch-cpu-high",
    } <= cpu
