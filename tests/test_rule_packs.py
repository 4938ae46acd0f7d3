"""Rule packs are checked with the inventory: a typo in rules/<kind>.yaml is a located error at
validate time (exit 2), and findings on generated rules point back at the pack line."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import monitoring.rule_packs as rule_packs
from cli.main import cli
from monitoring.artifacts import Artifact
from monitoring.generate.rules import rule_files
from monitoring.inventory.build import load_inventory
from monitoring.lint.artifact import check_rule_artifact
from monitoring.rule_packs import RulePack, read_pack
from tests.helpers import REPO

PACK = REPO / "rules" / "redis.yaml"
HIT_RATIO = "  - alert: RedisHitRatioLow\n    threshold: min_hit_ratio\n"

# (case, text of rules/redis.yaml replaced, replacement, where the problem is, its check, message part)
EDITS = [
    (
        "bad severity",
        "    severity: warning\n",
        "    severity: page\n",
        "page",
        "pack/schema",
        "'page' is not one of",
    ),
    (
        "misspelt key",
        HIT_RATIO + "    expr:",
        HIT_RATIO + "    exrp:",
        "exrp",
        "pack/unknown-key",
        "unknown key 'exrp'",
    ),
    (
        "unknown threshold",
        "threshold: min_hit_ratio\n",
        "threshold: min_hit_rate\n",
        "min_hit_rate",
        "pack/unknown-threshold",
        "'min_hit_rate' is not a threshold of kind redis",
    ),
    (
        "placeholder a threshold alert lacks",
        "{${services}} < ${threshold}",
        '{${services}, domain="${domain}"} < ${threshold}',
        "service:redis_keyspace_hit_ratio:rate${rate_window}{${services}, domain",
        "pack/placeholder",
        "placeholder ${domain} is not filled",
    ),
    (
        "test value that is not arithmetic",
        "      firing: threshold / 2\n",
        "      firing: treshold / 2\n",
        "treshold",
        "pack/test-value",
        "test firing: not arithmetic",
    ),
    (
        "annotation outside the template subset",
        "summary: Redis {{ $labels.service }} hit ratio is",
        "summary: Redis {{ $labels.service | toUpper }} hit ratio is",
        "Redis {{ $labels.service | toUpper }}",
        "pack/template",
        "outside the supported subset",
    ),
    (
        "service label on an absent() alert",
        "      domain: ${domain}\n      kind: redis\n",
        "      domain: ${domain}\n      service: redis\n",
        "redis\n    summary: No Redis",
        "pack/per-domain-service",
        "may not set one",
    ),
    (
        "selector an override could not narrow",
        'expr: redis_up{job="redis"} == 0',
        'expr: redis_up{instance!="", job="redis"} == 0',
        'redis_up{instance!=""',
        "pack/selector",
        "does not start with its job matcher",
    ),
    (
        "rate window that ignores the scrape interval",
        'redis_evicted_keys_total{job="redis", ${services}}[${rate_window}]',
        'redis_evicted_keys_total{job="redis", ${services}}[5m]',
        ">-\n      sum by (service, domain, team, env) (rate(redis_evicted_keys_total",
        "pack/fixed-window",
        "fixed window 5m is shorter than 4 scrapes at the slowest interval allowed (15m)",
    ),
    (
        "recording rule named by a fixed window",
        "record: service:redis_keyspace_hit_ratio:rate${rate_window}",
        "record: service:redis_keyspace_hit_ratio:rate5m",
        "service:redis_keyspace_hit_ratio:rate5m\n",
        "pack/fixed-window",
        "fixed window 5m in the name",
    ),
    (
        "least window that is not one",
        'redis_evicted_keys_total{job="redis", ${services}}[${rate_window}]',
        'redis_evicted_keys_total{job="redis", ${services}}[${rate_window:5x}]',
        ">-\n      sum by (service, domain, team, env) (rate(redis_evicted_keys_total",
        "pack/placeholder",
        "${rate_window:5x} does not name its least window",
    ),
]


def _position(text: str, needle: str) -> tuple[int, int]:
    offset = text.index(needle)
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


@pytest.mark.parametrize(
    ("old", "new", "needle", "check", "message"),
    [case[1:] for case in EDITS],
    ids=[case[0] for case in EDITS],
)
def test_a_typo_is_located_at_the_pack_line(
    tmp_path: Path, old: str, new: str, needle: str, check: str, message: str
) -> None:
    text = PACK.read_text(encoding="utf-8")
    assert old in text, "the edit no longer applies to rules/redis.yaml"
    edited = text.replace(old, new, 1)
    path = tmp_path / "redis.yaml"
    path.write_text(edited, encoding="utf-8")
    problems = read_pack(path, "redis")
    assert isinstance(problems, list), "the edit went unnoticed"
    [problem] = [p for p in problems if p.check == check]
    line, col = _position(edited, needle)
    assert (problem.file, problem.line) == (str(path), line), problem
    assert problem.col <= col
    assert message in problem.message


def test_a_pack_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "redis.yaml"
    path.write_text(
        PACK.read_text(encoding="utf-8").replace("kind: redis", "kind: mysql", 1), encoding="utf-8"
    )
    problems = read_pack(path, "redis")
    assert isinstance(problems, list)
    [problem] = problems
    assert problem.check == "pack/kind" and "does not match the file name 'redis'" in problem.message


def test_a_duplicate_alert_names_the_first(tmp_path: Path) -> None:
    text = PACK.read_text(encoding="utf-8")
    path = tmp_path / "redis.yaml"
    path.write_text(
        text.replace("alert: RedisKeysWithoutTtlHigh", "alert: RedisHitRatioLow", 1), encoding="utf-8"
    )
    problems = read_pack(path, "redis")
    assert isinstance(problems, list)
    [problem] = problems
    first_line, _ = _position(text, "alert: RedisHitRatioLow")
    assert problem.check == "pack/duplicate-alert" and f":{first_line}:" in problem.hint


@pytest.fixture
def broken_packs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """rules/ copied with a typo in the redis pack, in place of the real one for this test."""
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    pack = rules / "redis.yaml"
    pack.write_text(pack.read_text(encoding="utf-8").replace("severity: warning", "severity: warn", 1))
    monkeypatch.setattr(rule_packs, "RULES_DIR", rules)
    rule_packs._loaded.cache_clear()
    yield pack
    rule_packs._loaded.cache_clear()


def test_validate_reports_a_pack_typo_and_exits_2(broken_packs: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--inventory", str(REPO / "inventory")])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    line, col = _position(broken_packs.read_text(encoding="utf-8"), "warn\n")
    assert (
        f"{broken_packs}:{line}:{col}: error: alert 'RedisTargetMissing': alerts[1].severity" in result.output
    )


def test_every_bundled_pack_loads_with_positions() -> None:
    assert rule_packs.pack_problems() == []
    for kind in rule_packs.available_packs():
        pack = rule_packs.load_pack(kind)
        assert isinstance(pack, RulePack) and pack.alerts
        for where in [a.location for a in pack.alerts] + [r.location for r in pack.recording_rules]:
            assert where.file.endswith(f"rules/{kind}.yaml") and where.line > 0


def test_a_lint_finding_on_a_generated_rule_points_at_the_pack_line() -> None:
    inventory = load_inventory(REPO / "inventory")
    artifact = next(a for a in rule_files(inventory) if a.path == "prometheus/rules/redis.rules.yml")
    assert check_rule_artifact(artifact) == []
    data = artifact.data
    broken = {
        "groups": [
            {
                **group,
                "rules": [
                    {**rule, "expr": "rate(nosuch_metric_total[5m]) > 1"}
                    if rule.get("alert") == "RedisHitRatioLow"
                    else rule
                    for rule in group["rules"]
                ],
            }
            for group in data["groups"]
        ]
    }
    findings = check_rule_artifact(Artifact(artifact.path, broken, "yaml"))
    assert findings, "the unknown metric went unnoticed"
    text = PACK.read_text(encoding="utf-8")
    expr = "service:redis_keyspace_hit_ratio:rate${rate_window}{${services}} < ${threshold}"
    expr_line, _ = _position(text, expr)
    for finding in findings:
        assert finding.file.endswith("rules/redis.yaml") and finding.line == expr_line, finding
        assert "generated as prometheus/rules/redis.rules.yml:" in finding.hint


def test_generated_rules_are_linted_at_the_inventorys_scrape_interval() -> None:
    inventory = load_inventory(REPO / "inventory")
    settings = inventory.settings
    slow = dataclasses.replace(
        inventory,
        settings=dataclasses.replace(
            settings, prometheus=dataclasses.replace(settings.prometheus, scrape_interval_seconds=300)
        ),
    )
    [artifact] = [a for a in rule_files(slow) if a.path == "prometheus/rules/redis.rules.yml"]
    assert artifact.scrape_interval_s == 300
    assert check_rule_artifact(artifact) == []
    # The windows follow the interval; one set back to the pack's old [5m] is too short at 5m.
    fixed = artifact.render().decode().replace("[20m]", "[5m]")
    findings = check_rule_artifact(dataclasses.replace(artifact, data=yaml.safe_load(fixed)))
    assert findings and {f.check for f in findings} == {"promql/rate-window"}
    assert all(f.file.endswith("rules/redis.yaml") and "(5m each)" in f.message for f in findings)
