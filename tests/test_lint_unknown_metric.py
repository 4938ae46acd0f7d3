"""catalog/unknown-metric: flagged only for jobs whose exporter we know; cheap, plausible suggestions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitoring.lint.context import LintContext, all_catalogs, catalog_entries, job_catalogs, selector_jobs
from monitoring.lint.promql import Matcher, Selector, name_offset
from monitoring.lint.runner import lint_texts
from monitoring.lint.suggest import closest_name, one_typo_apart
from monitoring.problems import Problem

CHECK = "catalog/unknown-metric"


def record(expr: str) -> str:
    return textwrap.dedent(f"""\
        groups:
          - name: g
            rules:
              - record: job:x:sum
                expr: '{expr}'
        """)


def unknown(text: str) -> list[Problem]:
    return [f for f in lint_texts([("rules.yml", text)]) if f.check == CHECK]


# expression -> the unknown metrics reported (empty: none)
CASES: dict[str, list[str]] = {
    # jobs our kinds scrape: their catalogs apply
    'redis_conected_clients{job="redis"}': ["redis_conected_clients"],
    'redis_connected_clients{job="redis"}': [],
    'up{job="redis"}': [],
    'kube_persistentvolume_status_phase{job="kube-state-metrics"}': [],
    'kube_namespace_status_phase{job="kube-state-metrics"}': [],
    'node_hwmon_temp_celsius{job="node"}': [],
    'kube_nonsense_total{job=~"kube-state-metrics|kubernetes-nodes"}': ["kube_nonsense_total"],
    # no job, a job we know nothing about, or a job regex we cannot read: never flagged here
    "probe_success": [],
    'probe_success{job="blackbox"}': [],
    'mysql_made_up{job="my-own-mysql"}': [],
    'redis_made_up{job=~"red.*"}': [],
    'redis_made_up{job=~"redis|blackbox"}': [],
    'redis_made_up{job!="redis"}': [],
    # a recorded series (colons), maybe recorded in a file not linted with this one
    'instance:redis_made_up:rate5m{job="redis"}': [],
    # a metric of another known job is promql/impossible-selector's finding, not this one's
    'mysql_up{job="redis"}': [],
    # once per metric and rule
    'redis_made_up{job="redis"} / redis_made_up{job="redis"} + redis_other_up{job="redis"}': [
        "redis_made_up",
        "redis_other_up",
    ],
}


@pytest.mark.parametrize("expr", list(CASES))
def test_which_metrics_are_unknown(expr: str) -> None:
    assert [f.message.split()[2].rstrip(":") for f in unknown(record(expr))] == CASES[expr]


# unknown name -> suggestion within the job's catalogs (None: nothing plausible)
SUGGESTIONS: dict[str, str | None] = {
    "redis_conected_clients": "redis_connected_clients",
    "redis_evicted_keys": "redis_evicted_keys_total",
    "redis_totally_different_thing": None,
    "connected_clients": None,
}


@pytest.mark.parametrize("name", list(SUGGESTIONS))
def test_suggestions_are_plausible_or_absent(name: str) -> None:
    [finding] = unknown(record(f'{name}{{job="redis"}}'))
    expected = SUGGESTIONS[name]
    assert finding.hint == (
        f"did you mean {expected}?"
        if expected
        else "check the exporter's metric names in monitoring/catalog/"
    )


def test_no_suggestion_across_a_word_boundary_of_a_longer_name() -> None:
    candidates = {"kube_persistentvolumeclaim_status_phase"}
    assert closest_name("kube_persistentvolume_status_phas", candidates) is None
    assert closest_name("kube_persistentvolumeclaim_status_phas", candidates) == next(iter(candidates))


@pytest.mark.parametrize(
    ("a", "b", "apart"),
    [
        ("redis_up", "redis_uq", True),
        ("redis_up", "redis_u", True),
        ("redis_up", "redis_upp", True),
        ("redis_up", "reids_up", True),
        ("redis_up", "redis_up", False),
        ("redis_up", "redis_ux_", False),
        ("redis_up", "rdeis_pu", False),
        ("ab", "ba", True),
    ],
)
def test_one_typo_apart(a: str, b: str, apart: bool) -> None:
    assert one_typo_apart(a, b) == apart
    assert one_typo_apart(b, a) == apart


def test_finding_never_points_into_a_comment() -> None:
    text = textwrap.dedent("""\
        groups:
          - name: g
            rules:
              - record: job:x:sum
                expr: |
                  # redis_made_up is what we want here
                  sum(redis_made_up{job="redis"})
        """)
    [finding] = unknown(text)
    assert (finding.line, finding.col) == (7, 15)


@pytest.mark.parametrize(
    ("expr", "offset"),
    [
        ("x + y", 4),
        ("# y\ny", 4),
        ('x{a="y"} + y', 11),
        ("xy + y", 5),
        ("x{a='y\\'y'} or y", 15),
        ("x", 0),
    ],
)
def test_name_offset_skips_comments_strings_and_longer_words(expr: str, offset: int) -> None:
    assert name_offset(expr, "y" if expr != "x" else "absent") == offset


def test_selector_jobs() -> None:
    def jobs(*matchers: tuple[str, str, str]) -> tuple[str, ...] | None:
        return selector_jobs(Selector("m", tuple(Matcher(*m) for m in matchers)))

    assert jobs(("job", "=", "a")) == ("a",)
    assert jobs(("job", "=~", "a|b-c")) == ("a", "b-c")
    assert jobs(("job", "=~", "a.*")) is None
    assert jobs(("job", "!=", "a")) is None
    assert jobs(("instance", "=", "a")) is None


def test_context_takes_any_job_mapping_and_catalog_files(tmp_path: Path) -> None:
    catalog = tmp_path / "team.txt"
    catalog.write_text("# version: 1.0\nteam_queue_depth gauge\n")
    context = LintContext(
        recorded=frozenset(),
        catalogs_by_job={**job_catalogs(), "queue": (str(catalog),)},
        everything=all_catalogs([str(catalog)]),
    )
    scope = context.job_scope(Selector("team_queue_depth", (Matcher("job", "=", "queue"),)))
    assert scope is not None and "team_queue_depth" in scope.metrics and "up" in scope.metrics
    assert "team_queue_depth" in context.everything
    assert context.job_scope(Selector("x", (Matcher("job", "=", "elsewhere"),))) is None
    with pytest.raises(ValueError, match=r"missing\.txt"):
        catalog_entries(str(tmp_path / "missing.txt"))
