"""Each dashboard check: a board that trips it and one that does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dashboards.common import (
    PromQuery,
    Section,
    dashboard,
    datasource_ref,
    prometheus_variables,
    stat,
    timeseries,
)
from monitoring.artifacts import Artifact
from monitoring.generate.grafana import dashboard_json
from monitoring.grafana_checks import (
    check_dashboard,
    lint_dashboards,
    metric_names,
    recorded_in,
    render_query,
)
from monitoring.model import Datasource, Settings
from tests.helpers import REPO

RECORDED = ("service:redis_keyspace_hit_ratio:rate5m", "service:redis_keys_without_ttl:sum")
# The rule file of the run the boards are checked in: what it records, boards may query.
RULES = Artifact(
    "prometheus/rules/redis.rules.yml",
    {"groups": [{"name": "redis", "rules": [{"record": name, "expr": "vector(1)"} for name in RECORDED]}]},
    "yaml",
)

SETTINGS = Settings(
    organization="acme",
    environment="test",
    region="us-east-1",
    datasources=(Datasource(name="Prometheus", uid="prom-main", type="prometheus", is_default=True),),
)


def _board() -> dict[str, Any]:
    ds = datasource_ref("prometheus")
    return dashboard_json(
        dashboard(
            title="Checks",
            uid="acme-checks",
            description="",
            tags=["kind:redis"],
            variables=prometheus_variables(SETTINGS, ("redis",)),
            sections=[
                Section(
                    "Row",
                    [
                        stat("Up", "none", [PromQuery('redis_up{service=~"$service"}')], ds),
                        timeseries(
                            "Hit ratio",
                            "percentunit",
                            [PromQuery('service:redis_keyspace_hit_ratio:rate5m{domain=~"$domain"}')],
                            ds,
                        ),
                        timeseries(
                            "Commands",
                            "ops",
                            [
                                PromQuery(
                                    'rate(redis_commands_processed_total{job="redis"}[$__rate_interval])'
                                )
                            ],
                            ds,
                        ),
                    ],
                )
            ],
        )
    )


def _findings(board: dict[str, Any]) -> list[str]:
    artifact = Artifact("grafana/dashboards/fleet/acme-checks.json", board, "json")
    return [str(p) for p in check_dashboard(artifact, [RULES])]


def _panel(board: dict[str, Any], title: str) -> dict[str, Any]:
    panel: dict[str, Any] = next(p for p in board["panels"] if p["title"] == title)
    return panel


def test_a_well_formed_board_has_no_findings() -> None:
    assert _findings(_board()) == []


def test_schema_rejects_a_uid_over_40_characters() -> None:
    board = _board()
    board["uid"] = "u" * 41
    [finding] = _findings(board)
    assert "schema: at uid" in finding and "is too long" in finding


def test_schema_requires_a_unit_on_every_panel() -> None:
    board = _board()
    _panel(board, "Up")["fieldConfig"]["defaults"]["unit"] = ""
    [finding] = _findings(board)
    assert "fieldConfig/defaults/unit" in finding


def test_promql_must_parse_after_variable_substitution() -> None:
    board = _board()
    _panel(board, "Commands")["targets"][0]["expr"] = "rate(redis_commands_processed_total[$__rate_interval]"
    [finding] = _findings(board)
    assert "panel 4 'Commands' target A: PromQL does not parse" in finding


def test_metric_names_must_be_in_a_catalog_or_a_recording_rule() -> None:
    board = _board()
    _panel(board, "Up")["targets"][0]["expr"] = "redis_up_typo + service:redis_made_up:sum"
    findings = _findings(board)
    assert len(findings) == 2
    assert "metric 'redis_up_typo' is in no catalog" in findings[0] + findings[1]
    assert "metric 'service:redis_made_up:sum'" in findings[0] + findings[1]


def test_a_kind_board_is_held_to_its_own_kinds_catalogs() -> None:
    board = _board()
    _panel(board, "Up")["targets"][0]["expr"] = "mysql_up"
    [finding] = _findings(board)
    assert "metric 'mysql_up'" in finding
    board["tags"] = ["generated", "domain:data"]
    assert _findings(board) == []


def test_variable_queries_are_checked_too() -> None:
    board = _board()
    board["templating"]["list"][1]["query"] = 'label_values(up_tpyo{job=~"redis"}, domain)'
    [finding] = _findings(board)
    assert "variable 'domain': metric 'up_tpyo'" in finding


def test_panel_datasource_must_be_provisioned_or_a_defined_variable() -> None:
    board = _board()
    _panel(board, "Up")["datasource"] = {"type": "prometheus", "uid": "not-provisioned"}
    _panel(board, "Hit ratio")["targets"][0]["datasource"] = {"type": "prometheus", "uid": "${missing}"}
    findings = _findings(board)
    assert any(
        "panel 2 'Up': prometheus datasource uid 'not-provisioned' is not provisioned" in f for f in findings
    )
    assert any("target A: datasource variable $missing is not defined" in f for f in findings)
    _panel(board, "Up")["datasource"] = {"type": "prometheus", "uid": "prom-main"}
    _panel(board, "Hit ratio")["targets"][0]["datasource"] = {"type": "prometheus", "uid": "${datasource}"}
    assert _findings(board) == []


def test_datasource_variable_must_offer_provisioned_datasources() -> None:
    board = _board()
    board["templating"]["list"][0]["options"] = []
    board["templating"]["list"][0]["current"] = {}
    [finding] = _findings(board)
    assert "variable 'datasource': no provisioned prometheus datasource" in finding


def test_panels_must_not_overlap() -> None:
    board = _board()
    _panel(board, "Hit ratio")["gridPos"] = {**_panel(board, "Up")["gridPos"], "x": 3}
    [finding] = _findings(board)
    assert "panel 3 'Hit ratio': overlaps panel 2 'Up'" in finding


def test_panels_must_stay_inside_the_grid() -> None:
    board = _board()
    _panel(board, "Commands")["gridPos"] = {"x": 20, "y": 30, "w": 8, "h": 4}
    [finding] = _findings(board)
    assert "x + w exceeds 24 columns" in finding


def test_panel_ids_are_unique() -> None:
    board = _board()
    _panel(board, "Commands")["id"] = _panel(board, "Up")["id"]
    [finding] = _findings(board)
    assert "panel 2 'Commands': id also used by 'Up'" in finding


def test_findings_point_at_the_panel_line() -> None:
    board = _board()
    _panel(board, "Commands")["id"] = _panel(board, "Up")["id"]
    artifact = Artifact("grafana/dashboards/fleet/acme-checks.json", board, "json")
    line = next(
        n
        for n, text in enumerate(artifact.render().decode().splitlines(), 1)
        if '"title": "Commands"' in text
    )
    findings = check_dashboard(artifact, [RULES])
    assert str(findings[0]).startswith(f"grafana/dashboards/fleet/acme-checks.json:{line}:")


def test_render_query_substitutes_grafana_variables() -> None:
    expr = 'rate(x{service=~"$service", d=~"${domain:regex}", e="[[env]]"}[$__rate_interval])'
    assert render_query(expr, {"service": "cache-a"}) == (
        'rate(x{service=~"cache-a", d=~"placeholder", e="placeholder"}[5m])'
    )
    assert metric_names(render_query(expr, {})) == {"x"}


def _write_tree(root: Path, board: dict[str, Any], datasources: list[dict[str, str]]) -> Path:
    path = root / "grafana" / "dashboards" / "fleet" / f"{board['uid']}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(board, indent=2, sort_keys=True))
    provisioning = root / "grafana" / "provisioning" / "datasources"
    provisioning.mkdir(parents=True)
    (provisioning / "datasources.yaml").write_text(json.dumps({"apiVersion": 1, "datasources": datasources}))
    (root / RULES.path).parent.mkdir(parents=True)
    (root / RULES.path).write_bytes(RULES.render())
    return path


def test_lint_checks_datasources_against_the_provisioning_files(tmp_path: Path) -> None:
    good = _write_tree(
        tmp_path / "good", _board(), [{"uid": "prom-main", "name": "Prometheus", "type": "prometheus"}]
    )
    assert lint_dashboards([good]) == []
    bad = _write_tree(tmp_path / "bad", _board(), [{"uid": "other", "name": "Other", "type": "prometheus"}])
    [problem] = lint_dashboards([bad])
    assert problem.location.file == str(bad)
    assert "variable 'datasource': datasource 'prom-main' is not provisioned" in problem.message


def test_lint_reports_bad_json_and_duplicate_uids(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"uid": ')
    [problem] = lint_dashboards([broken])
    assert problem.message.startswith("not JSON")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for path in (first, second):
        path.write_text(json.dumps(_board(), indent=2))
    [duplicate] = [p for p in lint_dashboards([first, second]) if "also used by" in p.message]
    assert "uid 'acme-checks' also used by" in duplicate.message


def test_lint_passes_on_the_committed_boards() -> None:
    paths = sorted((REPO / "generated" / "grafana" / "dashboards").glob("*/*.json"))
    assert paths
    assert lint_dashboards(paths) == []


@pytest.mark.parametrize("name", ["ALERTS", "up", "service:redis_keys_without_ttl:sum"])
def test_prometheus_and_rule_series_are_known(name: str) -> None:
    board = _board()
    _panel(board, "Up")["targets"][0]["expr"] = name
    assert _findings(board) == []


def test_a_series_the_run_does_not_record_is_unknown() -> None:
    """Known series come from the run's rule files, not the packs: without a redis rule file
    (no redis service), a board querying a redis recording rule shows no data."""
    board = _board()
    _panel(board, "Up")["targets"][0]["expr"] = RECORDED[1]
    artifact = Artifact("grafana/dashboards/fleet/acme-checks.json", board, "json")
    assert check_dashboard(artifact, [RULES]) == []
    findings = check_dashboard(artifact, [])
    assert len(findings) == 2
    assert all("is not a recording rule we generate" in str(f) for f in findings)


def test_lint_reads_the_rule_files_next_to_the_boards(tmp_path: Path) -> None:
    path = _write_tree(tmp_path, _board(), [{"uid": "prom-main", "name": "Prometheus", "type": "prometheus"}])
    assert lint_dashboards([path]) == []
    (tmp_path / RULES.path).unlink()
    recorded_in.cache_clear()
    assert {RECORDED[0]} <= {m for p in lint_dashboards([path]) for m in RECORDED if m in p.message}


def test_mac_lint_dashboards_exit_codes(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli.main import cli

    runner = CliRunner()
    clean = runner.invoke(cli, ["lint", "--dashboards", "--out", str(REPO / "generated")])
    assert clean.exit_code == 0, clean.output
    assert clean.output == ""
    board = _board()
    _panel(board, "Up")["targets"][0]["expr"] = "redis_up_typo"
    path = _write_tree(tmp_path, board, [{"uid": "prom-main", "name": "Prometheus", "type": "prometheus"}])
    found = runner.invoke(cli, ["lint", "--dashboards", str(path)])
    assert found.exit_code == 1
    assert "metric 'redis_up_typo'" in found.output
    assert "[grafana/unknown-metric]" in found.output
    assert (
        runner.invoke(
            cli, ["lint", "--dashboards", "--disable", "grafana/unknown-metric", str(path)]
        ).exit_code
        == 0
    )
    assert runner.invoke(cli, ["lint", "--dashboards", "--out", str(tmp_path / "empty")]).exit_code == 2
