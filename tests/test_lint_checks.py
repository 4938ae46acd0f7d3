"""One table row per lint check: a rule file that trips it, and one that does not."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitoring.lint.checks import CHECK_IDS
from monitoring.lint.runner import lint_texts

FIXTURES = Path(__file__).parent / "fixtures" / "lint"

GOOD_ANNOTATIONS = "{summary: s, description: d, runbook_url: https://runbooks.example/x}"


def alert(
    expr: str,
    *,
    for_: str = "5m",
    labels: str = "{severity: critical}",
    annotations: str = GOOD_ANNOTATIONS,
    name: str = "A",
) -> str:
    return textwrap.dedent(f"""\
        groups:
          - name: g
            rules:
              - alert: {name}
                expr: '{expr}'
                for: {for_}
                labels: {labels}
                annotations: {annotations}
        """)


GOOD = alert('redis_up{job="redis"} == 0')

# check id -> (file that trips it, file that does not)
CASES: dict[str, tuple[str, str]] = {
    "yaml/parse": ("groups:\n  - name: g\n    rules: [\n", GOOD),
    "rule-file/schema": (GOOD.replace("    rules:", "    rulez:"), GOOD),
    "rule-file/ignored-document": (GOOD + "---\n" + GOOD, GOOD + "---\n"),
    "rule-file/unicode-name": (
        alert('redis_up{job="redis"} == 0', labels="{severity: critical, on-call: x}"),
        GOOD,
    ),
    "promql/syntax": (alert('sum(rate(redis_up{job="redis"}[5m]) > 0'), GOOD),
    "promql/rate-window": (
        alert('sum by (service, domain, team) (rate(redis_evicted_keys_total{job="redis"}[1m])) > 0'),
        alert('sum by (service, domain, team) (rate(redis_evicted_keys_total{job="redis"}[5m])) > 0'),
    ),
    "promql/absent-regex": (
        alert('absent(redis_up{job=~"redis.*", team="t", domain="d"})'),
        alert('absent(redis_up{job="redis", team="t", domain="d"})'),
    ),
    "promql/never-matches": (alert('redis_up{job="redis"} == NaN'), GOOD),
    "placement/fleet-rule-on-shard": (
        "# mac-lint file/placement shard\n" + alert('absent(redis_up{job="redis", team="t", domain="d"})'),
        "# mac-lint file/placement shard\n" + GOOD,
    ),
    "template/aggregated-label": (
        alert(
            'sum by (service, domain, team) (redis_up{job="redis"}) == 0',
            annotations="{summary: '{{ $labels.instance }}', description: d, runbook_url: r}",
        ),
        alert(
            'sum by (service, domain, team, instance) (redis_up{job="redis"}) == 0',
            annotations="{summary: '{{ $labels.instance }}', description: d, runbook_url: r}",
        ),
    ),
    "template/value-humanize": (
        alert(
            'sum by (service, domain, team) (rate(redis_evicted_keys_total{job="redis"}[5m])) > 0',
            annotations="{summary: '{{ $value }}/s', description: d, runbook_url: r}",
        ),
        alert(
            'sum by (service, domain, team) (rate(redis_evicted_keys_total{job="redis"}[5m])) > 0',
            annotations="{summary: '{{ $value | humanize }}/s', description: d, runbook_url: r}",
        ),
    ),
    "style/alert-name": (alert('redis_up{job="redis"} == 0', name="redis_down"), GOOD),
    "style/group-size": (
        GOOD
        + "".join(
            alert(f'redis_up{{job="redis"}} == {n}', name=f"A{n}").split("rules:\n", 1)[1]
            for n in range(1, 21)
        ),
        GOOD,
    ),
    "promql/rate-on-counter": (
        alert('sum by (service, domain, team) (rate(redis_memory_used_bytes{job="redis"}[5m])) > 0'),
        alert('sum by (service, domain, team) (rate(redis_evicted_keys_total{job="redis"}[5m])) > 0'),
    ),
    "promql/impossible-selector": (alert('mysql_up{job="redis"} == 0'), alert('mysql_up{job="mysql"} == 0')),
    "catalog/unknown-metric": (
        alert('pg_replication_lag{job="postgresql"} > 30'),
        alert('pg_stat_replication_pg_wal_lsn_diff{job="postgresql"} > 30'),
    ),
    "catalog/coverage": (alert("redis_upp == 0"), alert("redis_up == 0")),
    "lint/unused-disable": (
        "# mac-lint file/disable rule/for\n" + GOOD,
        "# mac-lint file/disable rule/for\n" + alert('redis_up{job="redis"} == 0', for_="0s"),
    ),
    # postgres_exporter 0.11.1 (the catalog's version) has no pg_replication_lag_seconds: since=0.13.2.
    "catalog/exporter-version": (
        alert('pg_replication_lag_seconds{job="postgresql"} > 30'),
        alert('pg_stat_replication_pg_wal_lsn_diff{job="postgresql"} > 30'),
    ),
    "rule/for": (alert('redis_up{job="redis"} == 0', for_="0s"), GOOD),
    "rule/duplicate": (GOOD + GOOD.split("rules:\n", 1)[1], GOOD),
    "rule/labels": (
        alert('sum(redis_up{job="redis"}) == 0'),
        alert('sum by (service, domain, team) (redis_up{job="redis"}) == 0'),
    ),
    "rule/annotations": (alert('redis_up{job="redis"} == 0', annotations="{summary: s}"), GOOD),
    "template/syntax": (
        alert(
            'redis_up{job="redis"} == 0',
            annotations="{summary: '{{ $value | humanise }}', description: d, runbook_url: r}",
        ),
        alert(
            'redis_up{job="redis"} == 0',
            annotations="{summary: '{{ $value | humanize }}', description: d, runbook_url: r}",
        ),
    ),
}


def test_every_registered_check_has_a_case() -> None:
    assert set(CASES) == CHECK_IDS


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_check_trips(check_id: str) -> None:
    tripping, _clean = CASES[check_id]
    findings = lint_texts([("rules.yml", tripping)])
    assert check_id in {f.check for f in findings}, findings


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_check_stays_quiet(check_id: str) -> None:
    _tripping, clean = CASES[check_id]
    assert lint_texts([("rules.yml", clean)]) == []


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_check_can_be_disabled(check_id: str) -> None:
    tripping, _clean = CASES[check_id]
    assert check_id not in {f.check for f in lint_texts([("rules.yml", tripping)], disabled=[check_id])}


def test_disable_comment_applies_to_its_rule_only() -> None:
    silenced = alert('redis_up{job="redis"} == 0', for_="0s").replace(
        "      - alert: A", "      # mac-lint disable rule/for\n      - alert: A"
    )
    other = alert('redis_up{job="redis"} == 0', for_="0s", name="B").split("rules:\n", 1)[1]
    findings = lint_texts([("rules.yml", silenced + other)])
    assert [(f.check, f.message.split()[1]) for f in findings] == [("rule/for", "B")]


def test_findings_are_located() -> None:
    [finding] = lint_texts([("rules.yml", alert('pg_replication_lag{job="postgresql"} > 30'))])
    assert (finding.file, finding.line, finding.col) == ("rules.yml", 5, 16)
    assert finding.hint == "did you mean pg_replication_lag_seconds?"


def test_syntax_error_points_at_the_unclosed_parenthesis() -> None:
    text = (
        "groups:\n  - name: g\n    rules:\n      - record: r:x:sum\n"
        "        expr: |\n          sum(\n            rate(up[5m])\n"
    )
    [finding] = lint_texts([("rules.yml", text)])
    assert (finding.check, finding.line, finding.col) == ("promql/syntax", 6, 14)


def test_yaml_error_is_a_finding_not_a_crash() -> None:
    [finding] = lint_texts([("rules.yml", "groups: [\n  - name: g\n  x: : y\n")])
    assert (finding.check, finding.line, finding.col) == ("yaml/parse", 2, 3)


def test_series_recorded_in_another_linted_file_are_known() -> None:
    recording = (
        "groups:\n  - name: r\n    rules:\n      - record: service:x:sum\n"
        "        expr: sum by (service, domain, team) (up)\n"
    )
    using = alert("service:x:sum > 1")
    assert lint_texts([("a.yml", recording), ("b.yml", using)]) == []
    assert {f.check for f in lint_texts([("b.yml", using)])} == {"catalog/coverage"}


def _fixtures(kind: str) -> list[Path]:
    return sorted((FIXTURES / kind).glob("*.yml"))


def _expected(path: Path) -> set[str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path} must start with '# expect: <check ids>'"
    return set(first.removeprefix("# expect: ").split())


@pytest.mark.parametrize("path", _fixtures("valid"), ids=lambda p: p.name)
def test_valid_fixture_has_no_findings(path: Path) -> None:
    assert lint_texts([(str(path), path.read_text(encoding="utf-8"))]) == []


@pytest.mark.parametrize("path", _fixtures("invalid"), ids=lambda p: p.name)
def test_invalid_fixture_has_exactly_its_expected_findings(path: Path) -> None:
    findings = lint_texts([(str(path), path.read_text(encoding="utf-8"))])
    assert {f.check for f in findings} == _expected(path)


def test_mac_generate_lints_generated_rule_artifacts() -> None:
    from monitoring.artifacts import Artifact
    from monitoring.checks import check_artifacts

    broken = {
        "groups": [
            {"name": "g", "rules": [{"alert": "A", "expr": 'pg_replication_lag{job="postgresql"} > 1'}]}
        ]
    }
    findings = check_artifacts([Artifact("prometheus/rules/postgresql.rules.yml", broken, "yaml")])
    assert any(
        f.file == "prometheus/rules/postgresql.rules.yml" and f.check == "catalog/unknown-metric"
        for f in findings
    )
    assert check_artifacts([Artifact("prometheus/other.yml", broken, "yaml")]) == []
