"""SLO boards: an error-budget board per SLO and an SLO overview per domain, on the series the
SLO rule files record (monitoring/generate/slo.py)."""

from __future__ import annotations

from collections.abc import Sequence

from grafanalib.core import Dashboard

from dashboards.common import (
    Cell,
    PromQuery,
    Section,
    Threshold,
    board_link,
    custom_variable,
    dashboard,
    datasource_ref,
    datasource_variable,
    domain_tag,
    label_variable,
    stat,
    timeseries,
    with_link,
)
from monitoring.generate.slo import sli_metric
from monitoring.model import Domain, Inventory
from monitoring.naming import slo_board_uid, slo_overview_uid
from monitoring.slo.model import ID_LABEL, Slo, alert_windows, burn_alerts, duration, sli_windows

SLO_TAG = "slo"
NO_DATA_UNTIL_TRAFFIC: dict[str, str] = {}
BUDGET_LEFT = Threshold(
    [{"color": "red", "value": None}, {"color": "orange", "value": 0}, {"color": "green", "value": 0.25}],
    "Red once the budget is spent, orange under a quarter left.",
)
BURN_RATE = Threshold(
    [{"color": "green", "value": None}, {"color": "red", "value": 1}],
    "Red above 1: at that rate the budget is spent before the period ends.",
)


def _objective_steps(slo: Slo) -> Threshold:
    return Threshold(
        [{"color": "red", "value": None}, {"color": "green", "value": slo.objective / 100}],
        f"Red below the objective ({slo.objective:g}%).",
    )


FILTER = 'domain=~"$domain", service=~"$service"'


def _of(slo: Slo) -> str:
    return f'{{{ID_LABEL}="{slo.id}", {FILTER}}}'


def _burn_rate(slo: Slo, minutes: int) -> str:
    return f"{sli_metric(minutes)}{_of(slo)}\n/ on ({ID_LABEL}) group_left\nslo:error_budget:ratio{_of(slo)}"


def _alert_rates(slo: Slo, scrape_interval_seconds: int) -> str:
    conditions = [
        f"{alert.severity} above {w.factor(slo.period_days):.3g}x on {duration(w.long_minutes)}"
        f" and {duration(w.short_minutes)}"
        for alert in burn_alerts(scrape_interval_seconds)
        for w in alert.windows
    ]
    return "Alerts: " + "; ".join(conditions) + "."


def build_slo(inventory: Inventory, slo: Slo) -> Dashboard:
    ds = datasource_ref("prometheus")
    interval = inventory.settings.prometheus.scrape_interval_seconds
    windows = sli_windows(slo, interval)
    shortest = duration(windows[0])
    period = duration(windows[-1])
    return dashboard(
        title=f"SLO {slo.service} {slo.name}",
        uid=slo_board_uid(inventory.settings, slo.id),
        description=f"Error budget of {slo.service}'s {slo.category} objective {slo.name}: "
        f"{slo.objective:g}% over {slo.period_days} days. {slo.description}".strip(),
        tags=[SLO_TAG, domain_tag(slo.domain)],
        variables=[
            datasource_variable(inventory.settings, "prometheus"),
            custom_variable("domain", "Domain", [(slo.domain, slo.domain)]),
            custom_variable("service", "Service", [(slo.service, slo.service)]),
        ],
        links=[board_link(f"{slo.domain} SLOs", slo_overview_uid(inventory.settings, slo.domain), False)],
        sections=[
            Section(
                "Error budget",
                [
                    stat(
                        "Error budget remaining",
                        "percentunit",
                        [PromQuery(f"slo:period_error_budget_remaining:ratio{_of(slo)}", "remaining")],
                        ds,
                        description=f"The share of the {period} error budget not yet spent.",
                        limit=BUDGET_LEFT,
                    ),
                    stat(
                        f"SLI over {period}",
                        "percentunit",
                        [PromQuery(f"1 - {sli_metric(windows[-1])}{_of(slo)}", "SLI")],
                        ds,
                        description="The share of good events over the period.",
                        limit=_objective_steps(slo),
                    ),
                    stat(
                        "Objective",
                        "percentunit",
                        [PromQuery(f"slo:objective:ratio{_of(slo)}", "objective")],
                        ds,
                    ),
                    stat(
                        "Current burn rate",
                        "none",
                        [PromQuery(f"slo:current_burn_rate:ratio{_of(slo)}", shortest)],
                        ds,
                        description=f"The {shortest} error ratio over the error budget.",
                        limit=BURN_RATE,
                    ),
                ],
            ),
            Section(
                "Burn rate and SLI",
                [
                    timeseries(
                        "Burn rate per window",
                        "none",
                        [PromQuery(_burn_rate(slo, m), duration(m)) for m in windows],
                        ds,
                        description="Error ratio over the budget, per alert window and the period. "
                        + _alert_rates(slo, interval),
                        limit=BURN_RATE,
                    ),
                    timeseries(
                        f"SLI over {period}, history",
                        "percentunit",
                        [PromQuery(f"1 - {sli_metric(windows[-1])}{_of(slo)}", "SLI")],
                        ds,
                        limit=_objective_steps(slo),
                    ),
                    timeseries(
                        "Error budget remaining, history",
                        "percentunit",
                        [PromQuery(f"slo:period_error_budget_remaining:ratio{_of(slo)}", "remaining")],
                        ds,
                        limit=BUDGET_LEFT,
                        width=24,
                    ),
                ],
            ),
        ],
    )


def _overview_cells(inventory: Inventory, slos: Sequence[Slo]) -> list[Cell]:
    ds = datasource_ref("prometheus")
    cells = []
    for slo in slos:
        uid = slo_board_uid(inventory.settings, slo.id)
        cell = stat(
            f"{slo.service} {slo.name}",
            "percentunit",
            [PromQuery(f"slo:period_error_budget_remaining:ratio{_of(slo)}", "budget left")],
            ds,
            description=f"{slo.objective:g}% over {slo.period_days} days: the error budget left.",
            limit=BUDGET_LEFT,
        )
        cells.append(with_link(cell, "Error budget board", f"/d/{uid}/{uid}"))
    return cells


def build_overview(inventory: Inventory, domain: Domain) -> Dashboard:
    slos = [slo for slo in inventory.slos if slo.domain == domain.name]
    ds = datasource_ref("prometheus")
    selector = f"{{{FILTER}}}"
    shortest = duration(alert_windows(inventory.settings.prometheus.scrape_interval_seconds)[0])
    return dashboard(
        title=f"{domain.title} SLOs",
        uid=slo_overview_uid(inventory.settings, domain.name),
        description=f"Every service level objective of the {domain.name} domain (team {domain.team}): "
        "error budget left and burn rate, with a link to each SLO's error-budget board.",
        tags=[SLO_TAG, domain_tag(domain.name)],
        variables=[
            datasource_variable(inventory.settings, "prometheus"),
            custom_variable("domain", "Domain", [(domain.name, domain.name)]),
            label_variable("service", "Service", 'slo:objective:ratio{domain=~"$domain"}', ds),
        ],
        sections=[
            Section("Error budget remaining", _overview_cells(inventory, slos)),
            Section(
                "Burn rate",
                [
                    timeseries(
                        "Current burn rate",
                        "none",
                        [
                            PromQuery(
                                f"slo:current_burn_rate:ratio{selector}", "{{sloth_service}} {{sloth_slo}}"
                            )
                        ],
                        ds,
                        description=f"The {shortest} error ratio over each SLO's error budget.",
                        limit=BURN_RATE,
                    ),
                    timeseries(
                        "Period burn rate",
                        "none",
                        [
                            PromQuery(
                                f"slo:period_burn_rate:ratio{selector}", "{{sloth_service}} {{sloth_slo}}"
                            )
                        ],
                        ds,
                        description="The period's error ratio over each SLO's error budget.",
                        limit=BURN_RATE,
                    ),
                ],
            ),
        ],
    )
