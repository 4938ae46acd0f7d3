"""Rule placement from PromQL: per-target rules stay on the shards, fleet-wide ones go to the global ruler."""

from __future__ import annotations

import textwrap

import promql_parser
import pytest

from monitoring.generate.rule_placement import place_expression, place_rules
from monitoring.lint.runner import lint_texts

# expression -> placement; each line is one shape the split must get right.
SHAPES: list[tuple[str, str]] = [
    # thresholds on one target's series
    ('up{job="redis"} == 0', "shard"),
    ('redis_up{job="redis"} == 0', "shard"),
    ('max_over_time(up{job="redis"}[1h]) unless up{job="redis"}', "shard"),
    ('rate(node_cpu_seconds_total{mode="idle"}[5m]) < 0.1', "shard"),
    ('service:redis_memory_use_ratio:max{service!~"a|b"} > 0.9', "shard"),
    ("vector(1)", "shard"),
    ("time() - process_start_time_seconds > 3600", "shard"),
    ('label_replace(up, "host", "$1", "instance", "(.*):.*")', "shard"),
    ("predict_linear(node_filesystem_avail_bytes[6h], 4 * 3600) < 0", "shard"),
    # aggregations keeping the target identity
    ("sum by (service, domain, team) (rate(redis_keyspace_hits_total[5m]))", "shard"),
    ("max by (instance) (node_load15)", "shard"),
    ("count by (service) (up == 1) < 2", "shard"),
    ("sum without (instance) (rate(x_total[5m]))", "shard"),
    ("sum without (pod, container) (x)", "shard"),
    ("avg by (service) (rate(x[5m])) / avg by (service) (rate(y[5m]))", "shard"),
    ("histogram_quantile(0.99, sum by (le, service) (rate(h_bucket[5m])))", "shard"),
    ("topk by (service) (3, x)", "shard"),
    ("topk without (pod) (3, x)", "shard"),
    ("quantile by (service) (0.9, x)", "shard"),
    # joins on the target identity
    ("x * on (service, topic) group_left (domain, team) owner:info", "shard"),
    ("x / on (instance) y", "shard"),
    ("x / ignoring (mode) y", "shard"),
    ("x and on (service) y", "shard"),
    # pinned to one service: its one shard sees all of it
    ('sum(rate(x{service="orders"}[5m]))', "shard"),
    ('count(up{instance="db-1:9104"}) == 0', "shard"),
    ('y{service="orders"} > scalar(x{service="orders"})', "shard"),
    ('x{service="a"} / on () y{service="a"}', "shard"),
    # absent: every shard that does not scrape the target fires
    ('absent(up{job="redis", domain="shop"})', "global"),
    ('absent_over_time(up{job="redis"}[10m])', "global"),
    ('absent(up{service="orders"})', "global"),
    ('up{job="x"} == 0 or absent(up{job="x"})', "global"),
    # aggregations across targets
    ("sum(up)", "global"),
    ('count(up{job="redis"}) < 3', "global"),
    ("sum by (domain) (rate(x[5m]))", "global"),
    ("avg by (job, env) (x)", "global"),
    ("sum without (instance, service) (x)", "global"),
    ("max without (service, instance, pod) (x)", "global"),
    ("histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))", "global"),
    ("count_values by (domain) ('version', build_info)", "global"),
    ("group by (kind) (up)", "global"),
    ("topk(5, rate(x[5m]))", "global"),
    ("bottomk by (domain) (3, x)", "global"),
    ("stddev(x)", "global"),
    ("x > on () group_left sum(x) * 2", "global"),
    ("rate(x[5m]) / scalar(sum(rate(x[5m])))", "global"),
    ("y > scalar(x)", "global"),
    ("sum by (service) (x) / ignoring (service) sum(x)", "global"),
    # joins across targets
    ("x / on () y", "global"),
    ("x / on (domain) group_left y", "global"),
    ("x - ignoring (service, instance) y", "global"),
    # nested: an aggregation across targets inside a per-target one
    ("max by (service) (x) > on () group_left () (2 * avg(x))", "global"),
    ("sum by (service) (x / on () group_left count(up))", "global"),
    ("avg_over_time(sum(up)[1h:5m]) < 1", "global"),
]


@pytest.mark.parametrize(("expr", "expected"), SHAPES, ids=[expr for expr, _ in SHAPES])
def test_placement_of_expression_shapes(expr: str, expected: str) -> None:
    placed = place_expression(promql_parser.parse(expr))
    assert placed.placement == expected
    assert bool(placed.reason) == (expected == "global")


def test_reason_names_what_needs_the_fleet() -> None:
    assert "absent()" in place_expression(promql_parser.parse("absent(up)")).reason
    assert "sum by (domain)" in place_expression(promql_parser.parse("sum by (domain) (x)")).reason
    assert "on ()" in place_expression(promql_parser.parse("x / on () y")).reason


def test_rules_reading_a_global_recording_rule_are_global_in_any_order() -> None:
    rules = [
        {"alert": "FleetLow", "expr": "fleet:up:ratio < 0.5"},
        {"record": "fleet:up:ratio", "expr": "fleet:up:sum / fleet:up:count"},
        {"record": "fleet:up:sum", "expr": "sum by (job) (up)"},
        {"record": "fleet:up:count", "expr": "count by (job) (up)"},
        {"record": "service:x:rate5m", "expr": "sum by (service) (rate(x[5m]))"},
        {"alert": "XHigh", "expr": "service:x:rate5m > 10"},
    ]
    placed = place_rules(rules)
    assert [p.placement for p in placed] == ["global", "global", "global", "global", "shard", "shard"]
    assert "fleet:up:ratio" in placed[0].reason


def test_a_global_rule_reading_a_per_target_recording_rule_leaves_it_on_the_shards() -> None:
    rules = [
        {"record": "service:x:rate5m", "expr": "sum by (service, domain) (rate(x[5m]))"},
        {"alert": "DomainXHigh", "expr": "sum by (domain) (service:x:rate5m) > 100"},
    ]
    assert [p.placement for p in place_rules(rules)] == ["shard", "global"]


def _shard_file(*exprs: str) -> str:
    rules = "".join(
        f"      - alert: A{index}\n        expr: '{expr}'\n        for: 5m\n"
        for index, expr in enumerate(exprs)
    )
    return "# mac-lint file/placement shard\ngroups:\n  - name: g\n    rules:\n" + rules


def test_lint_flags_every_fleet_rule_of_a_shard_file_at_its_name() -> None:
    text = _shard_file('up{job="x"} == 0', 'absent(up{job="x"})', "count(up) < 2")
    findings = [f for f in lint_texts([("shard.yml", text)]) if f.check == "placement/fleet-rule-on-shard"]
    assert [(f.line, f.col, f.severity) for f in findings] == [(8, 9, "warning"), (11, 9, "warning")]
    assert "alert A1 needs the whole fleet" in findings[0].message
    assert "absent()" in findings[0].message


def test_lint_follows_recording_rules_of_the_shard_file() -> None:
    text = textwrap.dedent("""\
        # mac-lint file/placement shard
        groups:
          - name: g
            rules:
              - record: fleet:up:count
                expr: count by (job) (up)
              - alert: FewTargets
                expr: fleet:up:count < 3
                for: 5m
        """)
    findings = [f for f in lint_texts([("shard.yml", text)]) if f.check == "placement/fleet-rule-on-shard"]
    assert [f.line for f in findings] == [5, 7]
    assert "reads fleet:up:count" in findings[1].message


@pytest.mark.parametrize(
    "header",
    [
        "# mac-lint file/placement global\n",
        "# a comment about file/placement shard\n",
        "",
    ],
)
def test_lint_leaves_files_not_marked_as_a_shard_alone(header: str) -> None:
    text = header + _shard_file('absent(up{job="x"})').split("\n", 1)[1]
    assert "placement/fleet-rule-on-shard" not in {f.check for f in lint_texts([("rules.yml", text)])}
