"""SLOs as code: inventory `slos:` and OpenSLO v1 specs, Sloth-compatible rules, promtool tests,
error-budget boards, and Debian's Prometheus evaluating the rules."""

from __future__ import annotations

import functools
import math
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboards import build_boards
from monitoring.checks import check_artifacts
from monitoring.generate import generate_all
from monitoring.generate.grafana import grafana_config
from monitoring.generate.slo import ALERT_NAMES, slo_rule_files
from monitoring.inventory.build import load_inventory
from monitoring.lint.runner import lint_texts
from monitoring.naming import slo_board_uid, slo_overview_uid
from monitoring.problems import InputError
from monitoring.slo.model import BURN_ALERTS, EventsSli, Slo, UpSli
from tests.helpers import REPO, run_mac
from tests.servers import MysqldExporter, PrometheusFactory, tool

SETTINGS = """\
settings:
  organization: acme
  environment: test
  region: us-east-1
  grafana:
    datasources:
      - {name: Prometheus, uid: prom, type: prometheus, url: "http://prometheus:9090", is_default: true}
domains:
  - name: shop
    team: shop-eng
    receiver: shop-eng
"""

UP = """\
      - name: availability
        objective: 99.9
        window: 30d
        sli:
          up: {}
"""
ERRORS_OF_TOTAL = """\
      - name: connections
        objective: 99
        window: 28d
        sli:
          events:
            errors: mysql_global_status_aborted_connects{job="mysql", service="orders-db"}
            total: mysql_global_status_connections{job="mysql", service="orders-db"}
"""
GOOD_WITHIN_TOTAL = """\
      - name: requests
        objective: 99.5
        window: 30d
        sli:
          events:
            good: http_requests_total{job="mysql", code=~"2..|3.."}
            total: http_requests_total{job="mysql"}
"""
ERRORS_WITHIN_TOTAL = """\
      - name: requests
        objective: 99.95
        window: 30d
        sli:
          events:
            errors: http_requests_total{job="mysql", code=~"5..", service="orders-db"}
            total: http_requests_total{job="mysql", service="orders-db"}
"""
LATENCY = """\
      - name: latency
        objective: 99
        window: 28d
        sli:
          latency:
            bucket: http_request_duration_seconds_bucket{job="mysql"}
            le: 0.25
"""


def _inventory(root: Path, slos: str = "", files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    service = """\
services:
  - kind: mysql
    name: orders-db
    domain: shop
    endpoint: orders-db.example.internal:3306
"""
    if slos:
        service += "    slos:\n" + slos
    (root / "inventory.yaml").write_text(SETTINGS + service)
    for name, text in (files or {}).items():
        (root / name).write_text(textwrap.dedent(text))
    return root


def _rule_files(slo_text: str, tmp_path: Path) -> tuple[Path, list[Path], list[Path]]:
    inventory = load_inventory(_inventory(tmp_path / "inventory", slo_text))
    out = tmp_path / "out" / "prometheus"
    rules: list[Path] = []
    tests: list[Path] = []
    for artifact in slo_rule_files(inventory):
        path = out.parent / artifact.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(artifact.render())
        (tests if "/tests/" in artifact.path else rules).append(path)
    return out, rules, tests


def test_burn_rate_factors_follow_the_period() -> None:
    factors = {days: [round(w.factor(days), 4) for a in BURN_ALERTS for w in a.windows] for days in (28, 30)}
    assert factors == {30: [14.4, 6.0, 3.0, 1.0], 28: [13.44, 5.6, 2.8, 0.9333]}


def test_rules_have_sloths_names_windows_and_labels(tmp_path: Path) -> None:
    inventory = load_inventory(_inventory(tmp_path, UP))
    [rules_artifact, _tests] = slo_rule_files(inventory)
    assert rules_artifact.path == "prometheus/rules/slo-orders-db-availability.rules.yml"
    [group] = rules_artifact.data["groups"]
    records = [r["record"] for r in group["rules"] if "record" in r]
    windows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]
    assert records == [f"slo:sli_error:ratio_rate{w}" for w in windows] + [
        "slo:objective:ratio",
        "slo:error_budget:ratio",
        "slo:time_period:days",
        "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio",
        "slo:period_error_budget_remaining:ratio",
        "sloth_slo_info",
    ]
    sli = group["rules"][:8]
    assert [r["labels"]["sloth_window"] for r in sli] == windows
    assert sli[0]["labels"] == {
        "domain": "shop",
        "service": "orders-db",
        "sloth_id": "orders-db-availability",
        "sloth_service": "orders-db",
        "sloth_slo": "availability",
        "sloth_window": "5m",
        "team": "shop-eng",
    }
    assert sli[0]["expr"] == '1 - avg(avg_over_time(up{job="mysql", service="orders-db"}[5m]))'
    # The period's ratio is the mean of the 5m one, as Sloth's optimised rule computes it.
    assert sli[-1]["expr"].startswith("sum_over_time(slo:sli_error:ratio_rate5m{sloth_id=")
    alerts = [r for r in group["rules"] if "alert" in r]
    assert [(a["alert"], a["labels"]["severity"], a["labels"]["sloth_severity"]) for a in alerts] == [
        (ALERT_NAMES["page"], "critical", "page"),
        (ALERT_NAMES["ticket"], "warning", "ticket"),
    ]
    page, ticket = (a["expr"] for a in alerts)
    assert "ratio_rate5m" in page and "ratio_rate1h" in page and "(14.4 * 0.001)" in page
    assert "ratio_rate30m" in page and "ratio_rate6h" in page and "(6 * 0.001)" in page
    assert "ratio_rate2h" in ticket and "ratio_rate1d" in ticket and "(3 * 0.001)" in ticket
    assert "ratio_rate6h" in ticket and "ratio_rate3d" in ticket and "(1 * 0.001)" in ticket
    assert set(alerts[0]["annotations"]) == {"summary", "description", "runbook_url", "dashboard"}
    assert (
        slo_board_uid(inventory.settings, "orders-db-availability") in alerts[0]["annotations"]["dashboard"]
    )


SLI_KINDS = {
    "up": UP,
    "errors-of-total": ERRORS_OF_TOTAL,
    "good-within-total": GOOD_WITHIN_TOTAL,
    "errors-within-total": ERRORS_WITHIN_TOTAL,
    "latency-28d": LATENCY,
}


def _promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    # Generous: the tests share two cores with everything else the machine runs.
    return subprocess.run(
        [tool("promtool"), *map(str, args)], capture_output=True, text=True, timeout=600, check=False
    )


def test_promtool_checks_and_tests_every_sli_kind(tmp_path: Path) -> None:
    rules: list[Path] = []
    tests: list[Path] = []
    for name, slo_text in SLI_KINDS.items():
        _out, kind_rules, kind_tests = _rule_files(slo_text, tmp_path / name)
        rules += kind_rules
        tests += kind_tests
    checked = _promtool("check", "rules", *rules)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = _promtool("test", "rules", *tests)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.count("SUCCESS") == len(SLI_KINDS)
    page, ticket = ALERT_NAMES["page"], ALERT_NAMES["ticket"]
    for test_file in tests:
        names = [case["name"] for case in yaml.safe_load(test_file.read_text())["tests"]]
        assert [n.split(" ")[0] for n in names] == [page, ticket, page, "neither"]


def test_promtool_test_fails_when_the_page_threshold_is_wrong(tmp_path: Path) -> None:
    """The generated tests can fail: with the page's burn rates past any error ratio, the outage
    test does not see the page."""
    _out, [rules], tests = _rule_files(UP, tmp_path)
    text = rules.read_text()
    rules.write_text(
        text.replace("(14.4 * 0.001)", "(1000 * 0.001)").replace("(6 * 0.001)", "(1000 * 0.001)")
    )
    result = _promtool("test", "rules", *tests)
    assert result.returncode == 1
    assert "fires within 1h of a total outage" in result.stdout + result.stderr


def test_house_lint_passes_on_the_generated_slo_rules(tmp_path: Path) -> None:
    for name, slo_text in SLI_KINDS.items():
        inventory = load_inventory(_inventory(tmp_path / name, slo_text))
        texts = [(a.path, a.render().decode()) for a in slo_rule_files(inventory) if "/rules/" in a.path]
        # Only mysqld_exporter's own counters are in its catalog: the HTTP examples are not.
        known = "http_" not in slo_text
        findings = lint_texts(texts, disabled=() if known else ("catalog/unknown-metric",))
        assert [str(p) for p in findings] == []


OPENSLO = """\
    apiVersion: openslo/v1
    kind: SLO
    metadata:
      name: connections
      displayName: Order DB connections
    spec:
      description: Connections the server accepts.
      service: orders-db
      budgetingMethod: Occurrences
      indicator:
        metadata:
          name: connection-errors
        spec:
          ratioMetric:
            counter: true
            bad:
              metricSource:
                type: Prometheus
                spec:
                  query: mysql_global_status_aborted_connects{job="mysql", service="orders-db"}
            total:
              metricSource:
                type: Prometheus
                spec:
                  query: mysql_global_status_connections{job="mysql", service="orders-db"}
      timeWindow:
        - duration: 28d
          isRolling: true
      objectives:
        - displayName: Good connections
          target: 0.99
    """


def _comparable(slo: Slo) -> tuple[Any, ...]:
    return (slo.service, slo.name, slo.domain, slo.team, slo.objective, slo.period_days, slo.sli)


def test_openslo_documents_map_onto_the_same_model(tmp_path: Path) -> None:
    [inline] = load_inventory(_inventory(tmp_path / "inline", ERRORS_OF_TOTAL)).slos
    openslo = load_inventory(_inventory(tmp_path / "openslo", files={"orders-slo.yaml": OPENSLO})).slos
    [from_openslo] = openslo
    assert from_openslo.source == "openslo" and inline.source == "inventory"
    assert _comparable(from_openslo) == _comparable(inline)
    assert isinstance(from_openslo.sli, EventsSli) and from_openslo.sli.counts_errors
    assert from_openslo.location.file.endswith("orders-slo.yaml")


def _problems(root: Path) -> list[tuple[str, int, str, str]]:
    with pytest.raises(InputError) as raised:
        load_inventory(root)
    return [(Path(p.file).name, p.line, p.check, p.message) for p in raised.value.problems]


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


@pytest.mark.parametrize(
    ("change", "check", "message"),
    [
        (("objective: 99.9", "objective: 100"), "inventory/schema", "objective: 100 is greater than"),
        (("window: 30d", "window: 7d"), "inventory/schema", "window"),
        (("up: {}", "up: {selector: 'mysql_up{job=}'}"), "inventory/slo", "sli.up.selector: not PromQL"),
        (
            ("up: {}", "up: {selector: 'rate(mysql_up[5m])'}"),
            "inventory/slo",
            "sli.up.selector: expected a series selector",
        ),
        (
            ("up: {}", "up: {selector: 'mysql_up{service=~\"a.*\"}'}"),
            "inventory/slo",
            "no test series can be made",
        ),
        (("objective: 99.9", "objective: 90"), "inventory/slo", "objective 90 leaves an error budget"),
    ],
    ids=[
        "objective-range",
        "window-enum",
        "promql-parse",
        "not-a-selector",
        "no-test-series",
        "page-unreachable",
    ],
)
def test_bad_slos_are_located(change: tuple[str, str], check: str, message: str, tmp_path: Path) -> None:
    root = _inventory(tmp_path, UP.replace(*change))
    line = _line_of(root / "inventory.yaml", change[1])
    problems = _problems(root)
    assert [p[:3] for p in problems] == [("inventory.yaml", line, check)], problems
    assert message in problems[0][3]


def test_up_without_a_selector_needs_a_scraped_kind(tmp_path: Path) -> None:
    root = _inventory(tmp_path)
    text = (root / "inventory.yaml").read_text()
    text += "  - kind: opensearch\n    name: logs\n    domain: shop\n    slos:\n" + UP
    (root / "inventory.yaml").write_text(text)
    [(_file, line, check, message)] = _problems(root)
    assert (line, check) == (_line_of(root / "inventory.yaml", "up: {}"), "inventory/slo")
    assert "kind opensearch has no Prometheus scrape job" in message


def test_duplicate_slo_names_are_located(tmp_path: Path) -> None:
    root = _inventory(tmp_path, UP + UP)
    second = [
        n
        for n, line in enumerate((root / "inventory.yaml").read_text().splitlines(), 1)
        if "- name: av" in line
    ]
    assert _problems(root) == [
        (
            "inventory.yaml",
            second[1],
            "inventory/slo",
            "service 'orders-db' has two SLOs named 'availability'",
        )
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("target: 0.99", "target: 1.5"), "spec.objectives[0].target: expected a ratio between 0 and 1"),
        (("duration: 28d", "duration: 7d"), "spec.timeWindow[0].duration: expected one of 28d, 30d"),
        (("service: orders-db\n", "service: nope\n"), "spec.service: 'nope' is not a service"),
        (("type: Prometheus\n", "type: Datadog\n", 1), "only Prometheus metric sources are supported"),
        (("counter: true", "counter: false"), "counter: expected true"),
        (("connections{job", "connections{{job"), "query: not PromQL"),
    ],
    ids=["target", "window", "unknown-service", "source-type", "not-counter", "promql"],
)
def test_bad_openslo_documents_are_located(change: tuple[Any, ...], message: str, tmp_path: Path) -> None:
    root = _inventory(tmp_path, files={"orders-slo.yaml": OPENSLO.replace(*change)})
    line = _line_of(root / "orders-slo.yaml", change[1].strip())
    problems = _problems(root)
    assert [p[:3] for p in problems] == [("orders-slo.yaml", line, "inventory/openslo")], problems
    assert message in problems[0][3]


def test_validate_reports_a_bad_slo_with_exit_2(tmp_path: Path) -> None:
    root = _inventory(tmp_path, files={"orders-slo.yaml": OPENSLO.replace("target: 0.99", "target: 2")})
    result = run_mac("validate", "--inventory", str(root))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    line = _line_of(root / "orders-slo.yaml", "target: 2")
    assert f"orders-slo.yaml:{line}:15: error: spec.objectives[0].target" in result.stdout


def test_error_budget_boards_pass_the_dashboard_checks(tmp_path: Path) -> None:
    inventory = load_inventory(_inventory(tmp_path, UP + ERRORS_OF_TOTAL))
    families = generate_all(inventory, ["rules", "grafana"])
    boards = {a.path: a for a in grafana_config(inventory)}
    uids = {slo_board_uid(inventory.settings, s.id) for s in inventory.slos}
    uids.add(slo_overview_uid(inventory.settings, "shop"))
    assert uids <= {b.dashboard.uid for b in build_boards(inventory)}
    slo_boards = [a for path, a in boards.items() if any(uid in path for uid in uids)]
    assert len(slo_boards) == 3
    run = [a for family in families.values() for a in family]
    assert check_artifacts(slo_boards, run) == []
    panels = [p["title"] for p in slo_boards[0].data["panels"] if p.get("type") != "row"]
    assert {"Error budget remaining", "Burn rate per window"} <= set(panels)


# ---- Debian's Prometheus evaluates the bundled SLO rules against a real mysqld_exporter


@pytest.fixture(scope="module")
def bundled_slos() -> tuple[list[Slo], dict[str, str]]:
    inventory = load_inventory(REPO / "inventory")
    texts = {
        a.path.removeprefix("prometheus/"): a.render().decode()
        for a in slo_rule_files(inventory)
        if "/rules/" in a.path
    }
    return list(inventory.slos), texts


@pytest.mark.integration
def test_live_prometheus_evaluates_every_slo_rule(
    bundled_slos: tuple[list[Slo], dict[str, str]],
    mysqld_exporter: MysqldExporter,
    prometheus_factory: PrometheusFactory,
) -> None:
    slos, texts = bundled_slos
    assert slos and texts
    services = sorted({s.service for s in slos})
    config = {
        # A 1 s scrape leaves mysqld_exporter 1 s to reach MariaDB: on a loaded machine it says mysql_up 0.
        "global": {"scrape_interval": "3s", "scrape_timeout": "3s", "evaluation_interval": "1s"},
        "rule_files": sorted(texts),
        "scrape_configs": [
            {
                "job_name": "mysql",
                "static_configs": [
                    {"targets": [mysqld_exporter.address], "labels": {"service": service}}
                    for service in services
                ],
            }
        ],
    }
    prometheus = prometheus_factory(yaml.safe_dump(config), texts)
    expected = sum(len(yaml.safe_load(t)["groups"][0]["rules"]) for t in texts.values())

    def evaluated() -> list[dict[str, Any]] | None:
        found = prometheus.rules()
        return found if len(found) == expected and all(r["lastEvaluation"] > "2000" for r in found) else None

    rules = prometheus.wait_until(evaluated, timeout_s=30)
    assert [(r["name"], r["lastError"]) for r in rules if r["health"] != "ok"] == []
    assert {type(s.sli) for s in slos} == {UpSli, EventsSli}
    intact: set[str] = set()
    for slo in slos:
        selector = f'{{sloth_id="{slo.id}"}}'
        [remaining] = prometheus.wait_until(
            functools.partial(prometheus.query, f"slo:period_error_budget_remaining:ratio{selector}"),
            timeout_s=20,
        )
        assert remaining["metric"]["domain"] == slo.domain and remaining["metric"]["team"] == slo.team
        if isinstance(slo.sli, UpSli):
            # The budget is whole exactly when Prometheus never saw the database down.
            [seen] = prometheus.query(f'min(min_over_time(mysql_up{{service="{slo.service}"}}[1h]))')
            assert (float(remaining["value"][1]) == 1.0) == (float(seen["value"][1]) == 1.0)
            if float(seen["value"][1]) == 1.0:
                intact.add(slo.id)
        else:
            # The session's MariaDB is shared with tests that refuse connections on purpose: event
            # budgets are only checked to be computed here; the generated promtool tests pin them.
            assert math.isfinite(float(remaining["value"][1]))
    assert not [
        a
        for a in prometheus.alerts()
        if a["labels"]["alertname"] in ALERT_NAMES.values() and a["labels"].get("sloth_id") in intact
    ]
