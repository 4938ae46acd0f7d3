"""Online mode: every selector of the linted rules checked against a live Prometheus (its HTTP API).

A handful of batched queries, whatever the number of rules: which metric names have series now
(`count by (__name__)`), when the missing ones were last seen (a subquery over LOOKBACK sampling
every HISTORY_STEP, then the raw samples of those that lived too briefly to be sampled), the values
of each label the selectors match on (`count by (__name__, label)`), the scrape interval of each job
(/api/v1/targets) and the recording rules the server runs (/api/v1/rules).
"""

from __future__ import annotations

import difflib
import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import promql_parser

from monitoring.lint.checks.rate_window import RateWindow, window_position
from monitoring.lint.checks.unused_disable import UnusedDisable
from monitoring.lint.config import LintSettings
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.online_checks import ONLINE_CHECKS
from monitoring.lint.promql import Matcher, Selector, children, expr_position, name_offset, parsed, selector
from monitoring.lint.suggest import closest_name
from monitoring.problems import Location, Problem, Severity
from monitoring.rate_window import duration_seconds

LOOKBACK = "7d"
LOOKBACK_S = 7 * 86400
HISTORY_STEP = "4m"  # below the 5 m lookback of an instant selector: no sample between two steps is missed
NAMES_PER_QUERY = 200
SELECTORS_PER_QUERY = 50
VALUES_SHOWN = 8
RANGE_FUNCTIONS = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv"})
ABSENCE_FUNCTIONS = frozenset({"absent", "absent_over_time"})
_POST_PATHS = frozenset({"/api/v1/query", "/api/v1/series", "/api/v1/labels"})
_PLAIN_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

_SEVERITY: dict[str, Severity] = {check: severity for check, _summary, severity in ONLINE_CHECKS}


class PrometheusError(Exception):
    """The Prometheus given is unreachable or does not answer as Prometheus does (exit 3)."""


@dataclass(frozen=True)
class _Use:
    file: RuleFile
    rule: Rule
    selector: Selector
    function: str | None  # a range function applied to this selector, with its window
    window_s: float | None
    in_absence: bool


class PrometheusClient:
    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s

    def get(self, path: str, params: Sequence[tuple[str, str]] = ()) -> Any:
        """The `data` of an API answer; queries go by POST so that long selectors fit."""
        encoded = urllib.parse.urlencode(params)
        if path in _POST_PATHS:
            request = urllib.request.Request(self.url + path, data=encoded.encode(), method="POST")
        else:
            request = urllib.request.Request(self.url + path + (f"?{encoded}" if encoded else ""))
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                text = response.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", errors="replace")
            if not text.lstrip().startswith("{"):
                raise PrometheusError(f"{self.url}{path}: HTTP {error.code} {error.reason}") from error
        except (OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            raise PrometheusError(f"cannot reach Prometheus at {self.url}: {reason}") from error
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as error:
            raise PrometheusError(f"{self.url}{path} did not answer JSON: is this a Prometheus?") from error
        if not isinstance(payload, dict) or payload.get("status") != "success":
            detail = payload.get("error") if isinstance(payload, dict) else text[:200]
            raise PrometheusError(f"{self.url}{path}: {detail}")
        return payload.get("data")

    def vector(self, query: str, result_type: str = "vector") -> list[dict[str, Any]]:
        data = self.get("/api/v1/query", [("query", query)])
        if not isinstance(data, dict) or data.get("resultType") != result_type:
            raise PrometheusError(f"{self.url}: unexpected answer to {query[:80]}")
        result: list[dict[str, Any]] = data["result"]
        return result


def _duration_text(seconds: float) -> str:
    whole = int(seconds)
    if whole and whole % 3600 == 0:
        return f"{whole // 3600}h"
    if whole and whole % 60 == 0:
        return f"{whole // 60}m"
    return f"{whole}s" if whole == seconds else f"{int(seconds * 1000)}ms"


def _ago(seconds: float) -> str:
    if seconds < 90:
        return f"{max(int(seconds), 0)} seconds ago"
    if seconds < 2 * 3600:
        return f"{int(seconds // 60)} minutes ago"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} hours ago"
    return f"{int(seconds // 86400)} days ago"


def _names_regex(names: Iterable[str]) -> str:
    """An alternation of the names, quoted for a PromQL string (RE2 escapes doubled)."""
    return "|".join(re.escape(name) for name in sorted(names)).replace("\\", "\\\\").replace('"', '\\"')


def _batches(names: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(names)
    for start in range(0, len(ordered), NAMES_PER_QUERY):
        yield ordered[start : start + NAMES_PER_QUERY]


def _uses_in(tree: Any) -> Iterator[tuple[Selector, str | None, float | None, bool]]:
    stack: list[tuple[Any, bool]] = [(tree, False)]
    while stack:
        node, in_absence = stack.pop()
        if isinstance(node, promql_parser.VectorSelector):
            yield selector(node), None, None, in_absence
            continue
        if isinstance(node, promql_parser.Call):
            function = node.func.name
            in_absence = in_absence or function in ABSENCE_FUNCTIONS
            argument = node.args[0] if node.args else None
            if function in RANGE_FUNCTIONS and isinstance(argument, promql_parser.MatrixSelector):
                window = argument.range.total_seconds()
                yield selector(argument.vector_selector), function, window, in_absence
                continue
        stack.extend((child, in_absence) for child in children(node))


class _Online:
    def __init__(self, client: PrometheusClient, files: Sequence[RuleFile], disabled: frozenset[str]) -> None:
        self.client = client
        self.disabled = disabled
        self.uses = [
            _Use(file, rule, found, function, window, in_absence)
            for file in files
            for rule in file.rules
            if (tree := parsed(rule)) is not None
            for found, function, window, in_absence in _uses_in(tree)
        ]
        self.recorded = frozenset(rule.name for file in files for rule in file.rules if rule.kind == "record")
        self.findings: set[Problem] = set()
        self.flagged: set[int] = set()  # id() of the uses with a finding, disabled or not
        self.known_names: frozenset[str] | None = None
        # Where the offline promql/rate-window reports the windows judged here by their job's interval.
        self.judged_windows: set[Location] = set()
        self.shown_values: dict[tuple[str, str, str], str] = {}

    def report(self, use: _Use, check: str, message: str, hint: str, at: str | None = None) -> None:
        self.flagged.add(id(use))
        if check in self.disabled:
            return
        offset = name_offset(use.rule.expr, use.selector.name)
        if at is not None and use.rule.expr:
            found = use.rule.expr.find(at, offset)
            offset = found if found >= 0 else offset
        where = expr_position(use.rule, use.file.text, offset)
        self.findings.add(
            Problem(Location(use.file.path, where.line, where.col), message, hint, check, _SEVERITY[check])
        )

    def run(self) -> list[Problem]:
        checked = [
            u for u in self.uses if u.selector.name is not None and u.selector.name not in self.recorded
        ]
        names = {str(u.selector.name) for u in checked}
        present = self._present(names)
        missing = names - present
        if missing:
            self._report_missing([u for u in checked if not u.in_absence], missing)
        labelled = [u for u in checked if u.selector.name in present and not u.in_absence]
        wanted: dict[str, set[str]] = defaultdict(set)
        for use in labelled:
            for matcher in use.selector.matchers:
                if (
                    matcher.op in ("=", "=~")
                    and matcher.name != "__name__"
                    and _PLAIN_LABEL.match(matcher.name)
                ):
                    wanted[matcher.name].add(str(use.selector.name))
        windowed = [u for u in checked if u.window_s is not None]
        for use in windowed:
            if use.selector.name in present:
                wanted["job"].add(str(use.selector.name))
        values = self._label_values(wanted)
        for use in labelled:
            self._check_labels(use, values)
        self._check_together([u for u in labelled if id(u) not in self.flagged])
        if windowed:
            self._check_windows(windowed, values)
        return sorted(self.findings)

    def _present(self, names: set[str]) -> set[str]:
        present: set[str] = set()
        for batch in _batches(names):
            query = f'count by (__name__) ({{__name__=~"{_names_regex(batch)}"}})'
            present |= {sample["metric"].get("__name__", "") for sample in self.client.vector(query)}
        return present

    def _last_seen(self, names: set[str]) -> dict[str, float]:
        seen: dict[str, float] = {}
        for batch in _batches(names):
            relabelled = (
                f'label_replace({{__name__=~"{_names_regex(batch)}"}}, "mac_name", "$1", "__name__", "(.+)")'
            )
            query = f"max by (mac_name) (max_over_time(timestamp({relabelled})[{LOOKBACK}:{HISTORY_STEP}]))"
            for sample in self.client.vector(query):
                seen[sample["metric"].get("mac_name", "")] = float(sample["value"][1])
        # A series that lived less than a step between two steps: its few raw samples say when.
        for batch in _batches(names - set(seen)):
            selector_text = f'{{__name__=~"{_names_regex(batch)}"}}'
            start = f"{time.time() - LOOKBACK_S:.3f}"
            existed = self.client.get("/api/v1/series", [("match[]", selector_text), ("start", start)])
            if not existed:
                continue
            for series in self.client.vector(f"{selector_text}[{LOOKBACK}]", "matrix"):
                name, last = series["metric"].get("__name__", ""), float(series["values"][-1][0])
                seen[name] = max(last, seen.get(name, last))
        return seen

    def _report_missing(self, uses: list[_Use], missing: set[str]) -> None:
        missing_used = {str(u.selector.name) for u in uses} & missing
        if not missing_used:
            return
        seen = self._last_seen(missing_used)
        server_records = {
            str(rule.get("name"))
            for group in self.client.get("/api/v1/rules", [("type", "record")]).get("groups", [])
            for rule in group.get("rules", [])
        }
        hints: dict[str, str] = {}
        now = time.time()
        for use in uses:
            name = str(use.selector.name)
            if name not in missing_used or name in server_records:
                continue
            history = (
                f"it disappeared {_ago(now - seen[name])}"
                if name in seen
                else f"none in the last {LOOKBACK} either"
            )
            if ":" in name:
                self.report(
                    use,
                    "online/recording-rule",
                    f"{name} looks like a recording rule's series, but neither the linted files nor the "
                    f"Prometheus at {self.client.url} record it, and it has no series: {history}",
                    "lint the file that records it together with this one, or load that rule on the server",
                )
                continue
            if name not in hints:
                hints[name] = self._missing_hint(name, name in seen)
            self.report(
                use,
                "online/series",
                f"metric {name} has no series on {self.client.url}: {history}",
                hints[name],
            )

    def _missing_hint(self, name: str, existed: bool) -> str:
        close = None
        if not existed:
            if self.known_names is None:
                answer = self.client.get("/api/v1/label/__name__/values") or []
                self.known_names = frozenset(str(known) for known in answer)
            close = closest_name(name, self.known_names)
        if close is not None:
            return f"did you mean {close}?"
        return "check that the target exporting it is scraped and up, or that the name is right"

    def _label_values(self, wanted: dict[str, set[str]]) -> dict[tuple[str, str], set[str]]:
        values: dict[tuple[str, str], set[str]] = defaultdict(set)
        for label, metric_names in sorted(wanted.items()):
            for batch in _batches(metric_names):
                query = f'count by (__name__, {label}) ({{__name__=~"{_names_regex(batch)}"}})'
                for sample in self.client.vector(query):
                    metric = sample["metric"]
                    values[(metric.get("__name__", ""), label)].add(metric.get(label, ""))
        return values

    def _check_labels(self, use: _Use, values: dict[tuple[str, str], set[str]]) -> None:
        name = str(use.selector.name)
        for matcher in use.selector.matchers:
            if (name, matcher.name) not in values:
                continue
            existing = values[(name, matcher.name)] - {""}
            if not existing:
                if matcher.value and not (matcher.op == "=~" and _matches(matcher.value, "")):
                    self.report(
                        use,
                        "online/label",
                        f"no series of {name} has a label {matcher.name}: {matcher.name}{matcher.op}"
                        f'"{matcher.value}" matches nothing',
                        "check the label name against the series on the server",
                        at=matcher.name,
                    )
                continue
            if (matcher.op == "=" and matcher.value and matcher.value not in existing) or (
                matcher.op == "=~" and not any(_matches(matcher.value, v) for v in existing | {""})
            ):
                self._wrong_value(use, name, matcher, existing)

    def _check_together(self, uses: list[_Use]) -> None:
        """Selectors whose matchers each match some series: do they match one together?"""
        combined: dict[str, list[_Use]] = defaultdict(list)
        for use in uses:
            rendered = _render(use.selector)
            if rendered is not None and len([m for m in use.selector.matchers if m.name != "__name__"]) >= 2:
                combined[rendered].append(use)
        found: set[str] = set()
        texts = sorted(combined)
        for start in range(0, len(texts), SELECTORS_PER_QUERY):
            batch = texts[start : start + SELECTORS_PER_QUERY]
            query = " or ".join(
                f'label_replace(count({text}), "mac_selector", "{index}", "", "")'
                for index, text in enumerate(batch)
            )
            found |= {batch[int(s["metric"]["mac_selector"])] for s in self.client.vector(query)}
        for text in texts:
            for use in combined[text] if text not in found else []:
                self.report(
                    use,
                    "online/series",
                    f"{text} matches no series on {self.client.url}, though each of its matchers "
                    "matches some series of the metric",
                    "check the combination of label values against the series on the server",
                )

    def _wrong_value(self, use: _Use, name: str, matcher: Matcher, existing: set[str]) -> None:
        key = (name, matcher.name, matcher.value)
        if key not in self.shown_values:
            ranked = difflib.get_close_matches(matcher.value, sorted(existing), n=VALUES_SHOWN, cutoff=0.0)
            more = f" and {len(existing) - len(ranked)} more" if len(existing) > len(ranked) else ""
            self.shown_values[key] = ", ".join(f'"{v}"' for v in ranked) + more
        self.report(
            use,
            "online/label-value",
            f'no series of {name} has {matcher.name}{matcher.op}"{matcher.value}"',
            f"values of {matcher.name} on the server: {self.shown_values[key]}",
            at=matcher.name,
        )

    def _scrape_intervals(self) -> dict[str, float]:
        intervals: dict[str, float] = {}
        targets = self.client.get("/api/v1/targets", [("state", "active")]).get("activeTargets", [])
        for target in targets:
            job = target.get("labels", {}).get("job") or target.get("scrapePool", "")
            interval = duration_seconds(str(target.get("scrapeInterval", "")))
            if job and interval is not None:
                intervals[job] = max(interval, intervals.get(job, 0.0))
        return intervals

    def _check_windows(self, uses: list[_Use], values: dict[tuple[str, str], set[str]]) -> None:
        intervals = self._scrape_intervals()
        for use in uses:
            assert use.window_s is not None
            named_job = use.selector.equal("job")
            jobs = {named_job} if named_job else values.get((str(use.selector.name), "job"), set())
            known = [(intervals[job], job) for job in jobs if job in intervals]
            if not known:
                continue
            interval, job = max(known)
            if "online/rate-window" not in self.disabled:
                where = window_position(use.rule, use.file, use.selector.name)
                self.judged_windows.add(Location(use.file.path, where.line, where.col))
            if use.window_s < 2 * interval:
                window = _duration_text(use.window_s)
                self.report(
                    use,
                    "online/rate-window",
                    f"{use.function}({use.selector.name}[{window}]): the window is shorter than twice the "
                    f'scrape interval of job "{job}" ({_duration_text(interval)}), so it often holds fewer '
                    "than two samples and the result is empty",
                    f"use a window of at least 4x the scrape interval: [{_duration_text(4 * interval)}]",
                    at=f"[{window}]" if f"[{window}]" in (use.rule.expr or "") else None,
                )


def _render(target: Selector) -> str | None:
    """The selector as PromQL (None when a label name needs quoting, which Prometheus 2 lacks)."""
    if not all(_PLAIN_LABEL.match(m.name) for m in target.matchers):
        return None
    matchers = [
        f"{m.name}{m.op}{json.dumps(m.value, ensure_ascii=False)}"
        for m in target.matchers
        if not (m.name == "__name__" and m.op == "=" and m.value == target.name)
    ]
    return f"{target.name}{{{', '.join(matchers)}}}"


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return True  # RE2 syntax Python does not read: assume it matches rather than report wrongly


def online_findings(
    files: Sequence[RuleFile],
    offline: Sequence[Problem],
    url: str,
    timeout_s: float,
    disabled: Iterable[str] = (),
    settings: LintSettings | None = None,
) -> list[Problem]:
    """The offline findings of the files (as linted) and those of the online checks, with the config's
    disables and severities and the disable comments applied; PrometheusError when the server fails.

    A window online/rate-window judged by the server's scrape interval of its job is not also judged
    by promql/rate-window's configured one: the two would disagree."""
    settings = settings or LintSettings()
    online = _Online(PrometheusClient(url, timeout_s), files, frozenset(disabled) | settings.disable)
    found = online.run()
    comments = UnusedDisable()
    kept: list[Problem] = []
    for file in files:
        path_off = settings.disabled_for(file.path)
        here = [f for f in found if f.file == file.path and f.check not in path_off]
        kept += comments.apply(file, here, frozenset())
    judged = {w for w in online.judged_windows if "online/rate-window" not in settings.disabled_for(w.file)}
    still = [f for f in offline if not (f.check == RateWindow.id and f.location in judged)]
    return sorted(still + [settings.reported(finding) for finding in kept])
