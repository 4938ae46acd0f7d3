"""Alert and alarm overrides (`alerts:` / `alarms:` of a domain or service) name what exists: an
alert of the kind's rule pack, a check of the kind's alarm table. A domain's may name those of
any kind its services have. Alarm tables are loaded only when an inventory overrides an alarm."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from monitoring.inventory.loader import Document, NodePath, shown, walk_items
from monitoring.problems import Problem


def _alerts(kind: str) -> dict[str, bool]:
    """Alert name -> whether it is a per_domain alert, of the kind's pack (none if it has problems:
    validation reports them)."""
    from monitoring.kinds import KINDS
    from monitoring.rule_packs import RulePackError, load_pack

    if KINDS[kind].rule_pack is None:
        return {}
    try:
        return {alert.alert: alert.per_domain for alert in load_pack(kind).alerts}
    except RulePackError:
        return {}


def _alarms(kind: str) -> tuple[str, ...]:
    from monitoring.kinds import KINDS
    from monitoring.lazy import resolve

    path = KINDS[kind].alarms
    return () if path is None else tuple(resolve(path).checks)


def _unknown(
    doc: Document, at: NodePath, section: str, known: Iterable[str], owner: str, check: str
) -> list[Problem]:
    names = sorted(set(known))
    overrides: Mapping[str, Any] = doc.data[at[0]][at[1]].get(section, {})
    problems = []
    for name in overrides:
        if name in names:
            continue
        close = difflib.get_close_matches(name, names, n=1)
        listed = ", ".join(names) if names else "none"
        problems.append(
            Problem(
                doc.location((*at, section, name)),
                f"{owner}: no {section[:-1]} named {shown(name)} to override",
                (f"did you mean {close[0]!r}? " if close else "") + f"known: {listed}",
                check,
            )
        )
    return problems


def override_problems(documents: list[Document]) -> list[Problem]:
    kinds_of: dict[str, set[str]] = {}
    for doc in documents:
        for _, service in walk_items(doc.data, "services"):
            kinds_of.setdefault(service["domain"], set()).add(service["kind"])
    problems: list[Problem] = []
    for doc in documents:
        for index, domain in walk_items(doc.data, "domains"):
            at: NodePath = ("domains", index)
            owner = f"domain {shown(domain['name'])}"
            kinds = sorted(kinds_of.get(domain["name"], ()))
            if "alerts" in domain:
                known = [name for kind in kinds for name in _alerts(kind)]
                problems += _unknown(doc, at, "alerts", known, owner, "inventory/unknown-alert")
            if "alarms" in domain:
                known = [name for kind in kinds for name in _alarms(kind)]
                problems += _unknown(doc, at, "alarms", known, owner, "inventory/unknown-alarm")
        for index, service in walk_items(doc.data, "services"):
            at = ("services", index)
            owner = f"service {shown(service['name'])} (kind {service['kind']})"
            if "alerts" in service:
                alerts = _alerts(service["kind"])
                problems += _unknown(doc, at, "alerts", alerts, owner, "inventory/unknown-alert")
                problems += [
                    Problem(
                        doc.location((*at, "alerts", name)),
                        f"{owner}: alert {name!r} fires per domain, not per service",
                        "override it on the domain",
                        "inventory/unknown-alert",
                    )
                    for name in service["alerts"]
                    if alerts.get(name)
                ]
            if "alarms" in service:
                problems += _unknown(
                    doc, at, "alarms", _alarms(service["kind"]), owner, "inventory/unknown-alarm"
                )
    return problems
