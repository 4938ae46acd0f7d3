"""`mac lint --prometheus URL`: online checks against Debian's Prometheus scraping a real node_exporter."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.servers import NodeExporter, PrometheusHandle, ServerPool, free_port

SCRAPE_INTERVAL = "2s"
SERVER_RULES = f"""groups:
  - name: server
    interval: {SCRAPE_INTERVAL}
    rules:
      - record: instance:node_load1:max
        expr: max by (instance) (node_load1)
      - record: job:node_never_exported:sum
        expr: sum by (job) (node_never_exported_metric)
"""


@dataclass(frozen=True)
class Fleet:
    prometheus: PrometheusHandle
    exporter: NodeExporter


@pytest.fixture(scope="module")
def fleet(server_pool: ServerPool) -> Fleet:
    exporter = server_pool.start_node_exporter()
    (exporter.textfile_dir / "pairs.prom").write_text(
        '# TYPE mac_lint_pair gauge\nmac_lint_pair{a="1",b="x"} 1\nmac_lint_pair{a="2",b="y"} 1\n'
    )
    config = (
        f"global:\n  scrape_interval: {SCRAPE_INTERVAL}\n  evaluation_interval: {SCRAPE_INTERVAL}\n"
        "rule_files: [server.rules.yml]\n"
        f"scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['{exporter.address}']\n"
    )
    prometheus = server_pool.start_prometheus(config, {"server.rules.yml": SERVER_RULES})
    prometheus.wait_until(lambda: prometheus.query("count(node_cpu_seconds_total)"), timeout_s=60)
    prometheus.wait_until(lambda: prometheus.query("instance:node_load1:max"), timeout_s=60)
    prometheus.wait_until(lambda: prometheus.query("mac_lint_pair"), timeout_s=60)
    return Fleet(prometheus, exporter)


def rules(*exprs: str, recorded: str = "") -> str:
    body = "".join(
        f"      - alert: Rule{index}\n        expr: {expr}\n        labels:\n          severity: warning\n"
        for index, expr in enumerate(exprs)
    )
    if recorded:
        body += f"      - record: {recorded}\n        expr: sum(node_load1)\n"
    return "groups:\n  - name: team\n    rules:\n" + body


def online(fleet: Fleet, tmp_path: Path, text: str) -> list[dict[str, Any]]:
    path = tmp_path / "team.yml"
    path.write_text(text)
    result = CliRunner().invoke(
        cli, ["lint", "--format", "json", "--prometheus", fleet.prometheus.url, str(path)]
    )
    assert result.exit_code in (0, 1), result.output
    return [f for f in json.loads(result.output) if f["check"].startswith("online/")]


def test_present_metrics_labels_and_values_have_no_finding(fleet: Fleet, tmp_path: Path) -> None:
    text = rules(
        'node_load1{job="node"} > 100',
        'sum by (instance) (rate(node_cpu_seconds_total{mode="idle", cpu=~"[0-9]+"}[1m])) < 0',
        "instance:node_load1:max > 100",
        "job:node_never_exported:sum > 1",
        "job:node_load1:sum > 1",
        "absent(node_never_exported_metric)",
        recorded="job:node_load1:sum",
    )
    assert online(fleet, tmp_path, text) == []


def test_absent_metric(fleet: Fleet, tmp_path: Path) -> None:
    [finding] = online(fleet, tmp_path, rules("node_load2 > 1"))
    assert finding["check"] == "online/series"
    assert (
        finding["message"]
        == f"metric node_load2 has no series on {fleet.prometheus.url}: none in the last 7d either"
    )
    assert finding["hint"].startswith("did you mean node_load")
    assert (finding["line"], finding["col"]) == (5, 15)


def test_label_value_that_no_series_has_lists_the_existing_ones(fleet: Fleet, tmp_path: Path) -> None:
    [finding] = online(fleet, tmp_path, rules('rate(node_cpu_seconds_total{mode="idel"}[1m]) > 0'))
    assert finding["check"] == "online/label-value"
    assert finding["message"] == 'no series of node_cpu_seconds_total has mode="idel"'
    assert finding["hint"].startswith('values of mode on the server: "idle", ')
    assert '"user"' in finding["hint"] and '"system"' in finding["hint"]
    [regex] = online(fleet, tmp_path, rules('node_cpu_seconds_total{mode=~"idl|usr"} > 0'))
    assert regex["check"] == "online/label-value"


def test_label_no_series_has(fleet: Fleet, tmp_path: Path) -> None:
    [finding] = online(fleet, tmp_path, rules('node_load1{datacenter="eu-1"} > 1'))
    assert finding["check"] == "online/label"
    assert "no series of node_load1 has a label datacenter" in finding["message"]


def test_matchers_that_match_only_apart(fleet: Fleet, tmp_path: Path) -> None:
    [finding] = online(fleet, tmp_path, rules('mac_lint_pair{a="1", b="y"} > 0'))
    assert finding["check"] == "online/series"
    assert finding["message"].startswith('mac_lint_pair{a="1", b="y"} matches no series')
    assert online(fleet, tmp_path, rules('mac_lint_pair{a="1", b="x"} > 0')) == []


def test_rate_window_shorter_than_twice_the_scrape_interval(fleet: Fleet, tmp_path: Path) -> None:
    [finding] = online(fleet, tmp_path, rules("rate(node_cpu_seconds_total[3s]) > 0"))
    assert finding["check"] == "online/rate-window"
    assert 'scrape interval of job "node" (2s)' in finding["message"]
    assert finding["hint"].endswith("[8s]")
    assert online(fleet, tmp_path, rules("rate(node_cpu_seconds_total[4s]) > 0")) == []


def window_checks(fleet: Fleet, tmp_path: Path, expr: str, *flags: str) -> list[str]:
    path = tmp_path / "team.yml"
    path.write_text(rules(expr))
    result = CliRunner().invoke(
        cli, ["lint", "--format", "json", "--prometheus", fleet.prometheus.url, *flags, str(path)]
    )
    assert result.exit_code in (0, 1), result.output
    return [f["check"] for f in json.loads(result.output) if f["check"].endswith("/rate-window")]


@pytest.mark.parametrize(
    ("expr", "flags", "checks"),
    [
        # The offline check alone (60 s by default) would flag both windows of the 2 s job.
        ("rate(node_cpu_seconds_total[10s]) > 0", (), []),
        ("rate(node_cpu_seconds_total[3s]) > 0", (), ["online/rate-window"]),
        # No series, so no job and no interval known on the server: the configured one judges it.
        ("rate(node_never_exported_total[1m]) > 0", (), ["promql/rate-window"]),
        (
            "rate(node_cpu_seconds_total[10s]) > 0",
            ("--disable", "online/rate-window"),
            ["promql/rate-window"],
        ),
    ],
)
def test_windows_judged_online_are_not_judged_offline(
    fleet: Fleet, tmp_path: Path, expr: str, flags: tuple[str, ...], checks: list[str]
) -> None:
    assert window_checks(fleet, tmp_path, expr, *flags) == checks


def test_recording_rule_nobody_records(fleet: Fleet, tmp_path: Path) -> None:
    [finding] = online(fleet, tmp_path, rules("instance:node_load5:max > 1"))
    assert finding["check"] == "online/recording-rule"
    assert finding["severity"] == "error"


def test_metric_that_disappeared(fleet: Fleet, tmp_path: Path) -> None:
    prometheus, textfile = fleet.prometheus, fleet.exporter.textfile_dir / "vanishing.prom"
    staged = textfile.with_suffix(".tmp")
    staged.write_text("# TYPE mac_lint_vanishing gauge\nmac_lint_vanishing 1\n")
    staged.rename(textfile)
    prometheus.wait_until(lambda: prometheus.query("mac_lint_vanishing"), timeout_s=60)
    textfile.unlink()
    prometheus.wait_until(lambda: not prometheus.query("mac_lint_vanishing"), timeout_s=60)
    [finding] = online(fleet, tmp_path, rules("mac_lint_vanishing > 0"))
    assert finding["check"] == "online/series"
    assert "it disappeared" in finding["message"] and "seconds ago" in finding["message"]


def test_unreachable_prometheus_is_an_environment_failure(tmp_path: Path) -> None:
    path = tmp_path / "team.yml"
    path.write_text(rules("up > 0"))
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["lint", "--prometheus", url, "--prometheus-timeout", "2", str(path)])
    assert result.exit_code == 3
    assert f"cannot reach Prometheus at {url}" in result.output
    assert "Traceback" not in result.output


def test_prometheus_must_be_an_http_url(tmp_path: Path) -> None:
    path = tmp_path / "team.yml"
    path.write_text(rules("up > 0"))
    result = CliRunner().invoke(cli, ["lint", "--prometheus", "localhost:9090", str(path)])
    assert result.exit_code == 2
    assert "is not an http:// or https:// URL" in result.output


def test_disable_flag_and_comments_apply_to_online_checks(fleet: Fleet, tmp_path: Path) -> None:
    text = rules("node_load2 > 1", "node_load3 > 1").replace(
        "      - alert: Rule1\n", "      # mac-lint disable online/series\n      - alert: Rule1\n"
    )
    [finding] = online(fleet, tmp_path, text)
    assert finding["message"].startswith("metric node_load2 ")
    assert online(fleet, tmp_path, "# mac-lint file/disable online/series\n" + text) == []
    path = tmp_path / "team.yml"
    result = CliRunner().invoke(
        cli,
        [
            "lint",
            "--format",
            "json",
            "--prometheus",
            fleet.prometheus.url,
            "--disable",
            "online/series",
            str(path),
        ],
    )
    assert [f for f in json.loads(result.output) if f["check"].startswith("online/")] == []
    offline = CliRunner().invoke(cli, ["lint", "--format", "json", str(path)])
    assert [f for f in json.loads(offline.output) if f["check"] == "lint/unused-disable"] == []


def test_config_severity_applies_to_online_checks(fleet: Fleet, tmp_path: Path) -> None:
    config = tmp_path / ".mac-lint.yaml"
    config.write_text("severity:\n  online/series: error\n")
    path = tmp_path / "team.yml"
    path.write_text(rules("node_load2 > 1"))
    result = CliRunner().invoke(
        cli,
        [
            "lint",
            "--format",
            "json",
            "--config",
            str(config),
            "--prometheus",
            fleet.prometheus.url,
            str(path),
        ],
    )
    [finding] = [f for f in json.loads(result.output) if f["check"].startswith("online/")]
    assert finding["severity"] == "error"
