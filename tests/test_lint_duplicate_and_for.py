"""rule/duplicate (promtool's duplicate-rules lint, minus rules disjoint by matchers) and rule/for's
exemptions (constant and already-smoothed expressions)."""

from __future__ import annotations

import textwrap

import pytest

from monitoring.lint.checks.rule_duplicate import matchers_disjoint
from monitoring.lint.promql import Matcher
from monitoring.lint.runner import lint_texts
from monitoring.problems import Problem


def records(*rules: tuple[str, str]) -> str:
    """Records named `name` with `expr`, each `(expr, labels)`; labels as a YAML flow mapping or ""."""
    body = "".join(
        f"      - record: code:requests:rate5m\n        expr: '{expr}'\n"
        + (f"        labels: {labels}\n" if labels else "")
        for expr, labels in rules
    )
    return "groups:\n  - name: g\n    rules:\n" + body


def duplicates(text: str) -> list[Problem]:
    return [f for f in lint_texts([("rules.yml", text)]) if f.check == "rule/duplicate"]


SPLIT = 'sum by (code) (rate(http_requests_total{{code=~"{0}"}}[5m]))'

# pairs of (expr, labels) of two records of one name -> whether they are duplicates
PAIRS: list[tuple[tuple[str, str], tuple[str, str], bool]] = [
    ((SPLIT.format("2.."), ""), (SPLIT.format("5.."), ""), False),
    ((SPLIT.format("2..|3.."), ""), (SPLIT.format("4..|5.."), ""), False),
    ((SPLIT.format("2.."), ""), (SPLIT.format("2.."), ""), True),
    ((SPLIT.format("2.."), ""), (SPLIT.format("2.*"), ""), True),
    # the split label is aggregated away: both write the same {} series
    (
        ('sum(rate(http_requests_total{code=~"2.."}[5m]))', ""),
        ('sum(rate(http_requests_total{code=~"5.."}[5m]))', ""),
        True,
    ),
    (('up{job="a"}', ""), ('up{job="b"}', ""), False),
    (('up{job="a"}', ""), ('up{job!="a"}', ""), False),
    (('up{job="a"}', ""), ('up{job=~"b|c"}', ""), False),
    (('up{job="a"}', ""), ('up{job=~"a|c"}', ""), True),
    (('up{job="a"}', ""), ("up", ""), True),
    # `or` may bring series of any job
    (('up{job="a"} or vector(1)', ""), ('up{job="b"}', ""), True),
    # label_replace may rewrite the label the selectors tell apart
    (('label_replace(up{job="a"}, "job", "b", "", "")', ""), ('up{job="b"}', ""), True),
    # the label kept from the "one" side of group_left is that side's
    (
        ('x * on (instance) group_left (job) up{job="a"}', ""),
        ('x * on (instance) group_left (job) up{job="b"}', ""),
        False,
    ),
    (
        ('x{job="a"} * on (instance) group_left (job) up', ""),
        ('x{job="b"} * on (instance) group_left (job) up', ""),
        True,
    ),
    # different labels: not the same rule, as for promtool
    (("up", "{code: 2xx}"), ("up", "{code: 5xx}"), False),
    (("up", "{code: 2xx}"), ("up == 1", "{code: 2xx}"), True),
]


@pytest.mark.parametrize(("first", "second", "duplicate"), PAIRS)
def test_duplicate_records(first: tuple[str, str], second: tuple[str, str], duplicate: bool) -> None:
    found = duplicates(records(first, second))
    assert bool(found) == duplicate, found
    assert all(f.severity == "error" and f.line == 6 + bool(first[1]) for f in found)


def test_duplicate_alerts_are_a_warning_as_in_promtool() -> None:
    alert = (
        "      - alert: Same\n        expr: up == 0\n        for: 5m\n        labels: {severity: warning}\n"
        "        annotations: {summary: s, description: d, runbook_url: https://runbooks.example/x}\n"
    )
    [finding] = duplicates("groups:\n  - name: a\n    rules:\n" + alert + "  - name: b\n    rules:\n" + alert)
    assert (finding.severity, finding.line) == ("warning", 11)


@pytest.mark.parametrize(
    ("a", "b", "disjoint"),
    [
        (("=", "x"), ("=", "y"), True),
        (("=", "x"), ("=", "x"), False),
        (("=", "x"), ("!=", "x"), True),
        (("=", "x"), ("!=", "y"), False),
        (("=", "x"), ("=~", "y|z"), True),
        (("=~", "x.*"), ("=", "xa"), False),
        (("=", "x"), ("!~", "x|y"), True),
        (("=~", "2.."), ("=~", "5.."), True),
        (("=~", "2.."), ("=~", "2.*"), False),
        (("=~", "(2|3).."), ("=~", "5.."), False),
        (("=~", "2.."), ("!~", "2.."), True),
        (("!=", "x"), ("!=", "y"), False),
        (("=", "x"), ("=~", "("), False),
    ],
)
def test_matchers_disjoint(a: tuple[str, str], b: tuple[str, str], disjoint: bool) -> None:
    assert matchers_disjoint(Matcher("l", *a), Matcher("l", *b)) == disjoint
    assert matchers_disjoint(Matcher("l", *b), Matcher("l", *a)) == disjoint


def alert(expr: str, for_line: str) -> str:
    return textwrap.dedent(f"""\
        groups:
          - name: g
            rules:
              - alert: A
                expr: '{expr}'
                {for_line}
                labels: {{severity: critical}}
                annotations: {{summary: s, description: d, runbook_url: https://runbooks.example/x}}
        """)


# expression -> whether an alert on it without `for` is reported
FOR_CASES: dict[str, bool] = {
    'redis_up{job="redis"} == 0': True,
    "vector(1)": False,
    "1 > bool 0": False,
    'avg_over_time(redis_up{job="redis"}[10m]) < 0.5': False,
    'max_over_time(redis_up{job="redis"}[5m]) == 0': False,
    'absent_over_time(redis_up{job="redis"}[15m])': False,
    'max_over_time(rate(redis_evicted_keys_total{job="redis"}[5m])[30m:1m]) > 1': False,
    'avg_over_time(redis_up{job="redis"}[1m]) < 0.5': True,
    'last_over_time(redis_up{job="redis"}[10m]) == 0': True,
    'avg_over_time(redis_up{job="redis"}[10m]) < 0.5 and redis_up{job="redis"} == 0': True,
    'absent(redis_up{job="redis"})': True,
}


@pytest.mark.parametrize("expr", list(FOR_CASES))
def test_for_is_demanded_only_where_waiting_helps(expr: str) -> None:
    for line in ("", "for: 0s"):
        found = [f for f in lint_texts([("rules.yml", alert(expr, line))]) if f.check == "rule/for"]
        assert bool(found) == FOR_CASES[expr], (line, found)
