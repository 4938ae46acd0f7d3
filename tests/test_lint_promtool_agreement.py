"""`mac lint` accepts the rule files Debian's promtool accepts and rejects those it rejects.

Each case runs through the real `promtool check rules` (Debian's 2.42) and through our loading checks.
Where upstream Prometheus moved on since 2.42, we follow upstream and the case says so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from monitoring.lint.runner import lint_texts

LOADING_CHECKS = frozenset(
    {"yaml/parse", "rule-file/schema", "rule-file/unicode-name", "promql/syntax", "template/syntax"}
)
RULE = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n"
RECORD = "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n"

ACCEPTED: dict[str, str] = {
    "empty file": "",
    "empty groups": "groups: []\n",
    "null groups": "groups:\n",
    "group without rules": "groups:\n  - name: g\n",
    "null rules": "groups:\n  - name: g\n    rules:\n",
    "for 0 quoted": RULE + '        for: "0"\n',
    "for 0": RULE + "        for: 0\n",
    "every duration unit": RULE + "        for: 1y2w3d4h5m6s7ms\n",
    "null for and labels": RULE + "        for:\n        labels:\n",
    "keep_firing_for": RULE + "        keep_firing_for: 10m\n",
    "interval and limit": RULE.replace("name: g\n", "name: g\n    interval: 0\n    limit: -1\n"),
    "integer and boolean label values": RULE + "        labels: {severity: 1, paged: true}\n",
    "reserved but valid label names": RULE + "        labels: {_x: a, __y: b}\n",
    "merge key": RULE + "      - <<: {expr: up == 1, for: 5m}\n        alert: B\n",
    "merge key list overridden": RULE + "      - <<: [{alert: X, expr: up}]\n        alert: B\n",
    "anchor and alias": RULE.replace("- alert: A", "- &a\n        alert: A")
    + "      - <<: *a\n        alert: B\n",
    "later documents ignored": RULE + "---\ngroups: [\n",
    "duplicated key in a later document": RULE + "---\nx: 1\nx: 2\n",
    "empty first document": "---\n---\n" + RULE.replace("up == 0", "up =="),
    "subquery, @ and offset": RULE.replace("up == 0", "max_over_time(up[1h:5m] @ 1700000000 offset 1m) == 0"),
}

REJECTED: dict[str, str] = {
    "duplicated expr": RULE + "        expr: up == 1\n",
    "duplicated label": RULE + "        labels: {a: x, a: y}\n",
    "__name__ label": RULE + "        labels: {__name__: x}\n",
    "__name__ label on a record": RECORD + "        labels: {__name__: x}\n",
    "dash in a label name": RULE + "        labels: {on-call: x}\n",
    "dot in an annotation name": RULE + "        annotations: {runbook.url: x}\n",
    "empty label name": RULE + '        labels: {"": x}\n',
    "dot in a record name": RECORD.replace("record: r", "record: my.metric"),
    "unknown rule field": RULE + "        severity: critical\n",
    "unknown group field": RULE.replace("name: g\n", "name: g\n    owner: me\n"),
    "unknown top-level field": "x: 1\n" + RULE,
    "quoted merge key": RULE + '        "<<": {for: 5m}\n',
    "merge of a scalar": RULE + "      - <<: [1]\n        alert: B\n        expr: up\n",
    "bare number duration": RULE + "        for: 300\n",
    "fraction duration": RULE + "        for: 0.5m\n",
    "duration with a space": RULE + '        for: " 5m"\n',
    "empty duration string": RULE + '        for: ""\n',
    "for on a record": RECORD + "        for: 5m\n",
    "alert and record": RULE + "        record: r\n",
    "empty alert name": RULE.replace("alert: A", 'alert: ""'),
    "null expr": RULE.replace(" up == 0", ""),
    "group without a name": RULE.replace("- name: g\n    rules", "- rules"),
    "repeated group name": RULE + "  - name: g\n    rules: []\n",
    "list of strings as labels": RULE + "        labels: {severity: [1]}\n",
    "top-level list": "- a\n",
    "top-level scalar": "hello\n",
    "broken expression": RULE.replace("up == 0", "sum(up"),
    "broken template": RULE + "        annotations: {summary: '{{ $value'}\n",
    "YAML syntax": "groups: [\n",
}

# Accepted by upstream Prometheus (3.x) and by us; Debian's promtool 2.42 predates them.
UPSTREAM_ONLY: dict[str, str] = {
    "group query_offset (2.53)": RULE.replace("name: g\n", "name: g\n    query_offset: 1m\n"),
    "group labels (3.0)": RULE.replace("name: g\n", "name: g\n    labels: {team: t}\n"),
    "quoted UTF-8 metric and label names (3.0)": RULE.replace(
        "up == 0", """'{"my.metric", "my.label"="x"} == 0'"""
    ),
}

_VERDICT = re.compile(r"^Checking (?P<path>.+)\n\s+(?P<verdict>SUCCESS|FAILED)", re.MULTILINE)


def promtool_accepts(paths: list[str]) -> dict[str, bool]:
    """Path -> promtool's verdict, from one `promtool check rules` run over all of them."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("Debian's promtool is not installed")
    # One pipe for both streams keeps each FAILED (stderr) right after its "Checking" line (stdout).
    run = subprocess.run(
        [promtool, "check", "rules", *paths],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )
    verdicts = {m["path"]: m["verdict"] == "SUCCESS" for m in _VERDICT.finditer(run.stdout)}
    assert set(verdicts) == set(paths), run.stdout
    return verdicts


@pytest.fixture(scope="module")
def promtool_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bool]:
    """Case name -> promtool accepts it."""
    folder = tmp_path_factory.mktemp("promtool")
    names = {}
    for number, (name, text) in enumerate({**ACCEPTED, **REJECTED, **UPSTREAM_ONLY}.items()):
        path = folder / f"case{number}.yml"
        path.write_text(text)
        names[str(path)] = name
    return {names[path]: verdict for path, verdict in promtool_accepts(list(names)).items()}


def we_accept(text: str) -> bool:
    return not [f for f in lint_texts([("case.yml", text)]) if f.check in LOADING_CHECKS]


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_by_promtool_and_by_us(name: str, promtool_verdicts: dict[str, bool]) -> None:
    assert promtool_verdicts[name]
    assert we_accept(ACCEPTED[name])


@pytest.mark.parametrize("name", REJECTED)
def test_rejected_by_promtool_and_by_us(name: str, promtool_verdicts: dict[str, bool]) -> None:
    assert not promtool_verdicts[name]
    assert not we_accept(REJECTED[name])


@pytest.mark.parametrize("name", UPSTREAM_ONLY)
def test_newer_than_debians_promtool_and_accepted(name: str, promtool_verdicts: dict[str, bool]) -> None:
    assert not promtool_verdicts[name]
    assert we_accept(UPSTREAM_ONLY[name])


def test_valid_fixtures_pass_promtool_unless_they_use_prometheus_3() -> None:
    folder = Path(__file__).parent / "fixtures" / "lint" / "valid"
    plain = [str(p) for p in sorted(folder.glob("*.yml")) if "kind: PrometheusRule" not in p.read_text()]
    for path, accepted in promtool_accepts(plain).items():
        assert accepted or "Debian's promtool 2.42 rejects" in Path(path).read_text(), path
