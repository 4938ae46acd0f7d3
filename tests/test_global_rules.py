"""Shards plus a global store: remote_write, the rules split between shards and vmalert, Grafana on the
store; checked by promtool and vmalert's own dry run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.artifacts import Artifact
from monitoring.generate.global_rules import SHARD_MARKER
from monitoring.generate.prometheus import hashmod
from monitoring.generate.rule_placement import place_rules
from monitoring.generate.rules import rule_files
from monitoring.inventory.build import load_inventory
from monitoring.lint.runner import lint_texts
from monitoring.pipeline import build_artifacts
from monitoring.writer import write_tree
from tests.helpers import REPO, assert_golden, promtool_test_failures
from tests.servers import PrometheusFactory, tool

FIXTURE = REPO / "tests" / "fixtures" / "inventory" / "valid" / "sharded-vm"
GOLDEN = REPO / "tests" / "golden" / "sharded-vm"


def _variant(tmp_path: Path, prometheus: dict[str, Any]) -> Path:
    """The fixture inventory with settings.prometheus replaced."""
    data = yaml.safe_load((FIXTURE / "inventory.yaml").read_text())
    data["settings"]["prometheus"] = prometheus
    root = tmp_path / "inventory"
    root.mkdir(parents=True)
    (root / "inventory.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return root


def _flat(families: dict[str, list[Artifact]]) -> dict[str, Artifact]:
    return {a.path: a for family in families.values() for a in family}


@pytest.fixture(scope="module")
def families() -> dict[str, list[Artifact]]:
    return build_artifacts(FIXTURE)


@pytest.fixture(scope="module")
def written(families: dict[str, list[Artifact]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sharded") / "generated"
    write_tree([a for family in families.values() for a in family], out)
    return out


def _rules(artifact: Artifact) -> list[dict[str, Any]]:
    return [rule for group in artifact.data["groups"] for rule in group["rules"]]


def test_outputs_of_the_sharded_topology(families: dict[str, list[Artifact]]) -> None:
    paths = set(_flat(families))
    assert {"prometheus/shard-0/prometheus.yml", "prometheus/shard-1/prometheus.yml"} <= paths
    assert "prometheus/prometheus.yml" not in paths
    kinds = ("node", "postgresql", "redis")
    assert {f"prometheus/rules/{kind}.rules.yml" for kind in kinds} <= paths
    assert {p for p in paths if p.startswith("vmalert/")} == {
        "vmalert/vmalert.flags",
        *(f"vmalert/rules/{kind}.rules.yml" for kind in kinds),
    }


@pytest.mark.parametrize(
    "path",
    [
        "prometheus/shard-0/prometheus.yml",
        "prometheus/rules/redis.rules.yml",
        "prometheus/tests/redis.test.yml",
        "vmalert/rules/redis.rules.yml",
        "vmalert/vmalert.flags",
        "grafana/provisioning/datasources/datasources.yaml",
    ],
)
def test_sharded_goldens(families: dict[str, list[Artifact]], path: str) -> None:
    assert_golden(GOLDEN / path, _flat(families)[path].render())


def test_shards_remote_write_with_labels_that_keep_their_series_apart(
    families: dict[str, list[Artifact]],
) -> None:
    configs = [_flat(families)[f"prometheus/shard-{n}/prometheus.yml"].data for n in (0, 1)]
    for shard, config in enumerate(configs):
        assert config["global"]["external_labels"] == {
            "organization": "acme",
            "env": "test",
            "shard": str(shard),
            "prometheus_cluster": "acme-test-eu",
        }
        [remote] = config["remote_write"]
        assert remote["url"] == "http://victoria-metrics.monitoring.svc:8428/api/v1/write"
        assert remote["queue_config"]["max_samples_per_send"] >= 2000
        for job in config["scrape_configs"]:
            # After the job's own relabeling, on the service: a service's targets share one shard.
            key, by_service, hashmod, keep = job["relabel_configs"][-4:]
            assert key["source_labels"] == ["__address__"]
            assert by_service == {
                "source_labels": ["service"],
                "regex": "(.+)",
                "target_label": "__tmp_shard_key",
                "action": "replace",
            }
            assert hashmod["source_labels"] == ["__tmp_shard_key"] and hashmod["modulus"] == 2
            assert keep == {"source_labels": ["__tmp_shard"], "regex": str(shard), "action": "keep"}


def test_every_rule_lands_once_on_the_side_that_evaluates_it(
    families: dict[str, list[Artifact]], tmp_path: Path
) -> None:
    unsplit = {a.path: a for a in rule_files(load_inventory(_variant(tmp_path, {"shards": 2})))}
    flat = _flat(families)
    for path, artifact in unsplit.items():
        if not path.startswith("prometheus/rules/"):
            continue
        every = _rules(artifact)
        placed = [p.placement for p in place_rules(every)]
        assert _rules(flat[path]) == [r for r, p in zip(every, placed, strict=True) if p == "shard"]
        ruler = _rules(flat[path.replace("prometheus/", "vmalert/")])
        assert ruler == [r for r, p in zip(every, placed, strict=True) if p == "global"]
        assert all("absent(" in rule["expr"] for rule in ruler)


def test_shard_rule_files_are_marked_and_lint_clean(families: dict[str, list[Artifact]]) -> None:
    flat = _flat(families)
    shard_file = flat["prometheus/rules/redis.rules.yml"].render().decode()
    assert shard_file.splitlines()[1] == f"# {SHARD_MARKER}"
    assert not [f for f in lint_texts([("redis.rules.yml", shard_file)]) if f.check.startswith("placement/")]
    # The same file with the global rules put back is what lint reports.
    ruler = flat["vmalert/rules/redis.rules.yml"].data["groups"][0]["rules"]
    merged = {
        "groups": [{"name": "redis", "rules": _rules(flat["prometheus/rules/redis.rules.yml"]) + ruler}]
    }
    text = f"# {SHARD_MARKER}\n" + yaml.safe_dump(merged, sort_keys=False)
    findings = [
        f for f in lint_texts([("redis.rules.yml", text)]) if f.check == "placement/fleet-rule-on-shard"
    ]
    assert len(findings) == len(ruler)


def test_promtool_accepts_the_shard_configs(written: Path) -> None:
    for shard in (0, 1):
        folder = written / "prometheus" / f"shard-{shard}"
        result = subprocess.run(
            [tool("promtool"), "check", "config", "prometheus.yml"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_checks_and_tests_both_sides(written: Path) -> None:
    files = sorted(str(p) for p in written.glob("*/rules/*.rules.yml"))
    assert any("/vmalert/" in f for f in files)
    checked = subprocess.run(
        [tool("promtool"), "check", "rules", *files], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tests = sorted(str(p) for p in (written / "prometheus" / "tests").glob("*.test.yml"))
    failures = promtool_test_failures(tests)
    assert not failures, failures


def test_vmalert_dry_run_accepts_the_global_rules(written: Path) -> None:
    flags = (written / "vmalert" / "vmalert.flags").read_text().splitlines()
    rule_flags = [flag for flag in flags if flag.startswith("-rule=")]
    assert rule_flags == ["-rule=rules/*.rules.yml"]
    result = subprocess.run(
        [tool("vmalert"), "-dryRun", *rule_flags],
        cwd=written / "vmalert",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_vmalert_dry_run_fails_on_a_broken_rule(written: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.rules.yml"
    broken.write_text("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(up\n")
    result = subprocess.run(
        [tool("vmalert"), "-dryRun", f"-rule={broken}"], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0


def test_vmalert_flags_point_at_the_store_and_alertmanager(families: dict[str, list[Artifact]]) -> None:
    flags = str(_flat(families)["vmalert/vmalert.flags"].data).splitlines()
    assert "-datasource.url=http://victoria-metrics.monitoring.svc:8428" in flags
    assert "-remoteWrite.url=http://victoria-metrics.monitoring.svc:8428" in flags
    assert "-notifier.url=http://alertmanager.monitoring.svc:9093" in flags
    assert "-external.label=prometheus_cluster=acme-test-eu" in flags


def test_grafana_reads_the_global_store(families: dict[str, list[Artifact]]) -> None:
    flat = _flat(families)
    datasources = flat["grafana/provisioning/datasources/datasources.yaml"].data["datasources"]
    assert [(d["name"], d["isDefault"]) for d in datasources] == [
        ("global store", True),
        ("prometheus", False),
    ]
    assert datasources[0]["url"] == "http://victoria-metrics.monitoring.svc:8428"
    board = flat["grafana/dashboards/fleet/acme-redis.json"].data
    [picker] = [t for t in board["templating"]["list"] if t["type"] == "datasource"]
    assert picker["current"]["value"] == datasources[0]["uid"]


STORES: list[tuple[dict[str, Any], str, list[str]]] = [
    (
        {
            "type": "victoriametrics-cluster",
            "insert_url": "http://vminsert:8480/insert/0/prometheus/",
            "select_url": "http://vmselect:8481/select/0/prometheus",
        },
        "http://vminsert:8480/insert/0/prometheus/api/v1/write",
        [
            "-datasource.url=http://vmselect:8481/select/0/prometheus",
            "-remoteWrite.url=http://vminsert:8480/insert/0/prometheus",
        ],
    ),
    (
        {
            "type": "remote-write",
            "write_url": "https://mimir:8080/api/v1/push",
            "read_url": "https://mimir:8080/prometheus",
        },
        "https://mimir:8080/api/v1/push",
        [
            "-datasource.url=https://mimir:8080/prometheus",
            "-remoteWrite.url=https://mimir:8080/api/v1/push",
            "-remoteWrite.disablePathAppend",
        ],
    ),
]


@pytest.mark.parametrize(("store", "write_url", "flags"), STORES, ids=["vm-cluster", "remote-write"])
def test_store_types_resolve_their_urls(
    tmp_path: Path, store: dict[str, Any], write_url: str, flags: list[str]
) -> None:
    root = _variant(tmp_path, {"shards": 3, "alertmanagers": ["am:9093"], "global_store": store})
    flat = _flat(build_artifacts(root))
    assert flat["prometheus/shard-2/prometheus.yml"].data["remote_write"][0]["url"] == write_url
    written = str(flat["vmalert/vmalert.flags"].data).splitlines()
    assert set(flags) <= set(written)


def test_thanos_ruler_gets_the_global_rules_and_its_flags(tmp_path: Path) -> None:
    store = {
        "type": "remote-write",
        "write_url": "http://receive:19291/api/v1/receive",
        "read_url": "http://query:9090",
        "ruler": "thanos",
    }
    root = _variant(tmp_path, {"shards": 2, "alertmanagers": ["am:9093"], "global_store": store})
    flat = _flat(build_artifacts(root))
    assert not [p for p in flat if p.startswith("vmalert/")]
    assert "thanos/rules/redis.rules.yml" in flat
    flags = str(flat["thanos/thanos-rule.flags"].data).splitlines()
    assert "--query=http://query:9090" in flags and "--alertmanagers.url=http://am:9093" in flags
    assert "../../thanos/rules/redis.rules.yml" in flat["prometheus/tests/redis.test.yml"].data["rule_files"]


def test_one_prometheus_with_a_store_keeps_every_rule(tmp_path: Path) -> None:
    store = {"type": "victoriametrics", "url": "http://vm:8428"}
    with_store = _flat(build_artifacts(_variant(tmp_path / "a", {"global_store": store})))
    without = _flat(build_artifacts(_variant(tmp_path / "b", {})))
    assert (
        with_store["prometheus/prometheus.yml"].data["remote_write"][0]["url"]
        == "http://vm:8428/api/v1/write"
    )
    assert "remote_write" not in without["prometheus/prometheus.yml"].data
    assert not [p for p in with_store if p.startswith("vmalert/")]
    for path, artifact in without.items():
        if path.startswith("prometheus/rules/") or path.startswith("prometheus/tests/"):
            assert with_store[path].render() == artifact.render()


def test_shards_without_a_store_split_targets_only(tmp_path: Path) -> None:
    flat = _flat(build_artifacts(_variant(tmp_path, {"shards": 2})))
    assert not [p for p in flat if p.startswith("vmalert/")]
    config = flat["prometheus/shard-1/prometheus.yml"].data
    assert "remote_write" not in config and "prometheus_cluster" not in config["global"]["external_labels"]
    assert SHARD_MARKER.encode() not in flat["prometheus/rules/redis.rules.yml"].render()
    assert any("absent(" in rule["expr"] for rule in _rules(flat["prometheus/rules/redis.rules.yml"]))


def test_listed_targets_are_placed_as_prometheus_hashmod_places_them(
    prometheus_factory: PrometheusFactory,
) -> None:
    """Each shard's file lists only its own targets, placed by our hashmod; Prometheus' own must agree,
    or its `keep` would drop a target that no other shard lists."""
    modulus, services = 5, [f"svc-{n:02d}.shop" for n in range(40)]
    config = {
        "global": {"scrape_interval": "1h"},
        "scrape_configs": [
            {
                "job_name": "placed",
                "static_configs": [
                    {"targets": [f"127.0.0.1:{1 + n}"], "labels": {"service": name}}
                    for n, name in enumerate(services)
                ],
                "relabel_configs": [
                    {
                        "source_labels": ["service"],
                        "modulus": modulus,
                        "target_label": "shard_of",
                        "action": "hashmod",
                    }
                ],
            }
        ],
    }
    prometheus = prometheus_factory(yaml.safe_dump(config))

    def all_discovered() -> list[dict[str, Any]] | None:
        found = prometheus.targets()
        return found if len(found) == len(services) else None

    targets = prometheus.wait_until(all_discovered)
    placed = {t["labels"]["service"]: int(t["labels"]["shard_of"]) for t in targets}
    assert placed == {name: hashmod(name, modulus) for name in services}
    assert len(set(placed.values())) > 1


def test_each_shard_lists_only_its_services(families: dict[str, list[Artifact]]) -> None:
    flat = _flat(families)
    listed: list[str] = []
    for shard in (0, 1):
        for job in flat[f"prometheus/shard-{shard}/prometheus.yml"].data["scrape_configs"]:
            for group in job.get("static_configs", []):
                assert hashmod(group["labels"]["service"], 2) == shard
                listed.append(group["labels"]["service"])
    assert sorted(listed) == ["carts", "invoices-cache", "ledger-db", "sessions"]


def test_the_bundled_fleet_sharded_generates_and_passes_promtool_and_vmalert(tmp_path: Path) -> None:
    """Every generated rule family, SLOs included, split as if the bundled fleet ran 4 shards."""
    root = tmp_path / "inventory"
    shutil.copytree(REPO / "inventory", root)
    settings = root / "settings.yaml"
    text = settings.read_text()
    assert "    shards: 1\n" in text
    store = "    shards: 4\n    global_store:\n      type: victoriametrics\n      url: http://vm:8428\n"
    settings.write_text(text.replace("    shards: 1\n", store, 1))
    out = tmp_path / "generated"
    write_tree([a for family in build_artifacts(root).values() for a in family], out)
    assert list((out / "vmalert" / "rules").glob("*.rules.yml"))
    tests = sorted(str(p) for p in (out / "prometheus" / "tests").glob("*.test.yml"))
    failures = promtool_test_failures(tests)
    assert not failures, failures
    dry_run = subprocess.run(
        [tool("vmalert"), "-dryRun", "-rule=rules/*.rules.yml"],
        cwd=out / "vmalert",
        capture_output=True,
        text=True,
        check=False,
    )
    assert dry_run.returncode == 0, dry_run.stdout + dry_run.stderr
