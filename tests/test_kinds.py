"""The kind registry: every kind declares every piece, each piece resolves, the schema is theirs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from monitoring.aws.presets import service_alarms
from monitoring.generate.grafana import dashboard_json
from monitoring.generate.prometheus import scrape_jobs
from monitoring.inventory.build import load_inventory
from monitoring.inventory.schema import schema_text
from monitoring.kinds import KINDS
from monitoring.kinds.base import UNITS, Kind, KindSpecError, ThresholdSpec, UnknownThreshold
from monitoring.lazy import resolve
from monitoring.metric_catalog import load_catalog
from monitoring.model import Inventory, Service, Settings
from monitoring.rule_packs import load_pack
from tests.helpers import REPO, assert_golden, promtool_test_failures, run_mac

EVERY_KIND = REPO / "tests" / "fixtures" / "inventory" / "valid" / "every-kind"
THRESHOLDS = [(name, t) for name, kind in KINDS.items() for t in kind.thresholds]


@pytest.fixture(scope="module")
def every_kind() -> Inventory:
    return load_inventory(EVERY_KIND)


def test_the_published_schema_is_the_kinds_schema() -> None:
    """Refresh with UPDATE_GOLDEN=1, or `.venv/bin/mac schema > monitoring/schema/inventory.schema.json`."""
    assert_golden(REPO / "monitoring" / "schema" / "inventory.schema.json", schema_text())
    assert run_mac("schema").stdout == schema_text()


def test_the_fixture_has_a_service_of_every_kind(every_kind: Inventory) -> None:
    assert every_kind.kinds_present() == tuple(sorted(KINDS))


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_import_path_resolves(name: str) -> None:
    kind = KINDS[name]
    if kind.alarms is not None:
        assert callable(resolve(kind.alarms)), kind.alarms
    for board in kind.boards:
        assert callable(resolve(board.build)), board.build
        assert isinstance(resolve(board.no_data_until_traffic), Mapping), board.no_data_until_traffic
    if kind.overview is not None:
        assert callable(resolve(kind.overview.row)), kind.overview.row


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_scraped_kind_has_jobs_a_builder_and_catalogs(name: str) -> None:
    kind = KINDS[name]
    builds_jobs = type(kind).scrape_jobs is not Kind.scrape_jobs
    assert bool(kind.jobs) == builds_jobs == bool(kind.catalogs), "jobs, scrape_jobs and catalogs go together"
    for catalog in kind.catalogs:
        assert load_catalog(catalog), catalog


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_rule_pack_exists_when_declared_and_uses_the_kinds_thresholds(name: str) -> None:
    kind = KINDS[name]
    path = REPO / "rules" / f"{name}.yaml"
    if kind.rule_pack is None:
        assert not path.exists(), f"{path} exists but kind {name} declares rule_pack = None"
        return
    assert kind.rule_pack == f"rules/{name}.yaml" and path.is_file()
    used = {alert.threshold for alert in load_pack(name).alerts if alert.threshold}
    assert used <= set(kind.threshold_names)


def test_every_rule_pack_belongs_to_a_kind() -> None:
    packs = {path.stem for path in (REPO / "rules").glob("*.yaml")}
    assert packs == {name for name, kind in KINDS.items() if kind.rule_pack is not None}


@pytest.mark.parametrize(("kind", "spec"), THRESHOLDS, ids=[f"{k}.{t.name}" for k, t in THRESHOLDS])
def test_every_threshold_has_unit_bounds_and_description(kind: str, spec: ThresholdSpec) -> None:
    assert spec.unit in UNITS and f"_{spec.unit}_" in f"{spec.name}_"
    assert spec.name.startswith(("max_", "min_"))
    upper = float("inf") if spec.maximum is None else spec.maximum
    assert spec.minimum <= spec.default <= upper
    published = json.loads(schema_text())["$defs"][f"thresholds_{kind}"]["properties"][spec.name]
    assert published["description"] == spec.description and published["default"] == spec.default
    assert published["minimum"] == spec.minimum and published.get("maximum") == spec.maximum


def test_every_kind_builds_its_boards_rows_and_alarms(every_kind: Inventory) -> None:
    from dashboards import FLEET_BOARDS, build_boards

    boards = {b.dashboard.uid for b in build_boards(every_kind)}
    for spec in (spec for kind in KINDS.values() for spec in kind.boards):
        assert FLEET_BOARDS[spec.name].build(every_kind).uid in boards
    overview = next(b for b in build_boards(every_kind) if b.folder == "shop")
    rows = [p["title"] for p in dashboard_json(overview.dashboard)["panels"] if p["type"] == "row"]
    assert rows == [kind.title for kind in KINDS.values() if kind.overview is not None]
    for service in every_kind.services:
        alarms = service_alarms(service, every_kind.settings)
        assert bool(alarms) == (KINDS[service.kind].alarms is not None), service.kind


@pytest.mark.parametrize("name", sorted(n for n, k in KINDS.items() if k.exporter is not None))
def test_the_exporter_setting_reaches_the_scrape_config(name: str, tmp_path: Path) -> None:
    raw = yaml.safe_load((EVERY_KIND / "inventory.yaml").read_text())
    raw["settings"]["prometheus"] = {"exporters": {name: {"address": "{name}.sentinel.test:4242"}}}
    exporter = KINDS[name].exporter
    assert exporter is not None
    if not exporter.per_service:
        raw["settings"]["prometheus"]["exporters"][name]["address"] = "sentinel.test:4242"
    (tmp_path / "inventory.yaml").write_text(yaml.safe_dump(raw))
    inventory = load_inventory(tmp_path)
    service = next(s for s in inventory.services if s.kind == name)
    wanted = f"{service.name}.sentinel.test:4242" if exporter.per_service else "sentinel.test:4242"
    assert wanted in json.dumps(
        [job for job in scrape_jobs(inventory) if job["job_name"] in KINDS[name].jobs]
    )


def test_an_unknown_threshold_names_the_kind_the_known_ones_and_the_caller() -> None:
    with pytest.raises(UnknownThreshold) as raised:
        KINDS["redis"].threshold("min_hit_rate")
    message = str(raised.value)
    assert message.startswith(f"{__file__}:")
    assert "kind 'redis' has no threshold 'min_hit_rate'" in message and "min_hit_ratio" in message


def test_a_board_row_naming_an_unknown_threshold_fails_on_import() -> None:
    from dashboards.domain import PrometheusOverview, prometheus_row

    with pytest.raises(UnknownThreshold, match=f"^{__file__}:.*kind 'memcached' has no threshold 'max_nope'"):
        prometheus_row("memcached", PrometheusOverview("up", "x", "up", "none", "max_nope"))


def test_a_kind_missing_a_piece_fails_when_it_is_defined() -> None:
    with pytest.raises(KindSpecError, match=r"does not declare .*alarms.*use None or \(\) for none"):

        class Incomplete(Kind):  # a new kind that forgot, among others, its alarm presets
            name = "incomplete"
            title = "Incomplete"
            thresholds: ClassVar[tuple[ThresholdSpec, ...]] = ()

            def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> Service:
                raise NotImplementedError


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (("max_cpu", 80, "percent", "CPU."), "must carry its unit"),
        (("max_cpu_percent", 80, "percent", "CPU."), "needs maximum=100"),
        (("max_use_ratio", 2, "ratio", "Use.", 0, 1), "outside its bounds"),
        (("cpu_percent", 80, "percent", "CPU.", 0, 100), "start with max_ or min_"),
        (("max_lag_minutes", 5, "minutes", "Lag."), "unit 'minutes' is not one of"),
        (("max_lag_seconds", 5, "seconds", "no sentence"), "must be a sentence"),
    ],
)
def test_a_threshold_spec_contradicting_itself_fails(spec: tuple[Any, ...], problem: str) -> None:
    with pytest.raises(KindSpecError, match=problem):
        ThresholdSpec(*spec)


def test_generate_on_every_kind_passes_its_checks_and_promtool(tmp_path: Path) -> None:
    from tests.servers import tool

    out = tmp_path / "generated"
    result = run_mac("generate", "--inventory", str(EVERY_KIND), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    rules = sorted(str(p) for p in (out / "prometheus" / "rules").glob("*.yml"))
    assert {Path(p).name for p in rules} == {f"{n}.rules.yml" for n, k in KINDS.items() if k.rule_pack}
    tests = sorted(str(p) for p in (out / "prometheus" / "tests").glob("*.yml"))
    done = subprocess.run(
        [tool("promtool"), "check", "rules", *rules], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    failures = promtool_test_failures(tests)
    assert not failures, failures
