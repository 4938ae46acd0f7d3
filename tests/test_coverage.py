"""COVERAGE.md/.html and `mac coverage` count what the other generators produced."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from monitoring.artifacts import Artifact
from monitoring.coverage.debt import DebtRow, routed_receivers
from monitoring.coverage.model import coverage_model, level_of, overall_of
from monitoring.inventory.build import load_inventory
from monitoring.model import CoverageRange, Inventory
from monitoring.pipeline import build_artifacts
from tests.helpers import REPO, assert_generated, assert_golden

FIXTURE = REPO / "tests" / "fixtures" / "inventory" / "valid" / "coverage"
INVALID = REPO / "tests" / "fixtures" / "inventory" / "invalid"
FINTECH = REPO / "examples" / "fintech" / "inventory"
GOLDEN = REPO / "tests" / "golden" / "fintech"
Families = dict[str, list[Artifact]]


def mac(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["coverage", *map(str, args)], catch_exceptions=False)


@pytest.fixture(scope="module")
def bundled() -> tuple[Inventory, Families]:
    return load_inventory(REPO / "inventory"), build_artifacts(REPO / "inventory")


@pytest.fixture(scope="module")
def fixture_run() -> tuple[Inventory, Families]:
    return load_inventory(FIXTURE), build_artifacts(FIXTURE)


def _section(markdown: str, title: str) -> dict[str, list[str]]:
    body = markdown.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
        for line in body.splitlines()
        if line.startswith("| ") and not line.startswith("| system") and not line.startswith("| dimension")
    }


def test_bundled_coverage_files_are_the_committed_ones(bundled: tuple[Inventory, Families]) -> None:
    _, families = bundled
    assert [a.path for a in families["coverage"]] == ["COVERAGE.html", "COVERAGE.md"]
    assert_generated(families["coverage"])


def test_fintech_coverage_goldens() -> None:
    for artifact in build_artifacts(FINTECH)["coverage"]:
        assert_golden(GOLDEN / artifact.path, artifact.render())


def test_counts_table_for_bundled_fleet(bundled: tuple[Inventory, Families]) -> None:
    inventory, families = bundled
    report = str(next(a for a in families["coverage"] if a.path == "COVERAGE.md").data)
    rows = _section(report, "What is generated, per system")
    for kind, title in (("mysql", "MySQL"), ("redis", "Redis")):
        count = str(len([s for s in inventory.services if s.kind == kind]))
        assert rows[title][:2] == [count, count]
    assert rows["EC2 nodes"][1] == "discovered"
    alarms = {kind: int(row[4]) for kind, row in rows.items() if kind != "**total**"}
    assert rows["**total**"][4] == str(sum(alarms.values()))
    assert inventory.log_retention is not None
    for rule in inventory.log_retention.rules:
        expected = "-" if rule.count is None else rule.count
        assert f"`{rule.pattern}` | {rule.days} days | {expected} |" in report


def test_matrix_levels_follow_the_covered_services(bundled: tuple[Inventory, Families]) -> None:
    inventory, families = bundled
    model = coverage_model(inventory, families)
    assert [s.kind for s in model.systems] == list(inventory.kinds_present())
    matrix = _section(
        str(next(a for a in families["coverage"] if a.path == "COVERAGE.md").data), "Coverage matrix"
    )
    for system in model.systems:
        services = len([s for s in inventory.services if s.kind == system.kind])
        assert system.services == services
        for cell in system.cells:
            assert 0 <= cell.covered <= services
            assert cell.level == level_of(cell.covered, services)
        assert matrix[system.title][:2] == [
            str(services),
            f"{system.cells[0].level} {system.cells[0].covered}/{services}",
        ]
        assert matrix[system.title][5] == system.coverage
    # Slow-query groups under the managed retention are the MySQL services' logs.
    mysql = next(s for s in model.systems if s.kind == "mysql")
    logs = next(c for c in mysql.cells if c.signal == "logs")
    slow = [s for s in inventory.services if s.kind == "mysql" and getattr(s, "slow_query_log", False)]
    assert logs.covered == len(slow)
    assert model.total_cells == 4 * len(inventory.services)
    assert model.fleet_percent == round(100 * model.covered_cells / model.total_cells, 1)


def test_levels_and_overall() -> None:
    assert [level_of(3, 3), level_of(1, 3), level_of(0, 3), level_of(0, 0)] == ["yes", "partial", "no", "no"]
    assert overall_of(["yes"] * 4) == "FULL"
    assert overall_of(["no"] * 4) == "NONE"
    assert overall_of(["yes", "no", "no", "no"]) == "PARTIAL"
    assert overall_of(["partial"] * 4) == "PARTIAL"


def _without(families: Families, kind: str) -> Families:
    """The run's families with no alert rule and no CloudWatch alarm for `kind`."""
    changed: Families = {}
    for name, artifacts in families.items():
        kept = []
        for artifact in artifacts:
            if artifact.path == f"prometheus/rules/{kind}.rules.yml":
                continue
            if artifact.path == "cloudwatch/alarms.json":
                data = {
                    key: params
                    for key, params in artifact.data.items()
                    if {"Key": "mac:kind", "Value": kind} not in params["Tags"]
                }
                artifact = Artifact(artifact.path, data, artifact.format)
            kept.append(artifact)
        changed[name] = kept
    return changed


def test_a_kind_without_alerts_is_partial(fixture_run: tuple[Inventory, Families]) -> None:
    inventory, families = fixture_run
    full = {s.kind: s for s in coverage_model(inventory, families).systems}
    assert next(c for c in full["redis"].cells if c.signal == "alerts").level == "yes"
    model = coverage_model(inventory, _without(families, "redis"))
    redis = {s.kind: s for s in model.systems}["redis"]
    alerts = next(c for c in redis.cells if c.signal == "alerts")
    assert (alerts.level, alerts.covered, alerts.services) == ("no", 0, 2)
    assert dict(alerts.details) == {"Prometheus alert rules": "0", "CloudWatch alarms": "0"}
    assert next(c for c in redis.cells if c.signal == "metrics").level == "yes"
    assert redis.coverage == "PARTIAL"
    assert model.covered_cells == coverage_model(inventory, families).covered_cells - 2


def test_before_and_baseline_come_from_the_inventory(fixture_run: tuple[Inventory, Families]) -> None:
    inventory, families = fixture_run
    model = coverage_model(inventory, families)
    redis = {s.kind: s for s in model.systems}["redis"]
    assert redis.before is not None and redis.before.note == "one cache watched"
    assert redis.before_coverage == "PARTIAL"
    assert {s.kind: s for s in model.systems}["postgresql"].before is None
    debt = {row.dimension: row for row in model.debt}
    assert (debt["prometheus_scrape_jobs"].before, debt["alert_rules"].before_note) == (1, "both broken")
    assert debt["dashboards"].before is None
    assert debt["prometheus_scrape_jobs"].recommended == CoverageRange(2, 4)
    assert debt["prometheus_scrape_jobs"].recommended_from == "inventory"
    # Unset minimums take the inventory's shape: a board per kind and an overview per domain.
    assert debt["dashboards"].recommended == CoverageRange(
        len(inventory.kinds_present()) + len(inventory.domains)
    )
    assert debt["metric_families"].recommended is None and debt["metric_families"].gap == "-"
    alarms = sum(len(a.data) for a in families["cloudwatch"] if a.path == "cloudwatch/alarms.json")
    assert debt["cloudwatch_alarms"].generated == alarms
    assert model.source == "the team's audit of last quarter"


@pytest.mark.parametrize(
    ("generated", "minimum", "gap"),
    [
        (3, CoverageRange(8, 12), "5-9"),
        (9, CoverageRange(8, 12), "0"),
        (3, CoverageRange(5), "2"),
        (3, None, "-"),
    ],
)
def test_gap_left(generated: int, minimum: CoverageRange | None, gap: str) -> None:
    row = DebtRow("x", "x", None, "", minimum, "inventory", generated, "")
    assert row.gap == gap


def test_routing_follows_alertmanager_order_and_continue() -> None:
    route = {
        "receiver": "default",
        "routes": [
            {"matchers": ['domain="shop"'], "continue": True, "receiver": "shop-chat"},
            {
                "matchers": ['domain=~"shop|cards"'],
                "routes": [{"matchers": ['severity="critical"'], "receiver": "shop-page"}],
            },
            {"matchers": ['domain!=""'], "receiver": "never"},
        ],
    }
    assert routed_receivers(route, {"domain": "shop", "severity": "critical"}) == ["shop-chat", "shop-page"]
    # A route without a receiver hands its parent's to an alert no child takes.
    assert routed_receivers(route, {"domain": "cards", "severity": "warning"}) == ["default"]
    assert routed_receivers(route, {"domain": "hr", "severity": "critical"}) == ["never"]
    assert routed_receivers(route, {"severity": "critical"}) == ["default"]


def test_on_call_counts_domains_whose_critical_alerts_page(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    shutil.copytree(FIXTURE, inventory)
    text = (inventory / "inventory.yaml").read_text()
    paging = (
        "  alertmanager:\n    receivers:\n      - name: shop-eng\n"
        "        pagerduty_routing_key_file: /etc/alertmanager/secrets/pd\n"
    )
    (inventory / "inventory.yaml").write_text(text.replace("  coverage:\n", paging + "  coverage:\n", 1))
    model = coverage_model(load_inventory(inventory), build_artifacts(inventory))
    assert {row.dimension: row for row in model.debt}["on_call_domains"].generated == 1
    unpaged = coverage_model(load_inventory(FIXTURE), build_artifacts(FIXTURE))
    assert {row.dimension: row for row in unpaged.debt}["on_call_domains"].generated == 0


def _json(result: Result) -> dict[str, object]:
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_json_shape(fixture_run: tuple[Inventory, Families]) -> None:
    result = mac("-i", FIXTURE, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert sorted(data) == ["debt", "fleet", "source", "systems"]
    assert sorted(data["fleet"]) == ["covered_cells", "formula", "percent", "total_cells"]
    assert [s["kind"] for s in data["systems"]] == ["postgresql", "redis"]
    redis = data["systems"][1]
    assert sorted(redis["signals"]) == ["alerts", "dashboards", "logs", "metrics"]
    assert sorted(redis["signals"]["metrics"]) == ["covered", "details", "level", "services"]
    assert redis["before"] == {
        "coverage": "PARTIAL",
        "metrics": "yes",
        "logs": "no",
        "alerts": "partial",
        "dashboards": "no",
        "note": "one cache watched",
    }
    assert all(b["href"].startswith("https://grafana.acme.example/d/") for b in redis["boards"])
    assert redis["rule_files"] == ["prometheus/rules/redis.rules.yml"]
    assert [row["dimension"] for row in data["debt"]] == [
        "prometheus_scrape_jobs",
        "alert_rules",
        "dashboards",
        "cloudwatch_alarms",
        "metric_families",
        "on_call_domains",
    ]
    cells = sum(sig["covered"] for s in data["systems"] for sig in s["signals"].values())
    services = sum(s["services"] for s in data["systems"])
    assert data["fleet"]["covered_cells"] == cells
    assert data["fleet"]["percent"] == round(100 * cells / (4 * services), 1)


def test_min_gates_on_the_fleet_percentage(tmp_path: Path) -> None:
    percent = float(_json(mac("-i", FIXTURE, "--format", "json"))["fleet"]["percent"])  # type: ignore[index]
    assert 0 < percent < 100
    passed = mac("-i", FIXTURE, "--min", str(percent))
    assert passed.exit_code == 0, passed.output
    failed = mac("-i", FIXTURE, "--min", str(percent + 0.1))
    assert failed.exit_code == 1
    assert f"fleet coverage {percent:.1f}% is below --min {percent + 0.1:g}%" in failed.stderr
    assert "Fleet coverage" in failed.stdout  # the matrix is still printed
    assert mac("-i", FIXTURE, "--min", "101").exit_code == 2


def test_text_and_markdown(fixture_run: tuple[Inventory, Families]) -> None:
    _, families = fixture_run
    text = mac("-i", FIXTURE).stdout
    assert re.search(r"^Redis\s+2\s+yes 2/2\s+no 0/2\s+yes 2/2\s+yes 2/2\s+PARTIAL\s+PARTIAL$", text, re.M), (
        text
    )
    markdown = mac("-i", FIXTURE, "--format", "markdown").stdout
    committed = str(next(a for a in families["coverage"] if a.path == "COVERAGE.md").data)
    assert committed.endswith(markdown) and committed.startswith("<!-- Generated by `mac generate`")


def test_html_file_links_into_the_generated_folder(tmp_path: Path) -> None:
    out = tmp_path / "site" / "generated"
    page = tmp_path / "report" / "coverage.html"
    page.parent.mkdir()
    result = mac("-i", FIXTURE, "-o", out, "--html", page)
    assert result.exit_code == 0, result.output
    assert not out.exists()  # coverage writes nothing to --out
    html = page.read_text()
    assert 'href="../site/generated/prometheus/rules/redis.rules.yml"' in html
    assert 'data-system="redis" data-signal="alerts" data-level="yes"' in html


def test_html_structure(fixture_run: tuple[Inventory, Families]) -> None:
    _, families = fixture_run
    page = str(next(a for a in families["coverage"] if a.path == "COVERAGE.html").data)
    assert page.startswith("<!DOCTYPE html>\n<!-- Generated by `mac generate`")
    cells = re.findall(
        r'<td class="cell level-(\w+)" data-system="([a-z_]+)" data-signal="(\w+)" data-level="(\w+)"', page
    )
    assert len(cells) == 2 * 4
    assert all(level == again for level, _, _, again in cells)
    assert {signal for _, _, signal, _ in cells} == {"metrics", "logs", "alerts", "dashboards"}
    for level in ("yes", "partial", "no"):
        assert f"--level-{level}:" in page and f"td.level-{level}" in page
        assert f'<li data-level="{level}"><span class="swatch swatch-{level}">' in page
    assert not re.search(r"<script|<link|<img|@import|url\(", page)
    # Boards link to the inventory's Grafana, rule files to their relative paths.
    assert 'href="https://grafana.acme.example/d/' in page
    assert 'href="prometheus/rules/redis.rules.yml"' in page


def test_boards_link_to_files_without_a_grafana_url(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    shutil.copytree(FIXTURE, inventory)
    text = (inventory / "inventory.yaml").read_text()
    (inventory / "inventory.yaml").write_text(text.replace("    url: https://grafana.acme.example\n", ""))
    model = coverage_model(load_inventory(inventory), build_artifacts(inventory))
    hrefs = [link.href for system in model.systems for link in system.boards]
    assert hrefs and all(h.startswith("grafana/dashboards/") and h.endswith(".json") for h in hrefs)


@pytest.mark.parametrize("case", ["coverage-bad-values", "coverage-range-downwards"])
def test_bad_coverage_settings_are_located(case: str) -> None:
    result = mac("-i", INVALID / case / "inventory.yaml")
    assert result.exit_code == 2
    lines: Sequence[str] = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert lines and all(re.match(r"^.+inventory\.yaml:\d+:\d+: error: ", line) for line in lines), (
        result.stdout
    )
    assert "settings.coverage" in result.stdout


def test_bad_inventory_as_json() -> None:
    result = mac("-i", INVALID / "coverage-range-downwards" / "inventory.yaml", "--format", "json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)
    assert {p["check"] for p in problems} == {"inventory/coverage"}
    assert all(p["line"] and p["col"] for p in problems)


def test_before_of_a_kind_without_services_is_left_out(tmp_path: Path) -> None:
    """Settings shared by inventories of other shapes (copied, scaffolded) stay valid."""
    inventory = tmp_path / "inventory"
    shutil.copytree(FIXTURE, inventory)
    text = (inventory / "inventory.yaml").read_text()
    extra = '      mysql: {metrics: "no", logs: "yes", alerts: "no", dashboards: "no"}\n'
    (inventory / "inventory.yaml").write_text(text.replace("    before:\n", "    before:\n" + extra, 1))
    loaded = load_inventory(inventory)
    assert "mysql" in loaded.settings.coverage.before
    assert [s.kind for s in coverage_model(loaded, build_artifacts(inventory)).systems] == [
        "postgresql",
        "redis",
    ]
