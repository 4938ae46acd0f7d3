"""Loading valid inventories into the model: merging, defaults, the bundled fleet."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from monitoring.inventory.build import load_inventory
from monitoring.inventory.schema import inventory_schema
from monitoring.kinds import KINDS
from monitoring.kinds.mysql import MysqlService
from tests.helpers import REPO, run_mac

VALID = REPO / "tests" / "fixtures" / "inventory" / "valid"


@pytest.fixture(scope="module")
def bundled():  # type: ignore[no-untyped-def]
    return load_inventory(REPO / "inventory")


@pytest.mark.parametrize("case", sorted(p.name for p in VALID.iterdir()))
def test_valid_fixtures_load(case: str) -> None:
    assert load_inventory(VALID / case).services


def test_thresholds_merge_kind_domain_service(bundled) -> None:  # type: ignore[no-untyped-def]
    defaults = KINDS["mysql"].threshold_defaults
    by_name = {s.name: s for s in bundled.services}
    assert by_name["aws-luckyus-salesorder-rw"].thresholds == defaults
    # data domain overrides the slow-query rate for every MySQL server it owns
    assert by_name["aws-luckyus-icyberdata-rw"].thresholds["max_slow_queries_per_second"] == 1
    assert by_name["aws-luckyus-icyberdata-rw"].thresholds["max_connection_use_ratio"] == 0.8
    # service-level override wins over everything
    assert by_name["luckyus-session"].thresholds["min_hit_ratio"] == 0.95
    assert by_name["luckyus-shopsale"].thresholds["min_hit_ratio"] == 0.8


def test_split_inventory_merges_files() -> None:
    inventory = load_inventory(VALID / "split-over-files")
    assert [s.name for s in inventory.services] == ["orders-db", "cache-a"]
    orders = inventory.services[0]
    assert isinstance(orders, MysqlService)
    assert orders.thresholds["max_slow_queries_per_second"] == 2
    assert orders.exporter == "orders-db.mysqld-exporter.monitoring.svc:9104"
    assert orders.location.file.endswith("more/mysql.yaml") and orders.location.line == 2


def test_schema_is_valid_and_documents_every_field() -> None:
    schema = inventory_schema()
    Draft202012Validator.check_schema(schema)

    def documented(prop: dict[str, object]) -> bool:
        ref = prop.get("$ref")
        target = schema["$defs"][ref.rsplit("/", 1)[1]] if isinstance(ref, str) else {}
        return "description" in prop or "description" in target

    def undocumented(node: object, path: str) -> list[str]:
        missing: list[str] = []
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                if isinstance(prop, dict) and not documented(prop):
                    missing.append(f"{path}.{name}")
            for key, value in node.items():
                if key != "if":  # a condition, not a field
                    missing += undocumented(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                missing += undocumented(value, f"{path}[{index}]")
        return missing

    assert undocumented(schema, "$") == []


def test_schema_thresholds_match_kind_defaults() -> None:
    defs = inventory_schema()["$defs"]
    for name, kind in KINDS.items():
        assert set(defs[f"thresholds_{name}"]["properties"]) == set(kind.threshold_defaults), name
    assert set(defs["service"]["properties"]["kind"]["enum"]) == set(KINDS)


def test_schema_command_prints_the_published_schema() -> None:
    result = run_mac("schema")
    assert result.returncode == 0
    assert result.stdout == (REPO / "monitoring" / "schema" / "inventory.schema.json").read_text()


def test_validate_summarises_the_bundled_inventory(bundled) -> None:  # type: ignore[no-untyped-def]
    result = run_mac("validate")
    assert result.returncode == 0, result.stderr
    assert f"{len(bundled.services)} services" in result.stdout
    for kind in bundled.kinds_present():
        assert f"{len([s for s in bundled.services if s.kind == kind])} {kind}" in result.stdout


def test_valid_file_as_single_path(tmp_path: Path) -> None:
    inventory = load_inventory(VALID / "minimal" / "inventory.yaml")
    assert inventory.services[0].location.line == 10
