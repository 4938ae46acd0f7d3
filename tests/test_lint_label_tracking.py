"""Which labels an expression's result keeps (monitoring.lint.promql.lost_labels): a row per PromQL shape."""

from __future__ import annotations

import textwrap

import promql_parser
import pytest

from monitoring.lint.promql import lost_labels
from monitoring.lint.runner import lint_texts

ROUTING = frozenset({"team", "domain", "service"})
ALL = "domain service team"

# expression -> the routing labels its result cannot carry (space separated, sorted)
SHAPES: dict[str, str] = {
    "x": "",
    "rate(x[5m]) > 0": "",
    "sum(x)": ALL,
    "sum by (team, domain, service) (x)": "",
    "sum by (team) (x)": "domain service",
    "sum without (instance) (x)": "",
    "sum without (team) (x)": "team",
    "max by (team) (sum without (domain) (x))": "domain service",
    "topk(3, x)": "",
    "bottomk(3, sum by (team) (x))": "domain service",
    "limitk(3, x)": "",
    'count_values("service", sum by (team, domain) (x))': "domain team",
    'count_values by (team, domain) ("service", x)': "",
    "quantile by (team, domain, service) (0.9, x)": "",
    # group_left (labels) copies the named labels from the "one" side.
    "sum by (instance) (rate(x[5m])) * on (instance) group_left (team, domain, service) meta": "",
    "sum by (instance) (rate(x[5m])) * on (instance) group_left (team) meta": "domain service",
    "sum by (instance) (x) * on (instance) group_left (team, domain, service) sum by (instance) (meta)": ALL,
    "sum by (instance) (x) * on (instance) group_left meta": ALL,
    "x * on (instance) group_left meta": "",
    "meta * on (instance) group_right (team, domain, service) sum by (instance) (x)": "",
    "meta * on (instance) group_right sum by (instance) (x)": ALL,
    # one-to-one: on (...) keeps only the matching labels, ignoring (...) drops the named ones.
    "x / on (instance) y": ALL,
    "x / on (instance, team, domain, service) y": "",
    "x / ignoring (team) y": "team",
    "x / y": "",
    "sum by (team) (x) / y": "domain service",
    "x > bool 1": "",
    "x > 1": "",
    "1 - x": "",
    "time() - x": "",
    "scalar(x) > bool 1": ALL,
    # set operators: and/unless keep the left side's series, or merges both.
    "x unless sum(y)": "",
    "sum(y) and x": ALL,
    "x or sum by (team) (y)": "domain service",
    "x or vector(0)": ALL,
    "sum by (team, domain, service) (x) or sum by (team, domain, service) (y)": "",
    # label_replace / label_join write their destination label.
    'label_replace(sum by (team, domain) (x), "service", "$1", "team", "(.*)")': "",
    'label_replace(sum(x), "team", "$1", "job", "(.*)")': "domain service",
    'label_join(sum by (team, domain) (x), "service", ",", "team")': "",
    # absent() yields its selector's equality matchers as labels.
    'absent(up{team="t", domain="d", service="s"})': "",
    'absent(up{team="t", domain=~"d"})': "domain service",
    'absent_over_time(up{team="t", domain="d", service="s"}[10m])': "",
    "absent(sum(x))": ALL,
    # functions keep their vector argument's labels; constants have none.
    "histogram_quantile(0.9, sum by (le, team, domain, service) (rate(x_bucket[5m])))": "",
    "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))": ALL,
    "round(x, 5)": "",
    "clamp(x, 0, 1)": "",
    "hour(timestamp(x)) > 3": "",
    "hour() > 3": ALL,
    "vector(1)": ALL,
    "(sum by (team, domain, service) (x))": "",
    "-x": "",
    "max_over_time(sum by (team, domain, service) (rate(x[5m]))[30m:1m])": "",
    "max_over_time(sum(rate(x[5m]))[30m:1m])": ALL,
    "x offset 5m": "",
}


@pytest.mark.parametrize("expr", list(SHAPES))
def test_labels_an_expression_loses(expr: str) -> None:
    assert " ".join(sorted(lost_labels(promql_parser.parse(expr), ROUTING))) == SHAPES[expr]


def _alert(expr: str, labels: str = "{severity: critical}") -> str:
    return textwrap.dedent(f"""\
        groups:
          - name: g
            rules:
              - alert: A
                expr: '{expr}'
                for: 5m
                labels: {labels}
                annotations: {{summary: s, description: d, runbook_url: https://runbooks.example/x}}
        """)


@pytest.mark.parametrize(
    "expr",
    [
        'sum by (instance) (rate(node_cpu_seconds_total{job="node"}[5m])) > 0'
        ' * on (instance) group_left (team, domain, service) node_uname_info{job="node"}',
        'label_replace(sum by (team, domain) (redis_up{job="redis"}), "service", "$1", "team", "(.*)") == 0',
        'redis_up{job="redis"} == 0'
        ' unless on (instance) sum by (instance) (redis_connected_clients{job="redis"})',
    ],
)
def test_alerts_keeping_their_labels_are_not_reported(expr: str) -> None:
    assert [f for f in lint_texts([("rules.yml", _alert(expr))]) if f.check == "rule/labels"] == []


def test_an_alert_losing_a_label_is_still_reported() -> None:
    expr = (
        'sum by (instance) (redis_up{job="redis"})'
        ' * on (instance) group_left (team) redis_up{job="redis"} == 0'
    )
    [finding] = [f for f in lint_texts([("rules.yml", _alert(expr))]) if f.check == "rule/labels"]
    assert "domain, service" in finding.message
