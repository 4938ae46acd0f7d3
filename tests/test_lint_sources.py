"""What `mac lint` reads (files, directories, globs, stdin) and loading as Prometheus does."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path, PurePosixPath

import pytest

from monitoring.lint.checks.rule_file_schema import RuleFileSchema
from monitoring.lint.model import parse_rule_file
from monitoring.lint.runner import lint_texts
from monitoring.lint.sources import STDIN_PATH, collect, path_text

RULES = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n"
OPERATOR = textwrap.dedent("""\
    apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata: {name: r}
    spec:
      groups:
        - name: g
          rules:
            - alert: A
              expr: up == 0
    """)


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_directory_is_walked_recursively_for_yaml_rule_files(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "a.yml": RULES,
            "team/b.yaml": RULES,
            "team/deep/c.rules.yml": OPERATOR,
            "team/notes.txt": RULES,
            ".git/hooks/rules.yml": RULES,
            "team/.hidden.yml": RULES,
            "prometheus.yml": "scrape_configs: []\n",
            "charts/values.yaml": "alerts:\n  groups:\n    - x\n",
        },
    )
    found = collect([str(tmp_path)])
    assert [Path(path).relative_to(tmp_path).as_posix() for path, _ in found.texts] == [
        "a.yml",
        "team/b.yaml",
        "team/deep/c.rules.yml",
    ]
    assert sorted(Path(path).name for path in found.skipped) == ["prometheus.yml", "values.yaml"]
    assert found.unreadable == []


def test_a_file_named_explicitly_is_linted_even_when_it_is_no_rule_file(tmp_path: Path) -> None:
    tree(tmp_path, {"prometheus.yml": "scrape_configs: []\n"})
    found = collect([str(tmp_path / "prometheus.yml")])
    assert [path for path, _ in found.texts] == [str(tmp_path / "prometheus.yml")]
    findings = lint_texts(found.texts)
    assert {f.check for f in findings} == {"rule-file/schema"}


def test_globs_are_expanded_here_and_each_file_is_read_once(tmp_path: Path) -> None:
    tree(tmp_path, {"x/a.yml": RULES, "x/y/b.yml": RULES, "x/c.json": "{}"})
    found = collect([f"{tmp_path}/x/**/*.yml", str(tmp_path / "x" / "a.yml")])
    assert [Path(path).name for path, _ in found.texts] == ["a.yml", "b.yml"]


def test_a_pattern_or_directory_that_finds_nothing_is_reported(tmp_path: Path) -> None:
    tree(tmp_path, {"empty/prometheus.yml": "global: {}\n"})
    arguments = [
        f"{tmp_path}/*.nope",
        f"{tmp_path}/*/*.yml",
        str(tmp_path / "empty"),
        str(tmp_path / "missing.yml"),
    ]
    found = collect(arguments)
    assert found.texts == []
    assert [line.split(": ", 1)[1] for line in found.unreadable] == [
        "no rule file matches this pattern",
        "no rule file matches this pattern",
        "no rule file in this directory",
        "No such file or directory",
    ]


def test_dash_reads_stdin() -> None:
    found = collect(["-"], stdin=io.StringIO(RULES))
    assert found.texts == [(STDIN_PATH, RULES)]


def test_merge_keys_are_resolved_and_merged_rules_get_every_check() -> None:
    text = textwrap.dedent("""\
        groups:
          - name: g
            rules:
              - &base
                alert: A
                expr: up == 0
                labels: &labels {severity: warning, team: t}
              - <<: *base
                alert: B
                labels:
                  <<: *labels
                  severity: critical
              - <<: [*base]
                alert: C
                expr: up ==
        """)
    file = parse_rule_file(text, "f.yml")
    assert [(r.name, r.expr, r.labels) for r in file.rules] == [
        ("A", "up == 0", {"severity": "warning", "team": "t"}),
        ("B", "up == 0", {"severity": "critical", "team": "t"}),
        ("C", "up ==", {"severity": "warning", "team": "t"}),
    ]
    assert [(f.check, f.line) for f in lint_texts([("f.yml", text)]) if f.check == "promql/syntax"] == [
        ("promql/syntax", 15)
    ]


def test_a_duplicated_key_is_an_error_at_the_second_key() -> None:
    text = RULES + "        expr: up == 1\n"
    [problem] = RuleFileSchema().run(parse_rule_file(text, "f.yml"), None)  # type: ignore[arg-type]
    assert (problem.line, problem.message) == (6, "mapping key 'expr' already defined at line 5")


def test_a_merged_key_may_be_overridden_without_a_duplicate_error() -> None:
    text = RULES.replace("      - alert: A\n", "      - <<: {alert: B, for: 1m}\n        alert: A\n")
    file = parse_rule_file(text, "f.yml")
    assert [(r.name, r.for_) for r in file.rules] == [("A", "1m")]
    assert list(RuleFileSchema().run(file, None)) == []  # type: ignore[arg-type]


def schema_messages(text: str) -> list[str]:
    return [p.message for p in RuleFileSchema().run(parse_rule_file(text, "f.yml"), None)]  # type: ignore[arg-type]


def test_prometheus_durations_and_null_fields() -> None:
    for duration in ('"0"', "0", "1h30m", "1d", "1w", "1y", "250ms", "1y2w3d4h5m6s7ms", "", "~"):
        assert schema_messages(RULES + f"        for: {duration}\n") == [], duration
    for duration in ("300", "5m30", "1.5h", "-1m", "1M", '""'):
        assert schema_messages(RULES + f"        for: {duration}\n") == ["`for` is not a duration"], duration


def test_group_fields_of_the_current_format_are_accepted_and_checked() -> None:
    group = "groups:\n  - name: g\n    interval: 1m\n    limit: 10\n    query_offset: 30s\n"
    group += "    labels: {team: t}\n"
    text = group + RULES.split("\n", 2)[2] + "        keep_firing_for: 5m\n"
    assert schema_messages(text) == []
    assert parse_rule_file(text, "f.yml").rules[0].labels == {"team": "t"}
    assert schema_messages(text.replace("limit: 10", "limit: ten").replace("30s", "soon")) == [
        "`query_offset` is not a duration",
        "`limit` is not a whole number",
    ]


def test_label_names_as_promtool_takes_them() -> None:
    def labels(names: str) -> list[tuple[str, str, str]]:
        text = RULES.replace("name: g\n", "name: g\n    labels: {team.name: t}\n")
        found = lint_texts([("f.yml", text + f"        labels: {{{names}}}\n")])
        return [(p.check, p.severity, p.message) for p in found if p.check.startswith("rule-file/")]

    utf8 = (
        "rule-file/unicode-name",
        "error",
        "label name 'team.name' is a UTF-8 name: only Prometheus 3.0 and later load it",
    )
    assert labels("severity: x, _private: y, __meta: z") == [utf8]
    assert labels("__name__: x") == [utf8, ("rule-file/schema", "error", "label name '__name__' is invalid")]
    assert labels('"": x') == [utf8, ("rule-file/schema", "error", "label name '' is invalid")]
    assert labels("on-call: x") == [
        utf8,
        (
            "rule-file/unicode-name",
            "error",
            "label name 'on-call' is a UTF-8 name: only Prometheus 3.0 and later load it",
        ),
    ]


def test_only_the_first_document_is_loaded() -> None:
    broken_second = RULES + "---\ngroups: [\n"
    file = parse_rule_file(broken_second, "f.yml")
    assert (len(file.rules), file.parse_error, file.ignored_document is not None) == (1, None, True)
    assert parse_rule_file("---\n---\n" + RULES, "f.yml").rules == []
    assert parse_rule_file(RULES + "---\n# nothing\n", "f.yml").ignored_document is None


def test_operator_resources_keep_positions_into_the_manifest() -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\n---\n"
        + OPERATOR
        + "---\n"
        + OPERATOR.replace("expr: up == 0", "expr: up ==")
    )
    file = parse_rule_file(text, "r.yaml")
    assert file.operator
    assert [(r.name, r.start_line) for r in file.rules] == [("A", 11), ("A", 21)]
    [syntax] = [f for f in lint_texts([("r.yaml", text)]) if f.check == "promql/syntax"]
    assert (syntax.line, syntax.col) == (22, 17)


def test_the_same_finding_is_reported_once_per_rule() -> None:
    expr = 'pg_replication_lag{job="postgresql"} > 30 or pg_replication_lag{job="postgresql"} > 60'
    text = RULES.replace("expr: up == 0", f"expr: '{expr}'")
    unknown = [f for f in lint_texts([("f.yml", text)]) if f.check == "catalog/unknown-metric"]
    assert [(f.line, f.col) for f in unknown] == [(5, 16)]


@pytest.mark.parametrize(
    "spelled", ["", ".", "./", "a", "a/", "./a//b/", "/", "//", "///", "//a", "///a/b", "a/./b", "../a", "-"]
)
def test_paths_are_spelled_as_pathlib_spells_them(spelled: str) -> None:
    """`mac lint` reads its arguments without pathlib and names files as it did with it."""
    assert path_text(spelled) == str(PurePosixPath(spelled))


def test_a_walk_sorts_files_by_their_path_parts(tmp_path: Path) -> None:
    for name in ("a/x.yml", "a-b/x.yml", "a/.hidden.yml", ".git/x.yml", "a/b/y.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(RULES, encoding="utf-8")
    found = [path for path, _text in collect([str(tmp_path)]).texts]
    assert found == [f"{tmp_path}/{name}" for name in ("a/b/y.yaml", "a/x.yml", "a-b/x.yml")]
