"""`mac lint --changed-since REF`: findings only on rules changed since a git ref, in a real repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from monitoring.lint.changes import parse_diff

BROKEN = "rate(foo_total[5m]"  # an unclosed parenthesis: a promql/syntax error whatever the profile


def rule(name: str, expr: str = BROKEN, severity: str = "warning") -> str:
    return (
        f"      - alert: {name}\n"
        f"        expr: {expr}\n"
        f"        for: 5m\n"
        f"        labels:\n"
        f"          severity: {severity}\n"
        f"        annotations:\n"
        f"          summary: {name} fired\n"
    )


RULE_LINES = rule("X").count("\n")


def rule_file(*rules: str) -> str:
    return "groups:\n  - name: team\n    rules:\n" + "".join(rules)


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(repo), *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "team.yml").write_text(rule_file(rule("First"), rule("Second"), rule("Third")))
    (tmp_path / "rules" / "other.yml").write_text(rule_file(rule("Elsewhere")))
    (tmp_path / "rules" / "moved.yml").write_text(rule_file(rule("Moved")))
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    return tmp_path


def lint(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["lint", "--format", "json", *args])
    return result.exit_code, result.output


def flagged_rules(output: str, file: Path) -> list[int]:
    """Which rules of a rule_file() have findings: 0 for the first (lines 4-10), 1 for the next..."""
    return sorted({(f["line"] - 4) // RULE_LINES for f in json.loads(output) if f["file"] == str(file)})


def test_only_the_changed_rule_is_reported(repo: Path) -> None:
    team = repo / "rules" / "team.yml"
    team.write_text(rule_file(rule("First"), rule("Second", severity="critical"), rule("Third")))
    files = [str(team), str(repo / "rules" / "other.yml")]
    code, output = lint("--changed-since", "main", *files)
    assert code == 1
    assert flagged_rules(output, team) == [1]
    assert flagged_rules(output, repo / "rules" / "other.yml") == []
    # Without PR mode every rule is reported: the filter, not the linter, dropped them.
    code, output = lint(*files)
    assert flagged_rules(output, team) == [0, 1, 2]
    assert flagged_rules(output, repo / "rules" / "other.yml") == [0]


def test_a_deleted_line_marks_its_rule_changed(repo: Path) -> None:
    team = repo / "rules" / "team.yml"
    shorter = rule("Third").replace("          summary: Third fired\n", "")
    team.write_text(rule_file(rule("First"), rule("Second"), shorter))
    code, output = lint("--changed-since", "HEAD", str(team))
    assert code == 1
    assert flagged_rules(output, team) == [2]


def test_unchanged_files_and_pure_renames_are_clean(repo: Path) -> None:
    git(repo, "mv", "rules/moved.yml", "rules/renamed.yml")
    files = [str(repo / "rules" / name) for name in ("team.yml", "other.yml", "renamed.yml")]
    assert lint("--changed-since", "main", *files) == (0, "[]\n")


def test_new_files_tracked_or_not_are_wholly_changed(repo: Path) -> None:
    staged = repo / "rules" / "staged.yml"
    staged.write_text(rule_file(rule("Staged")))
    git(repo, "add", str(staged))
    untracked = repo / "rules" / "untracked.yml"
    untracked.write_text(rule_file(rule("Untracked"), rule("AlsoUntracked")))
    code, output = lint("--changed-since", "main", str(staged), str(untracked))
    assert code == 1
    assert flagged_rules(output, staged) == [0]
    assert flagged_rules(output, untracked) == [0, 1]


def test_committed_changes_since_an_older_ref_count(repo: Path) -> None:
    other = repo / "rules" / "other.yml"
    other.write_text(rule_file(rule("Elsewhere"), rule("Added")))
    git(repo, "commit", "-q", "-am", "add a rule")
    code, output = lint("--changed-since", "HEAD~1", str(other))
    assert code == 1
    assert flagged_rules(output, other) == [1]
    assert lint("--changed-since", "HEAD", str(other)) == (0, "[]\n")


def test_series_recorded_in_an_unchanged_file_stay_known(repo: Path) -> None:
    # A colon-free name: names with a colon are taken as recorded elsewhere and never flagged.
    (repo / "rules" / "records.yml").write_text(
        "groups:\n  - name: r\n    rules:\n      - record: redis_commands_rate5m\n"
        '        expr: sum by (job) (rate(redis_commands_processed_total{job="redis"}[5m]))\n'
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "records")
    uses = repo / "rules" / "uses.yml"
    uses.write_text(rule_file(rule("Busy", 'redis_commands_rate5m{job="redis"} > 1000', "critical")))
    _, output = lint("--changed-since", "main", str(uses), str(repo / "rules" / "records.yml"))
    assert "redis_commands_rate5m" not in output
    _, alone = lint(str(uses))
    assert "redis_commands_rate5m" in alone


def test_not_a_git_repository_is_bad_input(tmp_path: Path) -> None:
    loose = tmp_path / "loose.yml"
    loose.write_text(rule_file(rule("Loose")))
    result = CliRunner().invoke(cli, ["lint", "--changed-since", "main", str(loose)])
    assert result.exit_code == 2
    assert "is not inside a git repository" in result.output
    assert "Traceback" not in result.output


def test_unknown_ref_is_bad_input(repo: Path) -> None:
    result = CliRunner().invoke(
        cli, ["lint", "--changed-since", "no-such-ref", str(repo / "rules" / "team.yml")]
    )
    assert result.exit_code == 2
    assert "'no-such-ref' is not a commit" in result.output


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        ("+++ b/a.yml\n@@ -1,2 +1,3 @@\n", {"a.yml": {1, 2, 3}}),
        ("+++ b/a.yml\n@@ -4 +4 @@\n", {"a.yml": {4}}),
        ("+++ b/a.yml\n@@ -5,2 +4,0 @@\n", {"a.yml": {4}}),
        ("+++ b/a.yml\n@@ -1 +0,0 @@\n", {"a.yml": {1}}),
        ('+++ "b/sp\\303\\251cial\\tname.yml"\n@@ -1 +1 @@\n', {"sp\u00e9cial\tname.yml": {1}}),
        ("+++ /dev/null\n@@ -1 +0,0 @@\n", {}),
    ],
)
def test_parse_diff(diff: str, expected: dict[str, set[int]]) -> None:
    assert parse_diff(diff) == expected
