"""Building blocks every board shares: variables, panels, threshold steps and the grid layout.

Builders describe panels as `Cell`s grouped in `Section`s; `dashboard()` places them on Grafana's
24-column grid (rows never overlap by construction), numbers them and wraps them in a Dashboard.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import attr
from grafanalib.cloudwatch import CloudwatchMetricsTarget
from grafanalib.core import (
    Dashboard,
    GridPos,
    RowPanel,
    Stat,
    Target,
    Template,
    Templating,
    Time,
    TimeSeries,
)

from monitoring.aws.facade import Series
from monitoring.kinds import KINDS
from monitoring.model import Inventory, Settings

GRID_COLUMNS = 24
# Grafana 11's dashboard model (the grafana-foundation-sdk 11.6 schema the tests decode with);
# grafanalib's default (12) would make Grafana run migrations on load.
SCHEMA_VERSION = 41
GENERATED_TAG = "generated"
ALL = "$__all"

DatasourceType = Literal["prometheus", "cloudwatch"]
Steps = list[dict[str, Any]]


def datasource_ref(ds_type: DatasourceType, variable: str = "datasource") -> dict[str, str]:
    return {"type": ds_type, "uid": f"${{{variable}}}"}


def kind_tag(kind: str) -> str:
    return f"kind:{kind}"


def domain_tag(domain: str) -> str:
    return f"domain:{domain}"


# ------------------------------------------------------------------ template variables


def datasource_variable(settings: Settings, ds_type: DatasourceType, name: str = "datasource") -> Template:
    """A datasource picker limited to `ds_type`; options are the provisioned datasources of that type.

    Panels reference `${name}`, so a board imported into another Grafana keeps working there.
    """
    candidates = [d for d in settings.datasources if d.type == ds_type]
    default = next((d for d in candidates if d.is_default), candidates[0] if candidates else None)
    variable = Template(
        name=name,
        label=f"{ds_type.capitalize()} datasource",
        type="datasource",
        query=ds_type,
        options=[{"text": d.name, "value": d.uid, "selected": d is default} for d in candidates],
        refresh=1,
    )
    # grafanalib writes the default as both text and value; Grafana shows the text: the name.
    variable._current = {"selected": True, "text": default.name, "value": default.uid} if default else {}
    return variable


def label_variable(name: str, label: str, selector: str, ds: Mapping[str, str]) -> Template:
    """A multi-value query variable over `label_values(selector, name)`, defaulting to All."""
    variable = Template(
        name=name,
        label=label,
        query=f"label_values({selector}, {name})",
        dataSource=dict(ds),
        includeAll=True,
        multi=True,
        allValue=".*",
        refresh=2,
    )
    variable._current = {"selected": True, "text": ["All"], "value": [ALL]}
    return variable


def prometheus_variables(settings: Settings, jobs: Sequence[str]) -> list[Template]:
    """`datasource`, `domain` and `service` (alerts link with ?var-service=<name>)."""
    ds = datasource_ref("prometheus")
    job = "|".join(jobs)
    return [
        datasource_variable(settings, "prometheus"),
        label_variable("domain", "Domain", f'up{{job=~"{job}"}}', ds),
        label_variable("service", "Service", f'up{{job=~"{job}", domain=~"$domain"}}', ds),
    ]


def custom_variable(name: str, label: str, choices: Sequence[tuple[str, str]]) -> Template:
    """A multi-value list fixed by the inventory: (text, value) pairs, `text : value` when they differ.

    CloudWatch boards use it where dimension values are not Prometheus labels; the text is the
    service name so `?var-service=<name>` from an alert selects the right resource.
    """
    query = ",".join(text if text == value else f"{text} : {value}" for text, value in choices)
    options = [
        {"text": text, "value": value, "selected": index == 0} for index, (text, value) in enumerate(choices)
    ]
    return Template(name=name, label=label, type="custom", query=query, options=options, multi=True)


# ------------------------------------------------------------------ thresholds


@dataclass(frozen=True)
class Threshold:
    """Grafana threshold steps from one inventory threshold, with the sentence explaining them."""

    steps: Steps
    note: str


def threshold(
    inventory: Inventory, kind: str, key: str, scale: float = 1.0, resolution: float = 1.0
) -> Threshold:
    """Steps drawn from the fleet value of `kind`'s threshold `key` (the value the alert rules use).

    `max_*` thresholds turn red at the value, `min_*` ones are red below it. `scale` converts to the
    panel's unit (0.8 ratio -> 80 percent); a `max_*` of 0 means "anything above 0", drawn at
    `resolution` (the smallest value that counts) because Grafana colours from a step's value up.
    """
    # An unknown key fails here, naming the board's line, not as a KeyError.
    KINDS[kind].threshold(key, stacklevel=2)
    raw = inventory.fleet_thresholds[kind][key]
    fleet = raw * scale
    if key.startswith("min_"):
        steps: Steps = [{"color": "red", "value": None}, {"color": "green", "value": fleet}]
        where = "below"
    else:
        steps = [
            {"color": "green", "value": None},
            {"color": "red", "value": fleet if fleet > 0 else resolution},
        ]
        where = "above"
    overrides = Counter(
        s.thresholds[key] * scale
        for s in inventory.services
        if s.kind == kind and key in s.thresholds and s.thresholds[key] * scale != fleet
    )
    note = f"Red {where} {fleet:g}: `{kind}.{key}` = {raw:g}, its fleet value, as the alert rules use it."
    if overrides:
        listed = ", ".join(f"{count} at {value:g}" for value, count in sorted(overrides.items()))
        note += (
            f" {sum(overrides.values())} services override it ({listed}); a panel draws one line,"
            " so their alerts fire at their own value, not at this line."
        )
    return Threshold(steps, note)


NEUTRAL = Threshold([{"color": "green", "value": None}], "")


def up_steps() -> Threshold:
    return Threshold([{"color": "red", "value": None}, {"color": "green", "value": 1}], "Red when down (0).")


# ------------------------------------------------------------------ panels


@dataclass(frozen=True)
class PromQuery:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class CloudwatchQuery:
    namespace: str
    metric: str
    dimensions: Mapping[str, str]
    statistic: str = "Average"
    label: str = ""


def cloudwatch_query(series: Series, label: str) -> CloudwatchQuery:
    """The query of a facade series (monitoring/aws/facade.py): its metric, dimensions and statistic."""
    return CloudwatchQuery(series.namespace, series.metric, dict(series.dimensions), series.statistic, label)


Query = PromQuery | CloudwatchQuery


@dataclass(frozen=True)
class Cell:
    """One panel before placement: width and height in grid units."""

    panel: Any
    width: int
    height: int


@dataclass(frozen=True)
class Section:
    """Panels under an optional row header."""

    title: str | None
    cells: Sequence[Cell]


def _targets(queries: Sequence[Query], ds: Mapping[str, str], region: str) -> list[Any]:
    targets: list[Any] = []
    for index, query in enumerate(queries):
        ref_id = chr(ord("A") + index)
        if isinstance(query, PromQuery):
            targets.append(
                Target(expr=query.expr, legendFormat=query.legend, refId=ref_id, datasource=dict(ds))
            )
        else:
            wildcard = "*" in query.dimensions.values()
            targets.append(
                CloudwatchMetricsTarget(
                    namespace=query.namespace,
                    metricName=query.metric,
                    dimensions=dict(query.dimensions),
                    statistic=query.statistic,
                    statistics=[query.statistic],
                    alias=query.label,
                    matchExact=not wildcard,
                    period="",
                    region=region,
                    refId=ref_id,
                    datasource=dict(ds),
                )
            )
    return targets


def _description(description: str, limit: Threshold, no_data: str) -> str:
    parts = [description, limit.note, f"No data until {no_data}." if no_data else ""]
    return " ".join(p for p in parts if p)


def timeseries(
    title: str,
    unit: str,
    queries: Sequence[Query],
    ds: Mapping[str, str],
    *,
    description: str = "",
    limit: Threshold = NEUTRAL,
    no_data: str = "",
    region: str = "default",
    width: int = 12,
    height: int = 8,
) -> Cell:
    """A time series; `no_data` names what must happen before it shows anything (traffic, an incident)."""
    panel = TimeSeries(
        title=title,
        description=_description(description, limit, no_data),
        dataSource=dict(ds),
        targets=_targets(queries, ds, region),
        unit=unit,
        thresholds=limit.steps,
        thresholdsStyleMode="line" if limit.note else "off",
        legendDisplayMode="table",
        legendCalcs=["lastNotNull", "max"],
        tooltipMode="multi",
    )
    return Cell(panel, width, height)


def stat(
    title: str,
    unit: str,
    queries: Sequence[Query],
    ds: Mapping[str, str],
    *,
    description: str = "",
    limit: Threshold = NEUTRAL,
    no_data: str = "",
    region: str = "default",
    reduce: str = "lastNotNull",
    width: int = 6,
    height: int = 5,
) -> Cell:
    panel = Stat(
        title=title,
        description=_description(description, limit, no_data),
        dataSource=dict(ds),
        targets=_targets(queries, ds, region),
        format=unit,
        thresholds=limit.steps,
        color={"mode": "thresholds"},
        colorMode="background",
        graphMode="none",
        reduceCalc=reduce,
        textMode="value_and_name",
    )
    return Cell(panel, width, height)


def with_link(cell: Cell, title: str, url: str) -> Cell:
    """The cell with a link in its panel header (Grafana shows panel links on hover)."""
    link = {"title": title, "url": url, "targetBlank": False}
    return Cell(attr.evolve(cell.panel, links=[*cell.panel.links, link]), cell.width, cell.height)


def board_link(title: str, uid: str, keep_vars: bool = True) -> dict[str, Any]:
    return {
        "title": title,
        "type": "link",
        "url": f"/d/{uid}/{uid}",
        "icon": "dashboard",
        "tooltip": "",
        "tags": [],
        "asDropdown": False,
        "targetBlank": False,
        "includeVars": keep_vars,
        "keepTime": True,
    }


def sibling_links(
    inventory: Inventory, title: str, uid: str, datasource: DatasourceType
) -> list[dict[str, Any]]:
    """The link from a kind's Prometheus board to its CloudWatch view, or back, when that board is
    built (its datasource provisioned). Neither board's variables mean the same on the other (no
    domain on a CloudWatch view, service values are dimension values there), so none are kept."""
    if datasource not in {d.type for d in inventory.settings.datasources}:
        return []
    return [board_link(title, uid, keep_vars=False)]


# ------------------------------------------------------------------ layout


def _place(sections: Sequence[Section]) -> list[Any]:
    """Rows of panels left to right, wrapping at 24 columns; a row header spans the full width."""
    placed: list[Any] = []
    y = 0
    for section in sections:
        if section.title is not None:
            placed.append(RowPanel(title=section.title, gridPos=GridPos(h=1, w=GRID_COLUMNS, x=0, y=y)))
            y += 1
        x, line_height = 0, 0
        for cell in section.cells:
            if x + cell.width > GRID_COLUMNS:
                y, x, line_height = y + line_height, 0, 0
            placed.append(attr.evolve(cell.panel, gridPos=GridPos(h=cell.height, w=cell.width, x=x, y=y)))
            x += cell.width
            line_height = max(line_height, cell.height)
        y += line_height
    return placed


def dashboard(
    *,
    title: str,
    uid: str,
    description: str,
    tags: Sequence[str],
    variables: Sequence[Template],
    sections: Sequence[Section],
    links: Sequence[Mapping[str, Any]] = (),
) -> Dashboard:
    board = Dashboard(
        title=title,
        uid=uid,
        description=description,
        tags=[GENERATED_TAG, *sorted(set(tags))],
        templating=Templating(list=list(variables)),
        panels=_place(sections),
        links=[dict(link) for link in links],
        schemaVersion=SCHEMA_VERSION,
        time=Time("now-6h", "now"),
        refresh="1m",
        timezone="browser",
        graphTooltip=1,
    )
    return board.auto_panel_ids()


def services_of_kind(inventory: Inventory, kind: str) -> list[str]:
    return sorted(s.name for s in inventory.services if s.kind == kind)


def domains_of_kind(inventory: Inventory, kind: str) -> list[str]:
    return sorted({s.domain for s in inventory.services if s.kind == kind})


def kind_title(kind: str) -> str:
    return KINDS[kind].title


def selector(job: str | None = None, **matchers: str) -> str:
    """Label matchers of a kind board's queries: the board's domain and service variables, plus extras."""
    parts = [f'job="{job}"'] if job else []
    parts += ['domain=~"$domain"', 'service=~"$service"']
    parts += [f"{name}{value}" for name, value in matchers.items()]
    return "{" + ", ".join(parts) + "}"


def cloudwatch_variables(
    settings: Settings, services: Sequence[tuple[str, str]], *extra: Template
) -> list[Template]:
    """`datasource` (CloudWatch) and `service`: (service name, CloudWatch dimension value) pairs.

    A fleet in several accounts or regions has one CloudWatch datasource per (account, region)
    (monitoring/inventory/build.py), so the datasource picker is the account and region picker.
    """
    datasource = datasource_variable(settings, "cloudwatch")
    if len([d for d in settings.datasources if d.type == "cloudwatch"]) > 1:
        datasource.label = "Account and region"
    return [datasource, custom_variable("service", "Service", services), *extra]
