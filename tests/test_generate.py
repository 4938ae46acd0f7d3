"""Generation for the bundled inventory: goldens, freshness gate, atomic writes, sharding."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cli.main import cli
from monitoring.generate.prometheus import prometheus_config
from monitoring.inventory.build import load_inventory
from monitoring.pipeline import build_artifacts
from monitoring.writer import OutputWriteError, compare_tree, write_tree
from tests.helpers import REPO, assert_generated, assert_golden

GOLDEN = REPO / "tests" / "golden"
VALID = REPO / "tests" / "fixtures" / "inventory" / "valid"


def test_bundled_output_matches_committed_generated_tree() -> None:
    """generated/ is the bundled inventory's golden; `make generate` or UPDATE_GOLDEN=1 refreshes it."""
    artifacts = [a for family in build_artifacts(REPO / "inventory").values() for a in family]
    assert_generated(artifacts)
    assert compare_tree(artifacts, REPO / "generated").extra == ()


def test_every_target_carries_the_standard_labels() -> None:
    [artifact] = prometheus_config(load_inventory(REPO / "inventory"))
    for job in artifact.data["scrape_configs"]:
        for group in job.get("static_configs", []):
            assert {"service", "domain", "team", "kind", "env"} <= set(group["labels"]), job["job_name"]
        replaced = {r["target_label"] for r in job.get("relabel_configs", []) if "replacement" in r}
        if "static_configs" not in job:
            assert {"service", "domain", "team", "kind", "env", "job"} <= replaced, job["job_name"]


def test_no_secret_or_credential_inlined() -> None:
    text = (REPO / "generated" / "prometheus" / "prometheus.yml").read_text()
    for word in ("password:", "credentials:", "bearer_token:", "secret"):
        assert word not in text


def test_minimal_prometheus_golden() -> None:
    [artifact] = prometheus_config(load_inventory(VALID / "split-over-files"))
    assert_golden(GOLDEN / "split-over-files" / "prometheus.yml", artifact.render())


def test_shards_split_targets_with_hashmod(tmp_path: Path) -> None:
    inventory_dir = tmp_path / "inventory"
    shutil.copytree(VALID / "split-over-files", inventory_dir)
    settings = inventory_dir / "settings.yaml"
    settings.write_text(settings.read_text() + "  prometheus:\n    shards: 3\n")
    artifacts = prometheus_config(load_inventory(inventory_dir))
    assert [a.path for a in artifacts] == [f"prometheus/shard-{n}/prometheus.yml" for n in range(3)]
    for shard, artifact in enumerate(artifacts):
        assert artifact.data["global"]["external_labels"]["shard"] == str(shard)
        for job in artifact.data["scrape_configs"]:
            hashmod, keep = job["relabel_configs"][:2]
            assert hashmod == {
                "source_labels": ["__address__"],
                "modulus": 3,
                "target_label": "__tmp_shard",
                "action": "hashmod",
            }
            assert keep == {"source_labels": ["__tmp_shard"], "regex": str(shard), "action": "keep"}
    assert_golden(GOLDEN / "split-over-files" / "shard-1.prometheus.yml", artifacts[1].render())


def test_check_flags_stale_output_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(VALID / "minimal", tmp_path / "inventory")
    runner = CliRunner()
    assert runner.invoke(cli, ["generate", "-q"]).exit_code == 0
    config = tmp_path / "generated" / "prometheus" / "prometheus.yml"
    assert runner.invoke(cli, ["generate", "--check"]).exit_code == 0
    config.write_text(config.read_text() + "# hand edit\n")
    (tmp_path / "generated" / "stray.yml").write_text("x: 1\n")
    result = runner.invoke(cli, ["generate", "--check"])
    assert result.exit_code == 1
    assert "generated/prometheus/prometheus.yml: error: changed: " in result.output
    assert "generated/stray.yml: error: not generated: " in result.output
    assert config.read_text().endswith("# hand edit\n")


def test_generate_replaces_the_tree_and_is_deterministic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(VALID / "minimal", tmp_path / "inventory")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / ".mac-generated").write_text("written by an earlier run\n")
    (tmp_path / "generated" / "stale.yml").write_text("old\n")
    runner = CliRunner()
    assert runner.invoke(cli, ["generate", "-q"]).exit_code == 0
    first = {p: p.read_bytes() for p in (tmp_path / "generated").rglob("*") if p.is_file()}
    assert not (tmp_path / "generated" / "stale.yml").exists()
    assert runner.invoke(cli, ["generate", "-q"]).exit_code == 0
    second = {p: p.read_bytes() for p in (tmp_path / "generated").rglob("*") if p.is_file()}
    assert first == second
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".generated")]


def test_failed_write_leaves_previous_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "generated"
    out.mkdir()
    (out / ".mac-generated").write_text("written by an earlier run\n")
    (out / "keep.yml").write_text("previous\n")
    artifacts = prometheus_config(load_inventory(VALID / "minimal"))

    def broken_render(self: object) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(type(artifacts[0]), "render", broken_render)
    with pytest.raises(OutputWriteError, match="disk full; the previous output is unchanged"):
        write_tree(artifacts, out)
    assert sorted(p.name for p in out.iterdir()) == [".mac-generated", "keep.yml"]
    assert [p.name for p in tmp_path.iterdir()] == ["generated"]


def test_generated_yaml_is_marked_and_parses() -> None:
    text = (REPO / "generated" / "prometheus" / "prometheus.yml").read_text()
    assert text.startswith("# Generated by `mac generate`")
    assert yaml.safe_load(text)["scrape_configs"]


def test_parallel_and_serial_generation_agree() -> None:
    serial = build_artifacts(REPO / "inventory", parallel=False)
    parallel = build_artifacts(REPO / "inventory", parallel=True)
    assert list(serial) == list(parallel)
    for name in serial:
        assert [(a.path, a.render()) for a in serial[name]] == [(a.path, a.render()) for a in parallel[name]]


def test_refuses_to_replace_a_folder_it_did_not_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(VALID / "minimal", tmp_path / "inventory")
    (tmp_path / "precious.txt").write_text("keep me\n")
    result = CliRunner().invoke(cli, ["generate", "--out", "."])
    assert result.exit_code == 2
    assert "refusing to replace" in result.output
    assert (tmp_path / "precious.txt").read_text() == "keep me\n"
    assert (tmp_path / "inventory" / "inventory.yaml").exists()
    # An empty folder, or one mac wrote before, is replaced.
    (tmp_path / "out").mkdir()
    assert CliRunner().invoke(cli, ["generate", "-q", "--out", "out"]).exit_code == 0
    assert CliRunner().invoke(cli, ["generate", "-q", "--out", "out"]).exit_code == 0
    assert (tmp_path / "out" / ".mac-generated").is_file()


SECRET_PATTERNS = {
    "AWS access key": r"AKIA[0-9A-Z]{16}",
    "private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "Slack webhook": r"hooks\.slack\.com/services/",
    "inline password": r"(?i)\bpassword[\"']?\s*[:=]\s*[\"']?(?!\$__env\{)[^\s\"',}]+",
    "inline Alertmanager secret": r"\b(api_url|routing_key|service_key|auth_password|bearer_token):",
}


@pytest.mark.parametrize("kind", sorted(SECRET_PATTERNS))
def test_no_secret_anywhere_in_generated(kind: str) -> None:
    import re

    pattern = re.compile(SECRET_PATTERNS[kind])
    leaks = [
        f"{path.relative_to(REPO)}: {match.group(0)[:40]}"
        for path in (REPO / "generated").rglob("*")
        if path.is_file()
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert leaks == []


def test_secret_scan_would_catch_an_inline_password() -> None:
    import re

    assert re.search(SECRET_PATTERNS["inline password"], "    password: hunter2\n")
    assert not re.search(SECRET_PATTERNS["inline password"], "    password: $__env{GRAFANA_PW}\n")
