"""settings.passthrough: extra scrape jobs, rule files and Alertmanager receivers/routes, merged
into the output, checked like it, and accepted by Debian's promtool and amtool."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from monitoring.pipeline import OutputCheckError, build_artifacts
from monitoring.problems import InputError
from tests.helpers import REPO, run_mac
from tests.servers import tool

FIXTURE = REPO / "tests" / "fixtures" / "passthrough"


def _run(*args: str) -> str:
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("passthrough") / "generated"
    result = run_mac("generate", "--inventory", str(FIXTURE), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_promtool_accepts_the_merged_config_and_rules(generated: Path) -> None:
    config = generated / "prometheus" / "prometheus.yml"
    assert "job_name: blackbox" in config.read_text()
    assert "2 rule files found" in _run(tool("promtool"), "check", "config", str(config))
    copied = generated / "prometheus" / "rules" / "passthrough-blackbox.rules.yml"
    # Copied as written, after the header: comments (and lint disables) survive.
    assert copied.read_text().endswith((FIXTURE / "passthrough" / "blackbox.rules.yml").read_text())
    assert "SUCCESS: 1 rules found" in _run(tool("promtool"), "check", "rules", str(copied))


def test_amtool_accepts_the_merged_config_and_our_routes_come_first(generated: Path) -> None:
    config = generated / "alertmanager" / "alertmanager.yml"
    assert "SUCCESS" in _run(tool("amtool"), "check-config", str(config))
    route = (tool("amtool"), "config", "routes", "test", f"--config.file={config}")
    assert _run(*route, "team=web", "alertname=ProbeFailed") == "web-team"
    assert _run(*route, "team=web", "domain=shop") == "shop-eng"


def test_coverage_reports_passthrough_apart(generated: Path) -> None:
    coverage = (generated / "COVERAGE.md").read_text()
    assert "1 scrape jobs, 1 rule files, 1 receivers, 1 routes" in coverage
    assert "| Redis | 1 | 1 |" in coverage


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "inventory"
    shutil.copytree(FIXTURE, root)
    return root


def test_lint_findings_in_a_passthrough_rule_file_fail_generate_at_its_line(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    rules = root / "passthrough" / "blackbox.rules.yml"
    rules.write_text(rules.read_text().replace("      # mac-lint disable catalog/coverage\n", ""))
    with pytest.raises(OutputCheckError) as raised:
        build_artifacts(root)
    [problem] = raised.value.problems
    assert (problem.check, problem.file, problem.line) == ("catalog/coverage", str(rules), 5)
    assert "copied to prometheus/rules/passthrough-blackbox.rules.yml:7" in problem.hint


def test_passthrough_jobs_get_the_artifact_checks(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    scrape = root / "passthrough" / "scrape.yml"
    scrape.write_text(scrape.read_text().replace('"shop.example.com:443"', '"https://shop.example.com"'))
    with pytest.raises(OutputCheckError) as raised:
        build_artifacts(root)
    assert [p.check for p in raised.value.problems] == ["prometheus/target"]


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    outside = tmp_path / "alertmanager.yml"
    shutil.move(root / "passthrough" / "alertmanager.yml", outside)
    os.symlink(outside, root / "passthrough" / "alertmanager.yml")
    with pytest.raises(InputError) as raised:
        build_artifacts(root)
    assert [(p.check, p.file, p.line) for p in raised.value.problems] == [
        ("passthrough/path", str(root / "inventory.yaml"), 12)
    ]


def test_a_single_file_inventory_reads_passthrough_files_beside_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    families = build_artifacts(root / "inventory.yaml")
    assert "prometheus/rules/passthrough-blackbox.rules.yml" in {a.path for a in families["rules"]}


def test_an_unnamed_rule_file_in_the_folder_is_inventory_and_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    shutil.copy(root / "passthrough" / "blackbox.rules.yml", root / "passthrough" / "other.rules.yml")
    with pytest.raises(InputError) as raised:
        build_artifacts(root)
    assert {p.file for p in raised.value.problems} == {str(root / "passthrough" / "other.rules.yml")}


def test_sharded_configs_split_passthrough_jobs_too(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    inventory = root / "inventory.yaml"
    inventory.write_text(
        inventory.read_text().replace("  passthrough:\n", "  prometheus: {shards: 2}\n  passthrough:\n")
    )
    configs = build_artifacts(root)["prometheus"]
    assert [a.path for a in configs] == [f"prometheus/shard-{n}/prometheus.yml" for n in (0, 1)]
    for config in configs:
        [job] = [job for job in config.data["scrape_configs"] if job["job_name"] == "blackbox"]
        assert job["relabel_configs"][0]["action"] == "hashmod"


def test_the_bundled_fleet_takes_passthrough_beside_its_boards(tmp_path: Path) -> None:
    root = tmp_path / "inventory"
    shutil.copytree(REPO / "inventory", root)
    shutil.copytree(FIXTURE / "passthrough", root / "passthrough")
    settings = root / "settings.yaml"
    block = (
        "settings:\n  passthrough:\n    scrape_configs: passthrough/scrape.yml\n"
        "    rule_files: [passthrough/blackbox.rules.yml]\n    alertmanager: passthrough/alertmanager.yml\n"
    )
    settings.write_text(settings.read_text().replace("settings:\n", block, 1))
    families = build_artifacts(root, parallel=True)
    assert "prometheus/rules/passthrough-blackbox.rules.yml" in {a.path for a in families["rules"]}
    assert families["grafana"]
