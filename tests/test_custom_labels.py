"""Custom labels (settings, domain, service) reach every alert, and the promtool tests expect them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitoring.generate.rules import rule_files
from monitoring.inventory.build import load_inventory
from monitoring.model import Inventory
from monitoring.problems import InputError
from tests.helpers import REPO, promtool_test_failures

EVERY_KIND = REPO / "tests" / "fixtures" / "inventory" / "valid" / "every-kind" / "inventory.yaml"


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Inventory, Path]:
    raw = yaml.safe_load(EVERY_KIND.read_text())
    raw["settings"]["labels"] = {"costcenter": "cc-42", "tier": "silver"}
    for domain in raw["domains"]:
        domain["labels"] = {"tier": "gold", "region_group": "us"}
    for index, service in enumerate(raw["services"]):
        service["labels"] = {"owner": f"owner-{index}", **({"tier": "bronze"} if index % 2 else {})}
    folder = tmp_path_factory.mktemp("labelled")
    (folder / "inventory").mkdir()
    (folder / "inventory" / "inventory.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    inventory = load_inventory(folder / "inventory")
    out = folder / "out"
    for artifact in rule_files(inventory):
        target = out / artifact.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artifact.render())
    return inventory, out


@pytest.mark.integration
def test_promtool_tests_pass_with_custom_labels_on_every_level(labelled: tuple[Inventory, Path]) -> None:
    _, out = labelled
    files = sorted(str(p) for p in (out / "prometheus" / "tests").glob("*.yml"))
    assert len(files) > 5
    failures = promtool_test_failures(files)
    assert not failures, failures


def test_every_expected_alert_carries_the_custom_labels(labelled: tuple[Inventory, Path]) -> None:
    inventory, out = labelled
    services = {s.name: s for s in inventory.services}
    checked = 0
    for path in (out / "prometheus" / "tests").glob("*.test.yml"):
        for case in yaml.safe_load(path.read_text())["tests"]:
            for alert in case["alert_rule_test"][0]["exp_alerts"]:
                labels = alert["exp_labels"]
                if "service" in labels and labels["service"] in services:
                    wanted = dict(services[labels["service"]].labels)
                else:  # absent(): no series, so the domain's labels (settings' included)
                    wanted = dict(inventory.domain(labels["domain"]).labels)
                assert wanted.items() <= labels.items(), case["name"]
                checked += 1
    assert checked > 50


@pytest.mark.parametrize("scope", ["settings", "domains", "services"])
def test_a_label_the_tool_sets_is_refused_at_every_level(tmp_path: Path, scope: str) -> None:
    raw = yaml.safe_load(EVERY_KIND.read_text())
    holder = raw[scope] if scope == "settings" else raw[scope][0]
    holder["labels"] = {"severity": "low"}
    (tmp_path / "inventory.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(InputError) as raised:
        load_inventory(tmp_path)
    [problem] = raised.value.problems
    assert problem.check == "inventory/reserved-label" and "'severity' is reserved" in problem.message
