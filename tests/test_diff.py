"""`mac diff`: a change to a git-tracked inventory, as what it changes in the monitoring."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from monitoring.diff.compare import compare, summarise
from monitoring.pipeline import build_artifacts

FIXTURES = Path(__file__).parent / "fixtures" / "inventory" / "valid"
FIXTURE = FIXTURES / "minimal"
STANDARD_ALARM_USD = 0.10
NEW_MEMCACHED = (
    "  - kind: memcached\n    name: pages\n    domain: shop\n    nodes: ['pages.example.internal:11211']\n"
)
NEW_REDIS = (
    "  - kind: redis\n    name: cache-b\n    domain: shop\n    endpoint: cache-b.example.internal:6379\n"
)


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "inventory")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "inventory")
    return tmp_path


def mac_diff(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["diff", "-i", str(repo / "inventory"), *args])


def append(repo: Path, text: str) -> None:
    with (repo / "inventory" / "inventory.yaml").open("a") as inventory:
        inventory.write(text)


def override_memory_threshold(repo: Path) -> None:
    append(repo, "    thresholds: {max_memory_use_ratio: 0.8}\n")


def diff_json(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_unchanged_working_tree_shows_no_change(repo: Path) -> None:
    result = mac_diff(repo, "--exit-code")
    assert result.exit_code == 0, result.output
    assert result.stdout == "no change to the monitoring\n"


def test_one_threshold_edit_shows_exactly_that_alert_in_markdown(repo: Path) -> None:
    override_memory_threshold(repo)
    result = mac_diff(repo, "--format", "markdown")
    assert result.exit_code == 0, result.output
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert table[2:] == [
        "| Alert rules | 0 | 0 | 1 |",
        "| | Name | Details |",
        "| --- | --- | --- |",
        "| changed | `redis/RedisMemoryHigh` | expr: "
        '`service:redis_memory_use_ratio:max{service!=""} > 0.9` -> '
        '`service:redis_memory_use_ratio:max{service!=""} > 0.8`<br>threshold: `0.9` -> `0.8` |',
    ]
    assert "<details><summary>Alert rules (1)</summary>" in result.stdout
    assert "+0.00 USD per month" in result.stdout


def test_alarm_thresholds_read_as_the_inventory_wrote_them(repo: Path) -> None:
    append(
        repo,
        "  - kind: mysql\n    name: orders\n    domain: shop\n    endpoint: orders.example.internal:3306\n",
    )
    git(repo, "commit", "-q", "-am", "orders")
    append(repo, "    thresholds: {max_cpu_percent: 70, max_read_latency_seconds: 0.125}\n")
    result = mac_diff(repo)
    assert result.exit_code == 0, result.output
    assert "      Threshold: 80 -> 70\n" in result.stdout
    assert "      Threshold: 0.05 -> 0.125\n" in result.stdout


def test_json_lists_every_family_with_before_and_after(repo: Path) -> None:
    override_memory_threshold(repo)
    document = diff_json(mac_diff(repo, "--format", "json"))
    assert document["changed"] is True
    assert set(document["families"]) == {"scrape", "alerts", "dashboards", "alarms", "retention"}
    assert [family for family, changes in document["families"].items() if changes] == ["alerts"]
    (change,) = document["families"]["alerts"]
    assert change["action"] == "changed"
    assert change["fields"]["threshold"] == {"before": "0.9", "after": "0.8"}
    assert document["counts"]["alerts"] == {"added": 0, "removed": 0, "changed": 1}


def test_added_services_add_jobs_alerts_and_alarms_with_their_cost(repo: Path) -> None:
    append(repo, NEW_MEMCACHED + NEW_REDIS)
    document = diff_json(mac_diff(repo, "--format", "json"))
    families = document["families"]
    assert [(c["action"], c["key"]) for c in families["scrape"] if c["action"] == "added"] == [
        ("added", "memcached")
    ]
    (redis_job,) = [c for c in families["scrape"] if c["key"] == "redis"]
    removed, added = redis_job["fields"]["targets"]["before"], redis_job["fields"]["targets"]["after"]
    assert removed == [] and len(added) == 1 and "cache-b" in added[0]
    alerts = families["alerts"]
    assert alerts and all(c["action"] == "added" and c["key"].startswith("memcached/") for c in alerts)
    assert {c["action"] for c in families["alarms"]} == {"added"}
    alarms_added = [c["key"] for c in families["alarms"]]
    assert {name.split("/")[3] for name in alarms_added} == {"pages", "cache-b"}
    assert document["cost_delta_usd_per_month"]["alarms"] == round(len(alarms_added) * STANDARD_ALARM_USD, 2)


def test_two_refs_compare_commits_not_the_working_tree(repo: Path) -> None:
    override_memory_threshold(repo)
    git(repo, "commit", "-q", "-am", "lower the memory threshold")
    append(repo, NEW_MEMCACHED)
    document = diff_json(mac_diff(repo, "HEAD~1", "HEAD", "--format", "json"))
    assert [(c["action"], c["key"]) for c in document["families"]["alerts"]] == [
        ("changed", "redis/RedisMemoryHigh")
    ]
    assert document["families"]["scrape"] == []
    assert mac_diff(repo, "HEAD", "HEAD", "--exit-code").exit_code == 0
    changed = mac_diff(repo, "HEAD~1", "HEAD", "--exit-code")
    assert changed.exit_code == 1
    assert "redis/RedisMemoryHigh" in changed.stdout


def test_one_ref_is_compared_with_the_working_tree(repo: Path) -> None:
    override_memory_threshold(repo)
    git(repo, "commit", "-q", "-am", "lower the memory threshold")
    document = diff_json(mac_diff(repo, "HEAD~1", "--format", "json"))
    assert [c["key"] for c in document["families"]["alerts"]] == ["redis/RedisMemoryHigh"]


def test_bad_ref_exits_2_naming_it(repo: Path) -> None:
    result = mac_diff(repo, "no-such-branch")
    assert result.exit_code == 2
    assert "unknown revision 'no-such-branch'" in result.stderr
    assert "Traceback" not in result.output


def test_not_a_git_repository_exits_2(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "inventory")
    result = CliRunner().invoke(cli, ["diff", "-i", str(tmp_path / "inventory")])
    assert result.exit_code == 2
    assert "is not in a git repository" in result.stderr


def test_invalid_inventory_at_a_ref_is_reported_at_ref_path(repo: Path) -> None:
    append(repo, "  - kind: redis\n    name: cache-b\n")
    git(repo, "commit", "-q", "-am", "broken")
    result = mac_diff(repo, "HEAD", "HEAD~1")
    assert result.exit_code == 2
    assert "the inventory at HEAD is invalid" in result.stderr
    assert "HEAD:inventory/inventory.yaml:" in result.output


def test_retention_changes_are_compared_by_rule_pattern_and_log_group(tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(FIXTURES / "multi-account", before)
    shutil.copytree(FIXTURES / "multi-account", after)
    inventory = after / "inventory.yaml"
    text = inventory.read_text()
    assert "  default_days: 30\n" in text and "      days: 14\n" in text
    inventory.write_text(
        text.replace("  default_days: 30\n", "  default_days: 60\n").replace(
            "      days: 14\n", "      days: 7\n"
        )
    )
    diff = compare(summarise(build_artifacts(before)), summarise(build_artifacts(after)))
    assert [change.family for change in diff.changes] == ["retention"] * len(diff.changes)
    fields = {change.key: change.fields for change in diff.changes}
    assert fields["default"] == {"days": (30, 60)}
    assert fields["rule /aws/lambda/*"] == {"days": (14, 7)}
    log_groups = {key: value for key, value in fields.items() if key.startswith("log group ")}
    assert log_groups and all(value == {"days": (30, 60)} for value in log_groups.values())


def test_removed_kind_removes_its_job_alerts_and_fleet_dashboard(tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(FIXTURES / "every-kind", before)
    shutil.copytree(FIXTURES / "every-kind", after)
    inventory = after / "inventory.yaml"
    text, removed = re.subn(r"  - kind: memcached\n(    .*\n)+", "", inventory.read_text())
    assert removed == 1
    inventory.write_text(text)
    diff = compare(summarise(build_artifacts(before)), summarise(build_artifacts(after)))
    assert [(c.action, c.key) for c in diff.of("scrape")] == [("removed", "memcached")]
    assert diff.of("alerts") and all(
        c.action == "removed" and c.key.startswith("memcached/") for c in diff.of("alerts")
    )
    boards = {c.key: c.action for c in diff.of("dashboards")}
    assert [key for key, action in boards.items() if action == "removed"] == ["acme-memcached"]
    assert diff.of("alarms") and {c.action for c in diff.of("alarms")} == {"removed"}
    assert diff.alarm_cost_delta_usd_per_month() == -len(diff.of("alarms")) * STANDARD_ALARM_USD


def test_override_for_one_service_adds_its_rule_and_narrows_the_fleet_rule(repo: Path) -> None:
    append(repo, NEW_REDIS)
    git(repo, "commit", "-q", "-am", "cache-b")
    append(repo, "    thresholds: {max_memory_use_ratio: 0.7}\n")
    document = diff_json(mac_diff(repo, "--format", "json"))
    assert [family for family, changes in document["families"].items() if changes] == ["alerts"]
    alerts = {change["key"]: change for change in document["families"]["alerts"]}
    assert set(alerts) == {'redis/RedisMemoryHigh [service=~"cache-b"]', "redis/RedisMemoryHigh"}
    assert alerts['redis/RedisMemoryHigh [service=~"cache-b"]']["action"] == "added"
    fleet = alerts["redis/RedisMemoryHigh"]
    assert fleet["action"] == "changed"
    assert fleet["fields"]["services"] == {"before": "all", "after": 'service!~"cache-b"'}


def test_sharded_jobs_and_other_evaluators_rules_are_kept_apart() -> None:
    families = build_artifacts(FIXTURES / "sharded-vm")
    configs = [a for a in families["prometheus"] if a.path.endswith("prometheus.yml")]
    assert len(configs) > 1
    summary = summarise(families)
    assert len(summary["scrape"]) == sum(len(a.data["scrape_configs"]) for a in configs)
    alert_count = sum(
        1
        for artifact in families["rules"]
        if isinstance(artifact.data, dict)
        for group in artifact.data.get("groups", [])
        for rule in group["rules"]
        if "alert" in rule
    )
    assert len(summary["alerts"]) == alert_count
