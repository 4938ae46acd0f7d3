"""Table-driven tests of the offline checks that find real bugs: each row a rule and where its finding
points, or a real-world rule (kube-prometheus, node-mixin, etcd-mixin style) that must stay quiet."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import promql_parser
import pytest

from monitoring.lint.checks.base import PROFILES
from monitoring.lint.checks.rate_window import RateWindow
from monitoring.lint.context import LintContext
from monitoring.lint.model import parse_rule_file
from monitoring.lint.promql import LabelSet, output_labels
from monitoring.lint.runner import lint_texts

# Where the expression and the summary start in rule_file()'s output.
EXPR_LINE, EXPR_COL = 6, 11
SUMMARY_LINE, SUMMARY_COL = 10, 13


def rule_file(expr: str, summary: str = "s", name: str = "A", labels: str = "{severity: critical}") -> str:
    return textwrap.dedent("""\
        groups:
          - name: g
            rules:
              - alert: {name}
                expr: |
                  {expr}
                labels: {labels}
                annotations:
                  summary: |-
                    {summary}
        """).format(name=name, expr=expr, labels=labels, summary=summary)


def located(check: str, text: str) -> list[tuple[int, int]]:
    return [(f.line, f.col) for f in lint_texts([("rules.yml", text)]) if f.check == check]


def in_expr(expr: str, snippet: str) -> tuple[int, int]:
    return EXPR_LINE, EXPR_COL + expr.index(snippet)


def in_summary(summary: str, snippet: str) -> tuple[int, int]:
    return SUMMARY_LINE, SUMMARY_COL + summary.index(snippet)


# (expression, summary, the reference the finding points at)
AGGREGATED_AWAY = [
    (
        "sum by (job) (rate(http_requests_total[5m])) > 1",
        "{{ $labels.instance }} is slow",
        "$labels.instance",
    ),
    ("count(up == 0) > 2", "targets of {{ $labels.job }} down", "$labels.job"),
    ("sum without (instance) (up) == 0", "{{ .Labels.instance }} down", ".Labels.instance"),
    ("max by (namespace) (x) > 0 and on (namespace) y", "pod {{ $labels.pod }}", "$labels.pod"),
    ("x > on (job) y", "{{ $labels.job }} {{ $labels.instance }}", "$labels.instance"),
    (
        "histogram_quantile(0.99, sum by (le, job) (rate(x_bucket[5m]))) > 1",
        "{{ $labels.job }} bucket {{ $labels.le }}",
        "$labels.le",
    ),
    ('absent(up{job="api"})', "{{ $labels.job }} on {{ $labels.instance }}", "$labels.instance"),
    ("count(x) > 1", '{{ index $labels "instance" }}', 'index $labels "instance"'),
    (
        "sum(rate(x_total[5m])) > 1",
        "{{ with printf \"up{instance='$labels.instance'}\" | query }}{{ $labels.job }}{{ end }}",
        "$labels.job",
    ),
    ("sum(up) == 0", "severity {{ $labels.severity }}", "$labels.severity"),
    ("sum(up) == 0", "{{ $labels.alertname }} fired", "$labels.alertname"),
]

CARRIED = [
    (
        'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", '
        'job="kube-state-metrics"}[5m]) >= 1',
        "Pod {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is in waiting state",
    ),
    (
        '(kube_deployment_spec_replicas{job="kube-state-metrics"} > '
        'kube_deployment_status_replicas_available{job="kube-state-metrics"}) and '
        '(changes(kube_deployment_status_replicas_updated{job="kube-state-metrics"}[10m]) == 0)',
        "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has not matched replicas",
    ),
    (
        '(node_filesystem_avail_bytes{job="node",fstype!=""}'
        ' / node_filesystem_size_bytes{job="node",fstype!=""} * 100 < 40'
        ' and predict_linear(node_filesystem_avail_bytes{job="node",fstype!=""}[6h], 24*60*60) < 0'
        ' and node_filesystem_readonly{job="node",fstype!=""} == 0)',
        "Filesystem on {{ $labels.device }} at {{ $labels.instance }} is filling up",
    ),
    (
        'count by (cluster, node) ((kube_pod_status_phase{job="kube-state-metrics",phase="Running"} == 1)'
        " * on (instance,pod,namespace,cluster) group_left(node) topk by (instance,pod,namespace,cluster)"
        ' (1, kube_pod_info{job="kube-state-metrics"})) / max by (cluster, node)'
        ' (kube_node_status_capacity{job="kube-state-metrics",resource="pods"} != 1) > 0.95',
        "Kubelet {{ $labels.node }} is running at capacity",
    ),
    (
        "sum by (instance) (rate(x_total[5m]))"
        " * on (instance) group_left (team) max by (instance, team) (owner)",
        "{{ $labels.instance }} of {{ $labels.team }}",
    ),
    (
        'label_replace(sum by (job) (up), "service", "$1", "job", "(.*)") == 0',
        "{{ $labels.service }} is down",
    ),
    ("count(up == 0) > 2", '{{ range query "up == 0" }}{{ .Labels.instance }} {{ end }}'),
    ('count_values("version", build_info) > 1', "version {{ $labels.version }}"),
    ("sum by (job) (up) < 1 or absent(up)", "{{ $labels.job }}"),
    ("x / on (instance) y > 1", "{{ $labels.instance }}"),
    ("sum by (job) (up) == 0", "{{ if $labels.pod }}pod {{ $labels.pod }} of {{ end }}{{ $labels.job }}"),
    ("sum(up) == 0", "{{ $labels }}"),
    ("up == 0", "{{ $labels.severity }} {{ $labels.whatever }}"),
    ('day_of_week(timestamp(up{job="x"})) == 0', "{{ $labels.instance }}"),
]


@pytest.mark.parametrize(("expr", "summary", "reference"), AGGREGATED_AWAY)
def test_aggregated_label_is_found_where_it_is_used(expr: str, summary: str, reference: str) -> None:
    found = located("template/aggregated-label", rule_file(expr, summary))
    assert found == [in_summary(summary, reference)]


@pytest.mark.parametrize(("expr", "summary"), CARRIED)
def test_labels_the_result_carries_are_not_flagged(expr: str, summary: str) -> None:
    assert located("template/aggregated-label", rule_file(expr, summary)) == []


def test_a_rule_label_used_in_a_template_is_said_to_be_invisible() -> None:
    text = rule_file("sum(up) == 0", "severity {{ $labels.severity }}")
    [finding] = [f for f in lint_texts([("rules.yml", text)]) if f.check == "template/aggregated-label"]
    assert "not the rule's own" in finding.message
    assert finding.severity == "warning"


@pytest.mark.parametrize(
    ("expr", "carried"),
    [
        ("up", LabelSet(False, frozenset())),
        ("sum by (a, b) (x)", LabelSet(True, frozenset({"a", "b"}))),
        ("sum without (a) (x)", LabelSet(False, frozenset({"a"}))),
        ("sum by (a) (sum without (a) (x))", LabelSet(True, frozenset())),
        ("sum by (a) (x) * on (a) group_left (c) y", LabelSet(True, frozenset({"a", "c"}))),
        ("sum by (a) (x) * on (a) group_left (c) sum by (a) (y)", LabelSet(True, frozenset({"a"}))),
        ("y * on (a) group_right (c) sum by (a, b) (x)", LabelSet(True, frozenset({"a", "b", "c"}))),
        ("sum by (a) (x) or sum by (b) (y)", LabelSet(True, frozenset({"a", "b"}))),
        ("sum without (a) (x) or sum by (b) (y)", LabelSet(False, frozenset({"a"}))),
        ("x > on (a, b) y", LabelSet(True, frozenset({"a", "b"}))),
        ("x > ignoring (a) y", LabelSet(False, frozenset({"a"}))),
        ("topk(3, sum by (a) (x))", LabelSet(True, frozenset({"a"}))),
        ('absent(x{a="1", b=~"2"})', LabelSet(True, frozenset({"a"}))),
        ("vector(1)", LabelSet(True, frozenset())),
        ("scalar(x) * 2", LabelSet(True, frozenset())),
        ("2 * sum by (a) (x)", LabelSet(True, frozenset({"a"}))),
    ],
)
def test_output_labels(expr: str, carried: LabelSet) -> None:
    assert output_labels(promql_parser.parse(expr)) == carried


# (expression, the window the finding points at, or None when the rule is fine at a 1m interval)
RATE_WINDOWS: list[tuple[str, str | None]] = [
    ("rate(http_requests_total[1m]) > 0", "[1m]"),
    ('sum by (job) (irate(node_cpu_seconds_total{mode="idle"}[30s])) < 1', "[30s]"),
    ("deriv(node_memory_MemAvailable_bytes[90s]) < 0", "[90s]"),
    ("increase(x_total[5m]) > 0 and rate(y_total[1m]) > 0", "[1m]"),
    ("rate(http_requests_total[2m]) > 0", None),
    ('sum by (job) (rate(apiserver_request_total{code=~"5.."}[5m])) > 0', None),
    ("rate(x_total[5m:30s]) > 0", None),
    ("max_over_time(x[30s]) > 0", None),
]


@pytest.mark.parametrize(("expr", "window"), RATE_WINDOWS)
def test_rate_window(expr: str, window: str | None) -> None:
    expected = [in_expr(expr, window)] if window else []
    assert located("promql/rate-window", rule_file(expr)) == expected


def test_positions_in_a_block_with_nested_indentation() -> None:
    text = textwrap.dedent("""\
        groups:
          - name: g
            rules:
              - record: job:x:rate1m
                expr: |
                  sum by (job) (
                    rate(x_total[1m])
                  )
        """)
    assert located("promql/rate-window", text) == [(7, 25)]


def test_rate_window_follows_the_configured_scrape_interval() -> None:
    file = parse_rule_file(rule_file("rate(http_requests_total[1m]) > 0"), "rules.yml")
    fast = LintContext(frozenset(), {}, {}, scrape_interval_seconds=15)
    slow = LintContext(frozenset(), {}, {}, scrape_interval_seconds=300)
    assert list(RateWindow().run(file, fast)) == []
    [finding] = RateWindow().run(file, slow)
    assert "[10m]" in finding.hint


ABSENT: list[tuple[str, str | None]] = [
    ('absent(up{job=~"api.*"})', 'job=~"api.*"'),
    ('absent_over_time(heartbeat{env!="prod"}[10m])', 'env!="prod"'),
    ('absent(up{job="api", instance!~"test-.*"})', 'instance!~"test-.*"'),
    ('absent(up{job="api"}) or absent(up{job=~"db.*"})', 'job=~"db.*"'),
    ('absent(up{job="api"})', None),
    ('absent(up{job="kube-state-metrics"} == 1)', None),
    # etcd-mixin: absent() only fills a gap with 0, what fires is the increase.
    (
        'increase((max without (instance) (etcd_server_leader_changes_seen_total{job=~".*etcd.*"})'
        ' or 0*absent(etcd_server_leader_changes_seen_total{job=~".*etcd.*"}))[15m:1m]) >= 4',
        None,
    ),
]


@pytest.mark.parametrize(("expr", "matcher"), ABSENT)
def test_absent_regex(expr: str, matcher: str | None) -> None:
    expected = [in_expr(expr, matcher)] if matcher else []
    assert located("promql/absent-regex", rule_file(expr)) == expected


# (expression, summary, the action the finding points at, or None when it stays quiet)
RAW_VALUES: list[tuple[str, str, str | None]] = [
    ("sum by (job) (rate(http_requests_total[5m])) > 100", "{{ $value }} req/s", "{{ $value }}"),
    (
        'sum(rate(x_total{code=~"5.."}[5m])) / sum(rate(x_total[5m])) > 0.05',
        "error ratio {{- $value -}}",
        "{{- $value -}}",
    ),
    ("node_memory_MemAvailable_bytes < 1e9", "only {{ .Value }} left", "{{ .Value }}"),
    ("(1 - a_bytes / b_bytes) * 100 > 90", "{{ $value }}% used", "{{ $value }}"),
    (
        "rate(jvm_gc_pause_seconds_sum[5m]) / rate(jvm_gc_pause_seconds_count[5m]) > 0.5",
        "GC pauses {{ $value }}",
        "{{ $value }}",
    ),
    ("sum by (job) (rate(x_total[5m])) > 1", "{{ $value | humanize }} req/s", None),
    ("a / b > 0.05", "{{ $value | humanizePercentage }}", None),
    ("a / b > 0.05", '{{ printf "%.2f" $value }}', None),
    ("up == 0", "{{ $value }}", None),
    ("node_memory_MemAvailable_bytes / 1024 / 1024 < 100", "{{ $value }} MiB left", None),
    ("count(up == 0) > 1", "{{ $value }} targets down", None),
    ("rate(x_total[5m]) > 1", '{{ range query "up" }}{{ .Value }}{{ end }}', None),
]


def test_value_humanize_suggests_by_kind() -> None:
    findings = [
        lint_texts([("rules.yml", rule_file(expr, "{{ $value }}"))])
        for expr in (
            "100 * sum(rate(grpc_failed_total[5m])) / sum(rate(grpc_handled_total[5m])) > 1",
            "a / b > 0.1",
            "increase(x_total[1h]) > 1",
            "rate(x_seconds_sum[5m]) / rate(x_seconds_count[5m]) > 1",
        )
    ]
    hints = [next(f.hint for f in found if f.check == "template/value-humanize") for found in findings]
    assert [hint.split("|")[1].split("}}")[0].strip() for hint in hints] == [
        "humanize",
        "humanizePercentage",
        "humanize",
        "humanizeDuration",
    ]


@pytest.mark.parametrize(("expr", "summary", "action"), RAW_VALUES)
def test_value_humanize(expr: str, summary: str, action: str | None) -> None:
    expected = [in_summary(summary, action)] if action else []
    assert located("template/value-humanize", rule_file(expr, summary)) == expected


NEVER: list[tuple[str, str | None]] = [
    ("node_load1 == NaN", "=="),
    ("node_load1 > +Inf", ">"),
    ("x < -Inf", "<"),
    ("http_requests_total < 0", "<"),
    ("apiserver_request_duration_seconds_bucket < 0", "<"),
    ('up{job="node"} > 1', ">"),
    ("up == 2", "=="),
    ('count(up{job="api"}) == 0', "=="),
    ('count_over_time(up{job="api"}[5m]) < 1', "<"),
    ("0 > rate(http_requests_total[5m])", ">"),
    ("sum by (job) (increase(http_requests_total[1h])) < 0", "<"),
    ("absent(up) == 0", "=="),
    ("(node_load1 > bool 4) == 2", "=="),
    ("sum(node_load1 > bool 4) == 2", None),
    ('up{job="node"} == 0', None),
    ("up < 1", None),
    ("count(up) > 0", None),
    ('(count(up{job="api"}) or vector(0)) == 0', None),
    ("sum(x_total) == 0", None),
    ("node_timex_offset_seconds < -0.05", None),
    ("delta(x_total[5m]) < 0", None),
    ("x >= +Inf", None),
    ("x != NaN", None),
    ("sum by (job) (increase(http_requests_total[1h])) == 0", None),
    ("predict_linear(node_filesystem_avail_bytes[6h], 4 * 3600) < 0", None),
]


@pytest.mark.parametrize(("expr", "operator"), NEVER)
def test_never_matches(expr: str, operator: str | None) -> None:
    expected = [in_expr(expr, operator)] if operator else []
    assert located("promql/never-matches", rule_file(expr)) == expected


@pytest.mark.parametrize(
    ("name", "flagged"),
    [
        ("KubePodCrashLooping", False),
        ("etcdMembersDown", False),
        ("Watchdog", False),
        ("NodeFilesystemSpaceFillingUp", False),
        ("A" * 40, False),
        ("A" * 41, True),
        ("high_cpu", True),
        ("watchdog", True),
        ("MySQL-Slow-Queries", True),
        ("MysqlTooManyConnections(>80%)", True),
    ],
)
def test_alert_name(name: str, flagged: bool) -> None:
    text = rule_file("up == 0", name=f"'{name}'")
    assert located("style/alert-name", text) == ([(4, 16)] if flagged else [])


def group_of(size: int) -> str:
    rules = "".join(
        f"      - record: job:x{index}:sum\n        expr: sum by (job) (x{index})\n" for index in range(size)
    )
    return f"groups:\n  - name: big\n    rules:\n{rules}"


@pytest.mark.parametrize(("size", "flagged"), [(20, False), (21, True), (40, True)])
def test_group_size(size: int, flagged: bool) -> None:
    assert located("style/group-size", group_of(size)) == ([(2, 11)] if flagged else [])


def test_group_size_is_not_held_against_a_generated_file() -> None:
    generated = (
        "# Generated by `mac generate` from the inventory. Do not edit: change the inventory instead.\n"
    )
    assert located("style/group-size", generated + group_of(21)) == []


def test_group_size_of_a_prometheus_rule() -> None:
    spec = textwrap.indent(group_of(21), "  ")
    text = f"apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {{name: x}}\nspec:\n{spec}"
    assert located("style/group-size", text) == [(6, 13)]


@pytest.mark.parametrize(
    ("check", "severity", "profile"),
    [
        ("template/aggregated-label", "warning", "correctness"),
        ("promql/rate-window", "warning", "correctness"),
        ("promql/absent-regex", "warning", "correctness"),
        ("promql/never-matches", "error", "correctness"),
        ("template/value-humanize", "warning", "style"),
        ("style/alert-name", "warning", "style"),
        ("style/group-size", "warning", "style"),
    ],
)
def test_severity_and_profile(check: str, severity: str, profile: str) -> None:
    from monitoring.lint.checks import CHECKS

    [registered] = [c for c in CHECKS if c.id == check]
    assert (registered.severity, registered.profile) == (severity, profile)
    assert profile in PROFILES


PROMTOOL_TEST = """\
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="api", instance="a:1"}'
        values: '0x10'
    alert_rule_test:
      - eval_time: 5m
        alertname: ApiDown
        exp_alerts:
          - exp_labels: {severity: critical, job: api}
            exp_annotations: {summary: "api on  down, severity "}
"""


def test_prometheus_renders_what_the_check_reports_as_empty(tmp_path: Path) -> None:
    """promtool evaluates the rule as Prometheus does: both labels the check names render empty."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("Debian's promtool is not installed")
    summary = "{{ $labels.job }} on {{ $labels.instance }} down, severity {{ $labels.severity }}"
    rules = rule_file("sum by (job) (up) == 0", summary, name="ApiDown").replace(
        "alert: ApiDown\n", "alert: ApiDown\n        for: 0m\n"
    )
    (tmp_path / "rules.yml").write_text(rules, encoding="utf-8")
    (tmp_path / "test.yml").write_text(PROMTOOL_TEST, encoding="utf-8")
    done = subprocess.run(
        [promtool, "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # One line lower: the `for` line is added above the summary.
    assert located("template/aggregated-label", rules) == [
        (line + 1, col)
        for line, col in (in_summary(summary, "$labels.instance"), in_summary(summary, "$labels.severity"))
    ]


NEVER_FIRES_TEST = """\
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="other", instance="a:1"}'
        values: '1x10'
    alert_rule_test:
      - eval_time: 5m
        alertname: ApiGone
        exp_alerts: []
"""


def test_prometheus_never_fires_a_count_equal_to_zero(tmp_path: Path) -> None:
    """With no api series at all, count(...) == 0 does not fire in promtool: the check's error is real."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("Debian's promtool is not installed")
    rules = rule_file('count(up{job="api"}) == 0', name="ApiGone")
    (tmp_path / "rules.yml").write_text(rules, encoding="utf-8")
    (tmp_path / "test.yml").write_text(NEVER_FIRES_TEST, encoding="utf-8")
    done = subprocess.run(
        [promtool, "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert located("promql/never-matches", rules) == [in_expr('count(up{job="api"}) == 0', "==")]
