"""Checks on generated Grafana dashboards, for `mac generate` (artifacts) and `mac lint` (files).

Every board must: match monitoring/schema/grafana-dashboard.schema.json; have PromQL that parses
(template variables replaced by placeholders first) and names only metrics from the exporters'
catalogs or our recording rules; use only provisioned datasources; keep panels from overlapping;
and number its panels uniquely.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.problems import Location, Problem
from monitoring.schema_validity import Validity, compile_validity

GRID_COLUMNS = 24
# Series Prometheus' rule manager writes for our alerting rules, queried by the alert panels.
ALERT_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE"})
# What Grafana would put in for its built-in interval variables when it queries.
BUILTIN_DURATIONS = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h"}
PLACEHOLDER = "placeholder"
_DATASOURCE = "grafana/datasource"

_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]")
_DATASOURCE_VARIABLE = re.compile(r"^\$\{(\w+)\}$|^\$(\w+)$")
_LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*(?P<label>\w+)\)$")
_KIND_TAG = re.compile(r"^kind:(?P<kind>\w+)$")


@dataclass(frozen=True)
class ProvisionedDatasource:
    uid: str
    name: str
    type: str


def render_query(expr: str, values: Mapping[str, str]) -> str:
    """`expr` with Grafana's template variables replaced: `values` by name, then built-in durations.

    A variable missing from both becomes PLACEHOLDER, enough for parsing and metric-name checks.
    """

    def replace(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        return values.get(name, BUILTIN_DURATIONS.get(name, PLACEHOLDER))

    return _VARIABLE.sub(replace, expr)


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects (vector selectors and `__name__` equality matchers)."""
    import promql_parser

    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            names.update(
                m.value
                for m in node.matchers.matchers
                if m.name == "__name__" and m.op == promql_parser.MatchOp.Equal
            )

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


@functools.cache
def dashboard_schema() -> dict[str, Any]:
    text = resources.files("monitoring").joinpath("schema/grafana-dashboard.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(dashboard_schema())


@functools.cache
def _valid_board() -> Validity:
    return compile_validity(dashboard_schema())


RULE_FILES_GLOB = "prometheus/rules/*.rules.yml"
# With shards and a global store, boards read the store: the global ruler's records are there too.
RECORDING_GLOBS = (RULE_FILES_GLOB, "vmalert/rules/*.rules.yml", "thanos/rules/*.rules.yml")


def recorded_metrics(run: Iterable[Artifact]) -> frozenset[str]:
    """Names the rule files among a run's artifacts record: what the boards may query besides the
    catalogs (the generated rules, not the packs: a pack the run does not render records nothing)."""
    return frozenset(
        rule["record"]
        for artifact in run
        # Passthrough rule files are text copies; boards query only what our (and mixins') rules record.
        if artifact.format == "yaml" and any(fnmatch.fnmatchcase(artifact.path, g) for g in RECORDING_GLOBS)
        for group in artifact.data["groups"]
        for rule in group["rules"]
        if "record" in rule
    )


@functools.cache
def recorded_in(out: Path) -> frozenset[str]:
    """Names the rule files under <out>/prometheus/rules record, for boards checked as files."""
    import yaml

    names: set[str] = set()
    for path in sorted(p for glob in RECORDING_GLOBS for p in out.glob(glob)):
        data = yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        names.update(
            str(rule["record"])
            for group in data.get("groups") or []
            for rule in group.get("rules") or []
            if isinstance(rule, dict) and "record" in rule
        )
    return frozenset(names)


@functools.cache
def catalog_metrics(catalogs: tuple[str, ...]) -> frozenset[str]:
    from monitoring.metric_catalog import SYNTHETIC_CATALOG, load_catalog

    return frozenset(name for catalog in {*catalogs, SYNTHETIC_CATALOG} for name in load_catalog(catalog))


def _board_catalogs(board: Mapping[str, Any]) -> tuple[str, ...]:
    """A kind board is held to its kind's catalogs; overviews to every catalog."""
    from monitoring.kinds import KINDS
    from monitoring.metric_catalog import available_catalogs

    kinds = {m["kind"] for tag in board.get("tags", []) if (m := _KIND_TAG.match(tag))}
    if len(kinds) == 1 and (kind := kinds.pop()) in KINDS and KINDS[kind].catalogs:
        return KINDS[kind].catalogs
    return tuple(available_catalogs())


class _Locator:
    """Line numbers in the board's JSON text, so findings point at the panel in the file."""

    def __init__(self, file: str, text: Callable[[], str]) -> None:
        self.file = file
        self._text = text

    @functools.cached_property
    def text(self) -> str:
        return self._text()

    def at(self, *needles: str) -> Location:
        for needle in needles:
            offset = self.text.find(needle)
            if offset >= 0:
                line_start = self.text.rfind("\n", 0, offset) + 1
                return Location(self.file, self.text.count("\n", 0, offset) + 1, offset - line_start + 1)
        return Location(self.file, 1, 1)

    def panel(self, panel: Mapping[str, Any]) -> Location:
        return self.at(f'"title": {json.dumps(panel.get("title", ""), ensure_ascii=False)}')


def _panels(board: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def _label(panel: Mapping[str, Any]) -> str:
    return f"panel {panel.get('id')} {panel.get('title', '')!r}"


def schema_problems(board: Mapping[str, Any], where: _Locator) -> list[Problem]:
    problems: list[Problem] = []
    if _valid_board()(board):
        return problems
    for error in sorted(_validator().iter_errors(board), key=lambda e: list(map(str, e.absolute_path))):
        path = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        location = where.at(f'"{error.absolute_path[-1]}"') if error.absolute_path else where.at("{")
        problems.append(Problem(location, f"schema: at {path}: {error.message}", check="grafana/schema"))
    return problems


def id_problems(board: Mapping[str, Any], where: _Locator) -> list[Problem]:
    seen: dict[Any, Mapping[str, Any]] = {}
    problems = []
    for panel in _panels(board):
        first = seen.setdefault(panel.get("id"), panel)
        if first is not panel:
            problems.append(
                Problem(
                    where.panel(panel),
                    f"{_label(panel)}: id also used by {first.get('title')!r}",
                    check="grafana/panel-id",
                )
            )
    return problems


def layout_problems(board: Mapping[str, Any], where: _Locator) -> list[Problem]:
    placed = [p for p in board.get("panels", []) if isinstance(p.get("gridPos"), dict)]
    problems = []
    for panel in placed:
        pos = panel["gridPos"]
        if pos.get("x", 0) + pos.get("w", 0) > GRID_COLUMNS:
            problems.append(
                Problem(
                    where.panel(panel),
                    f"{_label(panel)}: x + w exceeds {GRID_COLUMNS} columns",
                    check="grafana/layout",
                )
            )
    for index, panel in enumerate(placed):
        a = panel["gridPos"]
        for other in placed[index + 1 :]:
            b = other["gridPos"]
            if (
                a["x"] < b["x"] + b["w"]
                and b["x"] < a["x"] + a["w"]
                and a["y"] < b["y"] + b["h"]
                and b["y"] < a["y"] + a["h"]
            ):
                problems.append(
                    Problem(
                        where.panel(other),
                        f"{_label(other)}: overlaps {_label(panel)}",
                        check="grafana/layout",
                    )
                )
    return problems


def _datasource_variables(board: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {
        v["name"]: v for v in board.get("templating", {}).get("list", []) if v.get("type") == "datasource"
    }


def datasource_problems(
    board: Mapping[str, Any], where: _Locator, provisioned: Sequence[ProvisionedDatasource] | None
) -> list[Problem]:
    """Every datasource a panel, target or variable uses is provisioned.

    A `${var}` reference must name a datasource variable of the same type whose options and current
    value are datasources of that type. Without the provisioning files (`mac generate`, which builds
    both from settings.grafana.datasources) the variables' options stand for what is provisioned.
    """
    variables = _datasource_variables(board)
    problems: list[Problem] = []
    if provisioned is None:
        known = [
            ProvisionedDatasource(str(o.get("value")), str(o.get("text")), str(v.get("query")))
            for v in variables.values()
            for o in v.get("options", [])
        ]
    else:
        known = list(provisioned)
    for name, variable in variables.items():
        of_type = {d.uid for d in known if d.type == variable.get("query")}
        location = where.at(f'"name": "{name}"')
        if not of_type:
            problems.append(
                Problem(
                    location,
                    f"variable {name!r}: no provisioned {variable.get('query')} datasource",
                    check=_DATASOURCE,
                )
            )
            continue
        choices = {str(o.get("value")) for o in variable.get("options", [])} | {
            str(variable.get("current", {}).get("value"))
        }
        for uid in sorted(choices - of_type):
            problems.append(
                Problem(
                    location, f"variable {name!r}: datasource {uid!r} is not provisioned", check=_DATASOURCE
                )
            )

    def check(ref: Any, owner: str, location: Location) -> None:
        if not isinstance(ref, dict):
            return
        uid, ds_type = str(ref.get("uid", "")), ref.get("type")
        match = _DATASOURCE_VARIABLE.match(uid)
        if match:
            name = match.group(1) or match.group(2)
            variable = variables.get(name)
            if variable is None:
                problems.append(
                    Problem(
                        location, f"{owner}: datasource variable ${name} is not defined", check=_DATASOURCE
                    )
                )
            elif variable.get("query") != ds_type:
                problems.append(
                    Problem(
                        location,
                        f"{owner}: ${name} lists {variable.get('query')} datasources, not {ds_type}",
                        check=_DATASOURCE,
                    )
                )
        elif not any(d.uid == uid and d.type == ds_type for d in known):
            problems.append(
                Problem(
                    location,
                    f"{owner}: {ds_type} datasource uid {uid!r} is not provisioned",
                    check=_DATASOURCE,
                )
            )

    for variable in board.get("templating", {}).get("list", []):
        check(
            variable.get("datasource"),
            f"variable {variable.get('name')!r}",
            where.at(f'"name": "{variable.get("name")}"'),
        )
    for panel in _panels(board):
        location = where.panel(panel)
        check(panel.get("datasource"), _label(panel), location)
        for target in panel.get("targets", []):
            check(target.get("datasource"), f"{_label(panel)} target {target.get('refId')}", location)
    return problems


def promql_problems(board: Mapping[str, Any], where: _Locator, known: frozenset[str]) -> list[Problem]:
    """PromQL of Prometheus targets and of label_values() variables parses and names known metrics."""
    queries: list[tuple[str, str, Location]] = []
    for variable in board.get("templating", {}).get("list", []):
        match = (
            _LABEL_VALUES.match(str(variable.get("query", ""))) if variable.get("type") == "query" else None
        )
        if match:
            name = variable.get("name")
            queries.append((match["selector"], f"variable {name!r}", where.at(f'"name": "{name}"')))
    for panel in _panels(board):
        if (panel.get("datasource") or {}).get("type") == "prometheus":
            queries += [
                (str(t.get("expr", "")), f"{_label(panel)} target {t.get('refId')}", where.panel(panel))
                for t in panel.get("targets", [])
            ]
    problems = []
    for expr, owner, location in queries:
        try:
            names = metric_names(render_query(expr, {}))
        except (ValueError, SyntaxError) as error:
            problems.append(
                Problem(location, f"{owner}: PromQL does not parse: {error}", check="grafana/promql-syntax")
            )
            continue
        problems += [
            Problem(
                location,
                f"{owner}: metric {name!r} is in no catalog and is not a recording rule we generate",
                check="grafana/unknown-metric",
            )
            for name in sorted(names - known)
        ]
    return problems


def board_problems(
    board: Mapping[str, Any],
    file: str,
    text: Callable[[], str],
    provisioned: Sequence[ProvisionedDatasource] | None,
    recorded: frozenset[str],
) -> list[Problem]:
    """Findings on one board; `text` gives its JSON text, read only to locate a finding; `recorded`
    are the series the rule files next to it record."""
    where = _Locator(file, text)
    problems = schema_problems(board, where)
    if problems:
        return problems
    known = catalog_metrics(_board_catalogs(board)) | recorded | ALERT_SERIES
    return sorted(
        id_problems(board, where)
        + layout_problems(board, where)
        + datasource_problems(board, where, provisioned)
        + promql_problems(board, where, known)
    )


def check_dashboard(artifact: Artifact, run: Sequence[Artifact]) -> list[Problem]:
    """RUN_CHECKS entry for grafana/dashboards/*/*.json: queries checked against the run's rule files."""
    return board_problems(
        artifact.data, artifact.path, lambda: artifact.render().decode(), None, recorded_metrics(run)
    )


def provisioned_datasources(provisioning_dir: Path) -> list[ProvisionedDatasource]:
    import yaml

    found = []
    for path in sorted(provisioning_dir.glob("*.y*ml")):
        for entry in (yaml.safe_load(path.read_text("utf-8")) or {}).get("datasources", []):
            found.append(
                ProvisionedDatasource(str(entry.get("uid")), str(entry.get("name")), str(entry.get("type")))
            )
    return found


def lint_dashboards(paths: list[Path]) -> list[Problem]:
    """Check dashboard files; datasources against grafana/provisioning/datasources next to them.

    A board at <out>/grafana/dashboards/<folder>/<uid>.json is checked against
    <out>/grafana/provisioning/datasources/*.yaml when that folder exists. Uids must be unique
    across the files given.
    """
    problems: list[Problem] = []
    uids: dict[str, Path] = {}
    for path in sorted(paths):
        text = path.read_text("utf-8")
        try:
            board = json.loads(text)
        except json.JSONDecodeError as error:
            problems.append(
                Problem(
                    Location(str(path), error.lineno, error.colno),
                    f"not JSON: {error.msg}",
                    check="grafana/json",
                )
            )
            continue
        provisioning = path.parent.parent.parent / "provisioning" / "datasources"
        provisioned = provisioned_datasources(provisioning) if provisioning.is_dir() else None
        # <out>/grafana/dashboards/<folder>/<uid>.json: the rule files are <out>/prometheus/rules.
        recorded = recorded_in(path.parents[3]) if len(path.parents) > 3 else frozenset()
        problems += board_problems(board, str(path), functools.partial(str, text), provisioned, recorded)
        uid = board.get("uid") if isinstance(board, dict) else None
        if isinstance(uid, str):
            first = uids.setdefault(uid, path)
            if first != path:
                location = _Locator(str(path), functools.partial(str, text)).at('"uid"')
                problems.append(
                    Problem(location, f"uid {uid!r} also used by {first}", check="grafana/duplicate-uid")
                )
    return problems
