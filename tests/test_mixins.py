"""domains[].mixins: jsonnet monitoring mixins evaluated, checked like our rules and boards, and
generated beside them with the inventory's labels; a jsonnet error is a located input error."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.artifacts import Artifact
from monitoring.inventory.mixins import jsonnet_problem
from monitoring.pipeline import OutputCheckError, build_artifacts
from monitoring.problems import InputError, Location, Problem
from tests.helpers import REPO, run_mac
from tests.servers import tool

FIXTURES = REPO / "tests" / "fixtures" / "mixins"
INVENTORY = FIXTURES / "inventory"
HOSTMIX_END = "          diskFullPercent: 85\n"


@pytest.fixture(scope="module")
def artifacts() -> dict[str, Artifact]:
    return {a.path: a for family in build_artifacts(INVENTORY).values() for a in family}


def _alerts(artifact: Artifact) -> dict[str, dict[str, Any]]:
    return {r["alert"]: r for g in artifact.data["groups"] for r in g["rules"] if "alert" in r}


def test_rules_get_the_overrides_the_labels_and_the_annotations(artifacts: dict[str, Artifact]) -> None:
    rules = artifacts["prometheus/rules/mixin-hostmix.rules.yml"]
    assert [g["name"] for g in rules.data["groups"]] == ["hostmix.rules", "hostmix"]
    alerts = _alerts(rules)
    # _config overrides from the inventory replace the mixin's defaults.
    assert alerts["HostDiskAlmostFull"]["expr"] == "instance:node_filesystem_used:ratio * 100 > 85"
    assert alerts["HostExporterDown"]["expr"] == 'up{job="node"} == 0'
    assert alerts["HostDiskAlmostFull"]["labels"] == {
        "cost_center": "shop-42",
        "domain": "shop",
        "mixin": "hostmix",
        "severity": "warning",
        "team": "shop-eng",
    }
    board = "http://grafana.example.com/d/acme-mixin-hostmix-hostmix-disk/acme-mixin-hostmix-hostmix-disk"
    assert alerts["HostDiskAlmostFull"]["annotations"]["dashboard"] == board
    assert alerts["HostDiskAlmostFull"]["annotations"]["runbook_url"] == (
        "https://runbooks.example.com/hostmix#HostDiskAlmostFull"
    )
    # What the mixin sets is kept.
    assert alerts["HostExporterDown"]["annotations"]["runbook_url"] == "https://wiki.example.com/hostmix"


def test_boards_land_in_their_own_provisioned_folder(artifacts: dict[str, Artifact]) -> None:
    board = artifacts["grafana/dashboards/mixin-hostmix/acme-mixin-hostmix-hostmix-disk.json"].data
    assert board["tags"] == ["hostmix", "generated", "mixin:hostmix"]
    variable = board["templating"]["list"][0]
    assert variable["options"] == [{"selected": True, "text": "prometheus", "value": "prom"}]
    assert variable["current"] == {"text": "prometheus", "value": "prom"}
    providers = artifacts["grafana/provisioning/dashboards/dashboards.yaml"].data["providers"]
    mixin = next(p for p in providers if p["name"] == "mixin-hostmix")
    assert mixin["folder"] == "Shop / hostmix"
    assert mixin["options"]["path"].endswith("/mixin-hostmix")


def _run(*args: str) -> str:
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mixins") / "generated"
    result = run_mac("generate", "--inventory", str(INVENTORY), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_promtool_loads_the_rule_file_and_amtool_routes_its_alerts_to_the_domain(generated: Path) -> None:
    out = generated
    rules = out / "prometheus" / "rules" / "mixin-hostmix.rules.yml"
    assert "SUCCESS: 4 rules found" in _run(tool("promtool"), "check", "rules", str(rules))
    checked = _run(tool("promtool"), "check", "config", str(out / "prometheus" / "prometheus.yml"))
    assert str(rules) in checked
    labels = yaml.safe_load(rules.read_text())["groups"][1]["rules"][1]["labels"]
    config = f"--config.file={out / 'alertmanager' / 'alertmanager.yml'}"
    matchers = [f"{name}={value}" for name, value in labels.items()]
    routed = _run(tool("amtool"), "config", "routes", "test", config, "alertname=HostExporterDown", *matchers)
    assert routed.strip() == "shop-eng"


def test_lint_of_the_generated_folder_holds_mixin_rules_to_correctness_as_generate_does(
    generated: Path,
) -> None:
    assert run_mac("lint", "-o", str(generated)).returncode == 0
    rules = generated / "prometheus" / "rules" / "mixin-hostmix.rules.yml"
    house = run_mac("lint", "--profile", "house", str(rules))
    assert house.returncode == 1
    assert "alert HostsDown loses label(s) service" in house.stdout


def _with_mixin(tmp_path: Path, name: str, entry: str = "") -> Path:
    """The fixture inventory with one of the test mixins copied in and named after hostmix."""
    root = tmp_path / "inventory"
    shutil.copytree(INVENTORY, root, symlinks=True)
    if (FIXTURES / name).is_dir():
        shutil.copytree(FIXTURES / name, root / name)
    text = (root / "inventory.yaml").read_text()
    added = entry or f"      - name: {name}\n        path: {name}\n"
    (root / "inventory.yaml").write_text(text.replace(HOSTMIX_END, HOSTMIX_END + added))
    return root


def _input_problems(root: Path) -> list[Problem]:
    with pytest.raises(InputError) as raised:
        build_artifacts(root)
    return raised.value.problems


def test_a_syntax_error_is_located_exit_2_and_nothing_written(tmp_path: Path) -> None:
    root = _with_mixin(tmp_path, "broken-syntax")
    [problem] = _input_problems(root)
    assert problem.check == "mixin/jsonnet"
    assert (Path(problem.file).name, problem.line, problem.col) == ("mixin.libsonnet", 4, 34)
    assert Path(problem.file).parent == root / "broken-syntax"
    assert problem.message.startswith("jsonnet: unexpected")
    out = tmp_path / "generated"
    result = run_mac("generate", "--inventory", str(root), "--out", str(out))
    assert result.returncode == 2
    assert f"{problem.location}: error: jsonnet: unexpected" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_a_runtime_error_is_located_where_it_is_raised_with_its_callers(tmp_path: Path) -> None:
    root = _with_mixin(tmp_path, "broken-runtime")
    [problem] = _input_problems(root)
    assert problem.message == "jsonnet: set _config.limit"
    assert (problem.file, problem.line) == (str(root / "broken-runtime" / "helpers.libsonnet"), 2)
    assert f"{root / 'broken-runtime' / 'mixin.libsonnet'}:8:" in problem.hint


def test_rules_failing_our_checks_fail_generation_at_the_mixin_source(tmp_path: Path) -> None:
    root = _with_mixin(tmp_path, "failing-checks")
    with pytest.raises(OutputCheckError) as raised:
        build_artifacts(root)
    source = str(root / "failing-checks" / "mixin.libsonnet")
    found = {(p.check, p.file, p.line) for p in raised.value.problems}
    assert ("promql/syntax", source, 7) in found
    assert ("template/syntax", source, 13) in found
    assert all(
        "generated as prometheus/rules/mixin-failing-checks.rules.yml:" in p.hint
        for p in raised.value.problems
    )


def test_an_import_outside_the_mixin_folders_is_refused(tmp_path: Path) -> None:
    root = _with_mixin(tmp_path, "escaping")
    (tmp_path / "secret.txt").write_text("hunter2\n")
    [problem] = _input_problems(root)
    assert problem.check == "mixin/jsonnet"
    assert "lies outside the mixin folder" in problem.message
    assert (problem.file, problem.line) == (str(root / "escaping" / "mixin.libsonnet"), 1)


def test_bad_entries_are_located_in_the_inventory(tmp_path: Path) -> None:
    entries = (
        "      - name: hostmix\n        path: lib-missing\n"
        "      - name: nowhere\n        path: ../outside\n"
        "      - name: novendor\n        path: hostmix/lib\n        vendor: [vendor-missing]\n"
    )
    root = _with_mixin(tmp_path, "none", entries)
    found = {(p.check, p.line, p.message) for p in _input_problems(root)}
    assert found == {
        ("mixin/name", 29, f"mixin 'hostmix' is also declared at {root / 'inventory.yaml'}:24:15"),
        ("mixin/path", 32, "mixin folder '../outside' lies outside the inventory folder"),
        ("mixin/path", 35, "mixin folder 'vendor-missing' does not exist"),
    }


def test_a_mixin_folder_without_mixin_libsonnet_is_refused(tmp_path: Path) -> None:
    root = _with_mixin(tmp_path, "none", "      - name: lib\n        path: hostmix/lib\n")
    [problem] = _input_problems(root)
    assert (problem.check, problem.line) == ("mixin/path", 30)
    assert problem.message == "mixin folder 'hostmix/lib' has no mixin.libsonnet"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("STATIC ERROR: m/a.libsonnet:3:5-10: unexpected end of file\n", ("m/a.libsonnet", 3, 5, "")),
        ("STATIC ERROR: m/a.libsonnet:(3:5)-(4:2): bad\n", ("m/a.libsonnet", 3, 5, "")),
        (
            "RUNTIME ERROR: boom\n\tm/b.libsonnet:2:10-27\tfunction <f>\n\tm/a.libsonnet:3:6-12\tobject <o>\n"
            "\t<mixin wrapper>:1:15-40\t\n\tDuring manifestation\t\n",
            ("m/b.libsonnet", 2, 10, "reached from m/a.libsonnet:3:6"),
        ),
        ("RUNTIME ERROR: not an object\n\t<mixin wrapper>:1:15-40\t\n", ("inventory.yaml", 9, 7, "")),
        (
            "RUNTIME ERROR: Format required number\n\tstd.jsonnet:(638:11)-(639:47)\tfunction <format_code>\n"
            "\tm/a.libsonnet:(1:14)-(2:3)\tfunction <f>\n\tDuring manifestation\t\n",
            ("m/a.libsonnet", 1, 14, ""),
        ),
    ],
)
def test_jsonnet_messages_become_located_problems(message: str, expected: tuple[str, int, int, str]) -> None:
    problem = jsonnet_problem(message, Location("inventory.yaml", 9, 7))
    assert (problem.file, problem.line, problem.col, problem.hint) == expected
    assert problem.check == "mixin/jsonnet"


def test_a_message_over_several_lines_is_kept_whole() -> None:
    message = "RUNTIME ERROR: two\nlines\n\tm/a.libsonnet:(1:5)-(2:7)\tobject <anonymous>\n"
    problem = jsonnet_problem(message, Location("inventory.yaml"))
    assert (problem.message, problem.file, problem.line) == ("jsonnet: two lines", "m/a.libsonnet", 1)


def test_coverage_lists_the_mixins_apart(artifacts: dict[str, Artifact]) -> None:
    coverage = str(artifacts["COVERAGE.md"].data)
    assert "- hostmix (shop): 3 alert rules, 1 recording rules, 1 dashboards" in coverage


def test_two_boards_of_one_uid_are_refused(tmp_path: Path) -> None:
    root = _with_mixin(tmp_path, "twins")
    board = "{ uid: 'same', title: 'T', tags: [], schemaVersion: 41, panels: [] }"
    (root / "twins").mkdir()
    (root / "twins" / "mixin.libsonnet").write_text(
        f"{{ grafanaDashboards+:: {{ 'a.json': {board}, 'b.json': {board} }} }}\n"
    )
    [problem] = _input_problems(root)
    assert (problem.check, problem.file) == ("mixin/shape", str(root / "twins" / "mixin.libsonnet"))
    assert problem.message == "dashboard b.json has the uid 'same' of twins/a.json"
