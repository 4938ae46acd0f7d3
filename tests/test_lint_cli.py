"""`mac lint`: exit codes, output formats, default files, check selection."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
MIXIN = FIXTURES / "invalid" / "postgres_mixin_lag.yml"
VALID = FIXTURES / "valid" / "hand_written_redis.yml"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["lint", *args])
    return result.exit_code, result.output


def test_clean_file_exits_0_silently() -> None:
    assert run(str(VALID)) == (0, "")


def test_findings_exit_1_with_located_text() -> None:
    code, output = run(str(MIXIN))
    assert code == 1
    assert f"{MIXIN}:7:15: error: unknown metric pg_replication_lag" in output
    assert "hint: did you mean pg_replication_lag_seconds?" in output
    assert output.rstrip().endswith("1 problem in 1 rule file")


def test_json_format() -> None:
    code, output = run("--format", "json", str(MIXIN))
    assert code == 1
    [finding] = json.loads(output)
    assert finding["check"] == "catalog/unknown-metric"
    assert (finding["line"], finding["col"]) == (7, 15)


def test_github_format() -> None:
    code, output = run("--format", "github", str(MIXIN))
    assert code == 1
    assert output.startswith(
        f"::error file={MIXIN},line=7,col=15,title=catalog/unknown-metric::unknown metric"
    )


def test_disable_flag() -> None:
    assert run("--disable", "catalog/unknown-metric", str(MIXIN)) == (0, "")


def test_unknown_check_id_is_bad_input() -> None:
    code, output = run("--disable", "rule/nope", str(VALID))
    assert code == 2
    assert "unknown check id 'rule/nope'" in output


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    code, output = run(str(tmp_path / "missing.yml"))
    assert code == 2
    assert "cannot read" in output


def test_a_directory_is_linted_recursively_skipping_other_yaml(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "lag.yaml").write_text(MIXIN.read_text())
    (tmp_path / "ok.yml").write_text(VALID.read_text())
    (tmp_path / "prometheus.yml").write_text("scrape_configs: []\n")
    code, output = run(str(tmp_path))
    assert code == 1
    assert f"{tmp_path / 'team' / 'lag.yaml'}:7:15: error: unknown metric pg_replication_lag" in output
    assert output.rstrip().endswith("1 problem in 2 rule files")
    assert run(f"{tmp_path}/*.yml") == (0, "")


def test_dash_lints_stdin() -> None:
    result = CliRunner().invoke(cli, ["lint", "-"], input=MIXIN.read_text())
    assert result.exit_code == 1
    assert "<stdin>:7:15: error: unknown metric pg_replication_lag" in result.output


def test_default_is_the_generated_rules_under_out(tmp_path: Path) -> None:
    rules = tmp_path / "prometheus" / "rules"
    rules.mkdir(parents=True)
    (rules / "x.rules.yml").write_text(MIXIN.read_text())
    code, output = run("--out", str(tmp_path))
    assert code == 1
    assert "x.rules.yml:7:15" in output
    assert run("--out", str(tmp_path / "empty"))[0] == 2


def test_generated_rules_of_the_bundled_inventory_are_clean() -> None:
    assert run("--out", str(Path(__file__).parent.parent / "generated")) == (0, "")
