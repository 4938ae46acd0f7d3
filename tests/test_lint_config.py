"""The lint config: found from the current folder up to the git root, read from .mac-lint.yaml or
[tool.mac.lint], validated strictly (file:line:col, exit 2), and applied to what runs and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from monitoring.lint.config import find_config, load_config
from monitoring.lint.runner import lint_texts
from monitoring.problems import InputError

RULES = """\
groups:
  - name: g
    rules:
      - alert: TeamDown
        expr: sum by (instance) (up{job="team-node"}) == 0
        labels: {severity: page}
        annotations: {summary: down, description: down, runbook: "https://runbooks/team"}
      - alert: Load
        expr: node_load99{job="team-node"} > 1
        for: 5m
        labels: {severity: warning, team: t}
        annotations: {summary: load, description: load, runbook: "https://runbooks/load"}
"""


def findings(config: str, path: str = "rules.yml", tmp: Path | None = None) -> set[tuple[str, str]]:
    folder = tmp or Path(".")
    config_file = folder / ".mac-lint.yaml"
    config_file.write_text(config, encoding="utf-8")
    settings = load_config(config_file, "correctness")
    return {(f.check, f.severity) for f in lint_texts([(str(folder / path), RULES)], settings=settings)}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("{}", set()),
        (
            "catalogs: [{job: team-node, catalogs: [node_exporter]}]",
            {("catalog/unknown-metric", "error")},
        ),
        (
            'catalogs: [{job_regex: "team-.*", catalogs: [node_exporter]}]',
            {("catalog/unknown-metric", "error")},
        ),
        (
            'catalogs: [{job_regex: "other-.*", catalogs: [node_exporter]}]',
            set(),
        ),
        (
            "catalogs: [{job: team-node, catalogs: [node_exporter]}]\n"
            "severity: {catalog/unknown-metric: warning}",
            {("catalog/unknown-metric", "warning")},
        ),
        (
            "catalogs: [{job: team-node, catalogs: [node_exporter]}]\ndisable: [catalog/unknown-metric]",
            set(),
        ),
        (
            "profile: house\nseverities: [page, warning]\n"
            "runbook_annotation: runbook\nrequired_labels: [team]",
            # TeamDown: no for, loses team; node_load99 is in no catalog
            {("rule/for", "warning"), ("rule/labels", "error"), ("catalog/coverage", "error")},
        ),
        (
            "profile: house",
            {
                ("rule/for", "warning"),
                ("rule/labels", "error"),
                ("rule/annotations", "error"),
                ("catalog/coverage", "error"),
            },
        ),
    ],
)
def test_config_keys_apply(tmp_path: Path, config: str, expected: set[tuple[str, str]]) -> None:
    assert findings(config, tmp=tmp_path) == expected


@pytest.mark.parametrize(
    ("glob", "path", "disabled"),
    [
        ("vendor/*", "vendor/rules.yml", True),
        ("vendor/*", "rules.yml", False),
        ("**/mixins/*.yml", "a/mixins/rules.yml", True),
    ],
)
def test_path_disable_globs_are_relative_to_the_config(
    tmp_path: Path, glob: str, path: str, disabled: bool
) -> None:
    config = f'profile: house\npath_disable: {{"{glob}": [rule/annotations]}}'
    checks = {check for check, _severity in findings(config, path, tmp_path)}
    assert ("rule/annotations" not in checks) == disabled


@pytest.mark.parametrize(
    ("config", "where", "message"),
    [
        ("profile: house\nprofil: house\n", (2, 1), "unknown key 'profil' in the lint config"),
        ("profile: strict\n", (1, 10), "profile is 'strict', not one of correctness, house"),
        ("disable: [rule/fo]\n", (1, 11), "unknown check id 'rule/fo'"),
        ("disable: rule/for\n", (1, 10), "disable must be a list of strings"),
        ("severity:\n  rule/for: fatal\n", (2, 13), "severity of rule/for is 'fatal'"),
        ("severity:\n  rule/fo: error\n", (2, 3), "unknown check id 'rule/fo'"),
        ("path_disable: {'x/*': [nope/nope]}\n", (1, 24), "unknown check id 'nope/nope'"),
        ("catalogs: [{job: a, catalogs: [nodeexporter]}]\n", (1, 32), "unknown catalog 'nodeexporter'"),
        ("catalogs: [{job: a, job_regex: b, catalogs: []}]\n", (1, 12), "exactly one of job and job_regex"),
        ("catalogs: [{job: a, catalog: [x]}]\n", (1, 21), "unknown key 'catalog' in a catalogs entry"),
        (
            "catalogs: [{job_regex: '(', catalogs: []}]\n",
            (1, 24),
            "job_regex '(' is not a regular expression",
        ),
        ("required_labels: team\n", (1, 18), "required_labels must be a list of strings"),
        ("runbook_annotation: [a]\n", (1, 21), "runbook_annotation must be a non-empty string"),
        ("profile: [\n", (2, 1), "the lint config is not YAML"),
        ("scrape_interval: fast\n", (1, 18), "scrape_interval 'fast' is not a positive duration"),
        ("scrape_interval: 0s\n", (1, 18), "scrape_interval '0s' is not a positive duration"),
    ],
)
def test_bad_config_names_file_line_col(
    tmp_path: Path, config: str, where: tuple[int, int], message: str
) -> None:
    path = tmp_path / ".mac-lint.yaml"
    path.write_text(config, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_config(path, "correctness")
    assert any(
        (p.file, p.line, p.col) == (str(path), *where) and message in p.message and p.check == "lint/config"
        for p in raised.value.problems
    ), raised.value.problems


PYPROJECT = """\
[project]
name = "x"

[tool.mac.lint]
profile = "house"
severities = ["page", "warning"]
runbook_annotation = "runbook"
required_labels = ["team"]
"""


def test_pyproject_table_is_read(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT, encoding="utf-8")
    settings = load_config(path, "correctness")
    assert settings.profile == "house"
    assert settings.policy.severities == ("page", "warning")
    assert settings.policy.runbook_annotation == "runbook"


@pytest.mark.parametrize(
    ("extra", "where", "message"),
    [
        ('profiles = "house"\n', (9, 1), "unknown key 'profiles'"),
        ("disable = [1]\n", (9, 1), "each of disable must be a non-empty string"),
        ('severity = {"rule/for" = "loud"}\n', (9, 14), "severity of rule/for is 'loud'"),
    ],
)
def test_bad_pyproject_names_file_line_col(
    tmp_path: Path, extra: str, where: tuple[int, int], message: str
) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT + extra, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_config(path, "correctness")
    [problem] = raised.value.problems
    assert (problem.line, problem.col) == where
    assert message in problem.message


RATE_RULES = """\
groups:
  - name: g
    rules:
      - record: job:requests:rate2m
        expr: sum by (job) (rate(requests_total[2m]))
"""


@pytest.mark.parametrize(
    ("config", "flagged"),
    [("{}", False), ("scrape_interval: 1m\n", False), ("scrape_interval: 90s\n", True)],
)
def test_scrape_interval_sets_the_rate_window_floor(tmp_path: Path, config: str, flagged: bool) -> None:
    path = tmp_path / ".mac-lint.yaml"
    path.write_text(config, encoding="utf-8")
    settings = load_config(path, "correctness")
    found = [
        f
        for f in lint_texts([("rules.yml", RATE_RULES)], settings=settings)
        if f.check == "promql/rate-window"
    ]
    assert bool(found) == flagged
    if flagged:
        assert "(1m30s each)" in found[0].message and "[3m]" in found[0].hint


def test_pyproject_scrape_interval(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT + 'scrape_interval = "15s"\n', encoding="utf-8")
    assert load_config(path, "correctness").scrape_interval_s == 15


@pytest.mark.parametrize(
    ("prometheus_yml", "flagged"),
    [
        ("prometheus/prometheus.yml", True),
        ("prometheus/shard-0/prometheus.yml", True),
        ("elsewhere/prometheus.yml", False),
    ],
)
def test_generated_rules_are_linted_at_the_generated_scrape_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prometheus_yml: str, flagged: bool
) -> None:
    out = tmp_path / "out"
    (out / "prometheus" / "rules").mkdir(parents=True)
    (out / "prometheus" / "rules" / "team.rules.yml").write_text(RATE_RULES, encoding="utf-8")
    config = out / prometheus_yml
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "# header\nglobal:\n  scrape_interval: 2m\n  evaluation_interval: 1m\nscrape_configs: []\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["lint", "--out", str(out), "--format", "json"])
    found = [f for f in json.loads(result.output) if f["check"] == "promql/rate-window"]
    assert [f["message"].split(": ")[0] for f in found] == (
        ["rate() over [2m] of requests_total spans less than two scrape intervals (2m each)"]
        if flagged
        else []
    )


def test_config_found_upward_to_the_git_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) is None
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert find_config(deep) is None  # a pyproject.toml without [tool.mac.lint] is not a lint config
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    assert find_config(deep) == str(tmp_path / "pyproject.toml")
    (tmp_path / "a" / ".mac-lint.yaml").write_text("{}", encoding="utf-8")
    assert find_config(deep) == str(tmp_path / "a" / ".mac-lint.yaml")
    outside = tmp_path.parent / ".mac-lint.yaml"
    assert not outside.exists() or find_config(deep) != str(outside)


def house_at(level: str) -> str:
    """The house profile with each of its findings on RULES at one severity."""
    checks = ("rule/for", "rule/labels", "rule/annotations", "catalog/coverage")
    return "profile: house\nseverity: {" + ", ".join(f"{check}: {level}" for check in checks) + "}"


def run_lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "rules.yml").write_text(RULES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["lint", "rules.yml", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("config", "args", "exit_code"),
    [
        ("profile: house", (), 1),
        ("profile: house", ("--profile", "correctness"), 0),
        ("{}", ("--profile", "house"), 1),
        (
            house_at("warning"),
            (),
            0,
        ),
        (
            house_at("warning"),
            ("--fail-on", "warning"),
            1,
        ),
        (
            house_at("info"),
            ("--fail-on", "warning"),
            0,
        ),
    ],
)
def test_cli_profile_config_and_fail_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, args: tuple[str, ...], exit_code: int
) -> None:
    (tmp_path / ".mac-lint.yaml").write_text(config, encoding="utf-8")
    code, output = run_lint(tmp_path, monkeypatch, *args)
    assert code == exit_code, output


def test_cli_bad_config_exits_2_in_the_chosen_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "lint.yaml"
    config.write_text("profile: house\nfail_on: warning\n", encoding="utf-8")
    code, output = run_lint(tmp_path, monkeypatch, "--config", str(config), "--format", "json")
    assert code == 2
    [problem] = json.loads(output)
    assert (problem["file"], problem["line"], problem["col"]) == (str(config), 2, 1)
    assert problem["check"] == "lint/config"


@pytest.mark.parametrize(("metric", "expected"), [("team_jobs_total", set()), ("team_job_total", {"error"})])
def test_catalog_file_by_path(tmp_path: Path, metric: str, expected: set[str]) -> None:
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "team.txt").write_text("team_jobs_total counter\n", encoding="utf-8")
    config = tmp_path / ".mac-lint.yaml"
    config.write_text("catalogs: [{job: team, catalogs: [catalogs/team.txt]}]\n", encoding="utf-8")
    text = "groups:\n  - name: g\n    rules:\n      - alert: A\n"
    text += f'        expr: rate({metric}{{job="team"}}[5m]) > 1\n'
    found = lint_texts([("rules.yml", text)], settings=load_config(config, "correctness"))
    assert {f.severity for f in found if f.check == "catalog/unknown-metric"} == expected
    assert [f.check for f in found] == ["catalog/unknown-metric"] * len(expected)


def test_missing_catalog_file_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / ".mac-lint.yaml"
    config.write_text("catalogs: [{job: team, catalogs: [catalogs/team.txt]}]\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_config(config, "correctness")
    [problem] = raised.value.problems
    assert (problem.line, problem.col) == (1, 35)
    assert "does not exist" in problem.message


def test_catalog_files_are_known_to_catalog_coverage(tmp_path: Path) -> None:
    (tmp_path / "team.txt").write_text("team_jobs_total counter\n", encoding="utf-8")
    config = tmp_path / ".mac-lint.yaml"
    config.write_text("profile: house\ncatalogs: [{job: team, catalogs: [team.txt]}]\n", encoding="utf-8")
    text = "groups:\n  - name: g\n    rules:\n      - record: team:jobs:rate5m\n"
    text += "        expr: sum(rate(team_jobs_total[5m]))\n"
    settings = load_config(config, "correctness")
    assert [f.check for f in lint_texts([("rules.yml", text)], settings=settings)] == []
    assert [f.check for f in lint_texts([("rules.yml", text)])] == ["catalog/coverage"]


@pytest.mark.parametrize(
    ("global_block", "seconds"),
    [
        ("global:\n  scrape_interval: 30s\n", 30.0),
        ("global:\n  evaluation_interval: 1m\n  scrape_interval: '15s'  # quoted\n", 15.0),
        ("global: {scrape_interval: 20s}\n", 20.0),  # flow style: read by PyYAML
        ("global:\n  scrape_interval: 90\n", 60.0),  # a number, not a duration: the default
        ("global:\n  scrape_interval: 1m\n  scrape_interval: 2m\n", 120.0),  # the last key, as YAML loads
        ("scrape_configs: []\n", 60.0),
    ],
)
def test_the_generated_rules_use_the_generated_scrape_interval(
    tmp_path: Path, global_block: str, seconds: float
) -> None:
    from cli.lint_config import with_generated_scrape_interval
    from monitoring.lint.config import LintSettings

    (tmp_path / "prometheus").mkdir()
    (tmp_path / "prometheus" / "prometheus.yml").write_text(f"# generated\n{global_block}rule_files: []\n")
    assert with_generated_scrape_interval(LintSettings(), str(tmp_path)).scrape_interval_s == seconds
