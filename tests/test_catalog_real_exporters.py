"""The metric catalogs against the real exporters, and the catalog loader."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from monitoring import metric_catalog
from monitoring.metric_catalog import (
    HAND_ADDED_MARKER,
    CatalogEntry,
    available_catalogs,
    catalog_version,
    load_catalog,
    metric_type,
    parse_catalog,
    parse_exposition,
    unsupported,
    version_key,
)
from tests import servers
from tests.servers import (
    MysqldExporter,
    NodeExporter,
    PostgresExporter,
    PrometheusFactory,
    RedisExporter,
    http_get,
)

GENERATED_CATALOGS = ("mysqld_exporter", "redis_exporter", "node_exporter", "postgres_exporter")

# node_exporter collectors that report hardware: on a host with such hardware (sensors, RAPL, NVMe, RAID,
# InfiniBand, ...) they add families the catalog's build host (a VM without any) could not show. Only names
# under these prefixes may be emitted without being catalogued; every other node_* family is checked strictly.
HARDWARE_NODE_PREFIXES = (
    "node_hwmon_",
    "node_thermal_zone_",
    "node_cooling_device_",
    "node_power_supply_",
    "node_rapl_",
    "node_edac_",
    "node_nvme_",
    "node_md_",
    "node_infiniband_",
    "node_fibrechannel_",
    "node_tape_",
    "node_bonding_",
    "node_cpu_frequency_",
    "node_cpu_scaling_",
    "node_schedstat_",
    "node_dmi_",
    "node_systemd_",
    "node_zfs_",
    "node_btrfs_",
    "node_xfs_",
    "node_bcache_",
    "node_nfs_",
    "node_nfsd_",
    "node_ipvs_",
)


@dataclass(frozen=True)
class Scrape:
    catalog: str
    urls: tuple[str, ...]


def _scrape_for(exporter: str, request: pytest.FixtureRequest) -> Scrape:
    if exporter == "mysqld_exporter":
        mysqld: MysqldExporter = request.getfixturevalue("mysqld_exporter")
        return Scrape(exporter, (mysqld.metrics_url,))
    if exporter == "redis_exporter":
        redis: RedisExporter = request.getfixturevalue("redis_exporter")
        return Scrape(exporter, (redis.metrics_url, redis.scrape_url))
    if exporter == "node_exporter":
        node: NodeExporter = request.getfixturevalue("node_exporter")
        return Scrape(exporter, (node.metrics_url,))
    postgres: PostgresExporter = request.getfixturevalue("postgres_exporter")
    return Scrape(exporter, (postgres.metrics_url,))


def _emitted(scrape: Scrape) -> dict[str, str]:
    samples: dict[str, str] = {}
    for url in scrape.urls:
        status, body = http_get(url, timeout_s=30.0)
        assert status == 200, f"{url}: HTTP {status}\n{body[:500]}"
        samples.update(parse_exposition(body))
    return samples


def _refresh_hint(scrape: Scrape) -> str:
    return (
        f"\nRefresh monitoring/catalog/{scrape.catalog}.txt with scripts/build_catalog.py against the "
        "exporter (flags in the file's header); hand-added lines are kept."
    )


@pytest.fixture(params=GENERATED_CATALOGS)
def scrape(request: pytest.FixtureRequest) -> Scrape:
    return _scrape_for(request.param, request)


@pytest.mark.integration
def test_every_unconditional_catalog_entry_is_emitted(scrape: Scrape) -> None:
    emitted = _emitted(scrape)
    missing = sorted(
        name
        for name, entry in load_catalog(scrape.catalog).items()
        if not entry.conditional and name not in emitted
    )
    assert not missing, f"{scrape.catalog} no longer emits {missing}" + _refresh_hint(scrape)


@pytest.mark.integration
def test_every_emitted_sample_is_catalogued(scrape: Scrape) -> None:
    catalog = load_catalog(scrape.catalog)
    unknown = sorted(name for name in _emitted(scrape) if name not in catalog)
    if scrape.catalog == "node_exporter":
        unknown = [name for name in unknown if not name.startswith(HARDWARE_NODE_PREFIXES)]
    assert not unknown, f"{scrape.catalog} emits uncatalogued {unknown}" + _refresh_hint(scrape)


@pytest.mark.integration
def test_catalogued_types_match_the_exporter(scrape: Scrape) -> None:
    catalog = load_catalog(scrape.catalog)
    wrong = sorted(
        f"{name}: catalog {catalog[name].type}, exporter {kind}"
        for name, kind in _emitted(scrape).items()
        if name in catalog and catalog[name].type != kind
    )
    assert not wrong, f"{scrape.catalog} types differ: {wrong}" + _refresh_hint(scrape)


@pytest.mark.integration
def test_redis_exporter_multi_target_and_own_metrics(redis_exporter: RedisExporter) -> None:
    own = parse_exposition(http_get(redis_exporter.metrics_url)[1])
    target = parse_exposition(http_get(redis_exporter.scrape_url)[1])
    assert "redis_exporter_build_info" in own
    # Started without -redis.addr: /metrics must not scrape any Redis, /scrape?target= must.
    assert "redis_up" not in own
    assert "redis_up" in target
    assert "redis_connected_clients" in target


@pytest.mark.integration
def test_prometheus_synthetic_series_match_catalog(
    prometheus_factory: PrometheusFactory, node_exporter: NodeExporter
) -> None:
    config = (
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
        "rule_files: [rules/node.yml]\n"
        "scrape_configs:\n"
        f"  - job_name: node\n    static_configs:\n      - targets: ['{node_exporter.address}']\n"
    )
    rules = (
        "groups:\n  - name: node\n    rules:\n"
        "      - record: job:up:sum\n        expr: sum by (job) (up)\n"
        '      - alert: NodeUp\n        expr: up{job="node"} == 1\n'
    )
    prometheus = prometheus_factory(config, {"rules/node.yml": rules})
    # Prometheus 2.42 applies discovered targets every 5 s, so the first scrape takes that long.
    prometheus.wait_until(lambda: prometheus.query('up{job="node"} == 1'), timeout_s=30, interval_s=0.25)
    names = {
        sample["metric"]["__name__"]
        for sample in prometheus.query('group by (__name__) ({job="node", __name__=~"up|scrape_.+"})')
    }
    assert names == set(load_catalog("prometheus_synthetic"))

    assert [target["labels"]["job"] for target in prometheus.targets()] == ["node"]
    assert {(rule["name"], rule["type"], rule["group"]) for rule in prometheus.rules()} == {
        ("job:up:sum", "recording", "node"),
        ("NodeUp", "alerting", "node"),
    }
    firing = prometheus.wait_until(
        lambda: [alert for alert in prometheus.alerts() if alert["state"] == "firing"], timeout_s=30
    )
    assert firing[0]["labels"]["alertname"] == "NodeUp"


# ---------------------------------------------------------------- loader and catalog content (no servers)


def test_postgres_catalog_has_current_replication_lag_name_only() -> None:
    catalog = load_catalog("postgres_exporter")
    assert "pg_replication_lag" not in catalog
    lag = catalog["pg_replication_lag_seconds"]
    assert lag == CatalogEntry("pg_replication_lag_seconds", "gauge", True, "0.13.2")
    assert unsupported("postgres_exporter", lag)
    assert not unsupported("postgres_exporter", catalog["pg_stat_replication_pg_wal_lsn_diff"])


@pytest.mark.parametrize("name", sorted(available_catalogs()))
def test_every_catalog_records_the_exporter_version_it_describes(name: str) -> None:
    version = catalog_version(name)
    assert version is not None and version_key(version), f"{name}.txt has no '# version: ' header"


EXPORTER_BINARIES = {
    "mysqld_exporter": "prometheus-mysqld-exporter",
    "node_exporter": "prometheus-node-exporter",
    "postgres_exporter": "prometheus-postgres-exporter",
    "redis_exporter": "prometheus-redis-exporter",
}


@pytest.mark.integration
@pytest.mark.parametrize("name", GENERATED_CATALOGS)
def test_captured_catalogs_name_the_version_of_the_exporter_we_run(name: str) -> None:
    """The version a catalog says it was captured from is the one the tests (and Debian) run."""
    result = subprocess.run(
        [servers.tool(EXPORTER_BINARIES[name]), "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    version = catalog_version(name)
    assert version is not None
    assert version in result.stdout + result.stderr, (version, result.stdout + result.stderr)


def test_a_since_newer_than_the_catalog_version_is_unsupported(catalog_dir: Path) -> None:
    (catalog_dir / "demo.txt").write_text(
        "# version: 1.2.0; series newer versions add carry since=<version>.\n"
        "demo_old gauge\ndemo_same gauge since=1.2.0\ndemo_new gauge conditional since=1.10\n"
    )
    catalog = load_catalog("demo")
    assert catalog_version("demo") == "1.2.0"
    assert catalog["demo_new"] == CatalogEntry("demo_new", "gauge", True, "1.10")
    assert [n for n, e in catalog.items() if unsupported("demo", e)] == ["demo_new"]


def test_required_mysqld_series_are_unconditional() -> None:
    catalog = load_catalog("mysqld_exporter")
    for name in (
        "mysql_up",
        "mysql_global_status_slow_queries",
        "mysql_global_variables_max_connections",
        "mysql_global_status_threads_connected",
        "mysql_global_status_aborted_connects",
    ):
        assert not catalog[name].conditional, name
    assert catalog["mysql_slave_status_seconds_behind_master"].conditional


@pytest.fixture
def catalog_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(metric_catalog, "CATALOG_DIR", tmp_path)
    load_catalog.cache_clear()
    catalog_version.cache_clear()
    yield tmp_path
    load_catalog.cache_clear()
    catalog_version.cache_clear()


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("foo_total countr", "unknown type 'countr'"),
        (
            "foo_total counter maybe",
            "expected '<metric_name> <type> \\[conditional\\] \\[since=<version>\\]'",
        ),
        ("foo_total counter since=abc", "expected"),
        ("foo_total", "expected"),
        ("9foo gauge", "invalid metric name '9foo'"),
        ("bar gauge", "duplicate metric name 'bar'"),
    ],
)
def test_malformed_line_names_file_and_line(catalog_dir: Path, bad_line: str, message: str) -> None:
    path = catalog_dir / "broken.txt"
    path.write_text(f"# header\nbar gauge\n\n{bad_line}\n")
    with pytest.raises(ValueError, match=rf"{path}:4: {message}"):
        load_catalog("broken")


def test_loader_reads_conditional_and_is_cached(catalog_dir: Path) -> None:
    (catalog_dir / "tiny.txt").write_text("# c\na_total counter\nb gauge conditional\n")
    first = load_catalog("tiny")
    assert first == {
        "a_total": CatalogEntry("a_total", "counter", False),
        "b": CatalogEntry("b", "gauge", True),
    }
    (catalog_dir / "tiny.txt").write_text("c gauge\n")
    assert load_catalog("tiny") is first
    assert available_catalogs() == ["tiny"]


def test_unknown_catalog_is_a_clear_error(catalog_dir: Path) -> None:
    with pytest.raises(ValueError, match="no metric catalog 'nope'"):
        load_catalog("nope")
    with pytest.raises(ValueError, match="no metric catalog"):
        load_catalog("../etc/passwd")


def test_missing_binary_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servers, "find_tool", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="install the Debian package 'prometheus-alertmanager'"):
        servers.tool("amtool")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match=r"scripts/setup\.sh all"):
        servers.tool("amtool")


def test_available_catalogs() -> None:
    assert set(available_catalogs()) >= {
        *GENERATED_CATALOGS,
        "kafka_msk_jmx",
        "kube_state_metrics",
        "prometheus_synthetic",
    }


@pytest.mark.parametrize("name", sorted(available_catalogs()))
def test_every_shipped_catalog_parses_and_is_sorted(name: str) -> None:
    text = Path(metric_catalog.CATALOG_DIR, f"{name}.txt").read_text()
    assert load_catalog(name), name
    generated = text.split(HAND_ADDED_MARKER)[0]
    names = [line.split()[0] for line in generated.splitlines() if line.strip() and not line.startswith("#")]
    if name in GENERATED_CATALOGS:
        assert names == sorted(names)


def test_metric_type_looks_through_given_exporters_then_synthetic() -> None:
    assert metric_type("mysql_up", ["mysqld_exporter"]) == "gauge"
    assert metric_type("kube_pod_container_status_restarts_total", ["kube_state_metrics"]) == "counter"
    assert metric_type("mysql_up", ["redis_exporter"]) is None
    assert metric_type("up", ["redis_exporter"]) == "gauge"
    assert metric_type("up", []) == "gauge"
    assert metric_type("pg_replication_lag", ["postgres_exporter"]) is None
    assert metric_type("kafka_server_ReplicaManager_Value", ["node_exporter", "kafka_msk_jmx"]) == "untyped"


def test_parse_exposition_types_histogram_and_summary_samples() -> None:
    text = (
        "# HELP h A histogram.\n# TYPE h histogram\n"
        'h_bucket{le="1"} 0\nh_bucket{le="+Inf"} 1\nh_sum 2\nh_count 1\n'
        "# TYPE s summary\n"
        's{quantile="0.5"} 1\ns_sum 2\ns_count 1\n'
        "# TYPE c_total counter\nc_total 3\n"
        "loose 1\n"
        "# TYPE g gauge\ng_count 5\n"
    )
    assert parse_exposition(text) == {
        "h_bucket": "histogram",
        "h_sum": "histogram",
        "h_count": "histogram",
        "s": "summary",
        "s_sum": "summary",
        "s_count": "summary",
        "c_total": "counter",
        "loose": "untyped",
        "g_count": "untyped",
    }


def test_parse_catalog_allows_comments_and_blank_lines() -> None:
    assert parse_catalog("\n# only comments\n\n", "empty") == {}
