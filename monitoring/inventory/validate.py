"""Schema and semantic checks over located documents; every problem is collected."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from monitoring.inventory.coverage_settings import coverage_problems
from monitoring.inventory.loader import (
    ECHO_LIMIT,
    Document,
    NodePath,
    field_name,
    shorten,
    shown,
    walk_items,
)
from monitoring.inventory.maintenance import maintenance_problems
from monitoring.inventory.operator_settings import operator_secret_problems
from monitoring.inventory.overrides import override_problems
from monitoring.inventory.schema import inventory_schema
from monitoring.inventory.scrape_interval import scrape_interval_problems
from monitoring.inventory.topology import topology_problems
from monitoring.model import Settings
from monitoring.naming import (
    EXPORTER_PLACEHOLDERS,
    FLEET_FOLDER,
    GRAFANA_URL_PLACEHOLDERS,
    RUNBOOK_PLACEHOLDERS,
    TOPIC_PLACEHOLDERS,
    domain_board_uid,
    folder_uid,
    template_problems,
)
from monitoring.problems import Location, Problem
from monitoring.schema_validity import Validity, compile_validity

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

# Target labels the tool sets, and the alert labels the rules set (a custom label would lose to them).
RESERVED_LABELS = frozenset(
    {"service", "domain", "team", "kind", "env", "job", "instance", "severity", "threshold"}
)
_SCHEMA = "inventory/schema"
_SINGLETON = "inventory/singleton"

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
}


def inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = inline_refs(defs[node["$ref"].rsplit("/", 1)[1]], defs)
            return {**target, **{k: inline_refs(v, defs) for k, v in node.items() if k != "$ref"}}
        return {k: inline_refs(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_refs(v, defs) for v in node]
    return node


def strict_pattern(pattern: str) -> str:
    r"""The pattern with each `$` outside a character class as `\Z`: in Python `$` also matches
    before a final newline, so "host:3306\n" would pass `...[0-9]{1,5}$` (ECMA `$` does not)."""
    out: list[str] = []
    index, class_start = 0, -1  # where the open character class starts; -1 outside one
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if class_start >= 0:
            # A `]` first in the class (after `[` or `[^`) is a literal.
            first = class_start + 1 + (pattern[class_start + 1 : class_start + 2] == "^")
            if char == "]" and index > first:
                class_start = -1
        elif char == "[":
            class_start = index
        elif char == "$":
            char = "\\Z"
        out.append(char)
        index += 1
    return "".join(out)


@cache
def _strict_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(strict_pattern(pattern))


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _strict_regex(pattern).search(instance):
        yield ValidationError(f"{shown(instance)} does not match {pattern!r}")


@cache
def _strict_validator_class() -> Any:
    from jsonschema import Draft202012Validator, validators

    return validators.extend(Draft202012Validator, {"pattern": _pattern})  # type: ignore[no-untyped-call]


# The internal validators (inventory, rule packs): the published schema keeps ECMA patterns for editors.
# jsonschema is imported only for an instance strict_validity finds invalid, to report its errors.
def strict_validator(schema: dict[str, Any]) -> Draft202012Validator:
    validator: Draft202012Validator = _strict_validator_class()(schema)
    return validator


def strict_validity(schema: dict[str, Any]) -> Validity:
    return compile_validity(schema, _strict_regex)


def _custom_message(template: str, value: Any) -> str:
    """An errorMessage with its {value!r} / {value} filled in, the value cut short. Not str.format:
    messages also hold literal braces (the '{name}' of an address template)."""
    return template.replace("{value!r}", shown(value)).replace("{value}", shorten(str(value)))


def _message(error: ValidationError) -> str:
    """jsonschema's message with the offending value cut short (messages embed its whole repr)."""
    text: str = error.message
    if len(text) > 2 * ECHO_LIMIT:
        text = text.replace(repr(error.instance), shown(error.instance))
    return shorten(text, 6 * ECHO_LIMIT)


@cache
def _schemas() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A file-level schema that only checks each service's kind, and one schema per kind.

    Dispatching on `kind` ourselves, with $refs inlined, validates 10,000 services about fifteen
    times faster than the published schema's if/then chain; the published schema stays the contract.
    """
    schema = inventory_schema()
    defs = schema["$defs"]
    kind_only = {k: v for k, v in defs["service"].items() if k != "allOf"}
    file_level = inline_refs(
        {k: v for k, v in schema.items() if k != "$defs"}, {**defs, "service": kind_only}
    )
    per_kind = {kind: inline_refs(defs[kind], defs) for kind in defs["service"]["properties"]["kind"]["enum"]}
    return file_level, per_kind


@cache
def _validators() -> tuple[Draft202012Validator, dict[str, Draft202012Validator]]:
    file_level, per_kind = _schemas()
    return strict_validator(file_level), {kind: strict_validator(s) for kind, s in per_kind.items()}


@cache
def _valid_file() -> Validity:
    return strict_validity(_schemas()[0])


@cache
def _valid_service(kind: str) -> Validity:
    """Compiled on first use: an inventory pays only for the kinds it has."""
    return strict_validity(_schemas()[1][kind])


def _yaml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    for python_type, name in ((dict, "a mapping"), (list, "a list"), (str, "a string"), (int, "an integer")):
        if isinstance(value, python_type):
            return name
    return "a number" if isinstance(value, float) else type(value).__name__


# Sections of named items (inventory, rule packs): section -> (noun, key holding the name).
_NAMED_ITEMS = {
    "services": ("service", "name"),
    "domains": ("domain", "name"),
    "alerts": ("alert", "alert"),
    "recording_rules": ("recording rule", "record"),
}


def _subject(doc: Document, path: NodePath) -> str:
    """'service "x": ' when the path lies inside a named item, for readable messages."""
    if len(path) >= 2 and path[0] in _NAMED_ITEMS and isinstance(path[1], int):
        noun, key = _NAMED_ITEMS[path[0]]
        item = doc.data[path[0]][path[1]]
        if isinstance(item, dict) and isinstance(item.get(key), str):
            return f"{noun} {shown(item[key])}: "
    return ""


def _schema_problems(doc: Document, error: ValidationError, prefix: NodePath = ()) -> Iterator[Problem]:
    path = (*prefix, *error.absolute_path)
    subject = _subject(doc, path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    custom = schema.get("errorMessage")
    # validator_value is the schema keyword's value (typed Any | Unset in types-jsonschema).
    value: Any = error.validator_value
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(allowed)):
            close = difflib.get_close_matches(str(key), allowed, n=1)
            yield Problem(
                doc.location((*path, key)),
                f"{subject}unknown key {shown(key)} in {field_name(path)}",
                f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}",
                "inventory/unknown-key",
            )
        return
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        yield Problem(
            doc.location(path),
            f"{subject}{field_name(path)} is missing required key {missing!r}",
            check="inventory/missing-key",
        )
        return
    location = doc.value_location(path) if path else doc.location(path)
    if custom and error.validator in ("pattern", "enum", "const"):
        yield Problem(
            location, f"{subject}{field_name(path)}: {_custom_message(custom, error.instance)}", check=_SCHEMA
        )
    elif error.validator == "type":
        names = [value] if isinstance(value, str) else list(value)
        wanted = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        yield Problem(
            location,
            f"{subject}{field_name(path)} must be {wanted}, not {_yaml_type(error.instance)}",
            check=_SCHEMA,
        )
    elif error.validator == "enum":
        options = ", ".join(repr(v) for v in value)
        yield Problem(
            location,
            f"{subject}{field_name(path)}: {shown(error.instance)} is not one of {options}",
            check=_SCHEMA,
        )
    else:
        yield Problem(location, f"{subject}{field_name(path)}: {_message(error)}", check=_SCHEMA)


def located_schema_problems(doc: Document, error: ValidationError, group: str) -> list[Problem]:
    """The problems of a schema error in another located document (a rule pack), checks in `group`."""
    return [p.replace(check=f"{group}/{p.check.partition('/')[2]}") for p in _schema_problems(doc, error)]


def schema_problems(doc: Document) -> list[Problem]:
    kinds = _schemas()[1]
    problems: list[Problem] = []
    if not _valid_file()(doc.data):
        file_level = _validators()[0]
        problems += [p for error in file_level.iter_errors(doc.data) for p in _schema_problems(doc, error)]
    for index, service in walk_items(doc.data, "services"):
        kind = str(service.get("kind")) if isinstance(service, dict) else None
        if kind in kinds and not _valid_service(kind)(service):
            problems += [
                p
                for error in _validators()[1][kind].iter_errors(service)
                for p in _schema_problems(doc, error, ("services", index))
            ]
    return problems


def semantic_problems(documents: list[Document]) -> list[Problem]:
    problems: list[Problem] = []
    problems += _singletons(documents, "settings", required=True)
    problems += _singletons(documents, "log_retention", required=False)

    domains: dict[str, Location] = {}
    for doc in documents:
        for index, domain in walk_items(doc.data, "domains"):
            name = domain["name"]
            here = doc.location(("domains", index))
            if name in domains:
                problems.append(
                    Problem(
                        here,
                        f"duplicate domain {name!r}",
                        f"first defined at {domains[name]}",
                        "inventory/duplicate-domain",
                    )
                )
            else:
                domains[name] = here

    problems += _grafana_collisions(documents)
    problems += [
        p for doc in documents if "settings" in doc.data for p in _reserved_labels(doc, ("settings",))
    ]
    problems += _template_problems(documents)
    problems += _placement_problems(documents)
    problems += topology_problems(documents)
    problems += _email_without_smtp(documents)
    problems += operator_secret_problems(documents)
    problems += override_problems(documents)
    problems += maintenance_problems(documents)
    problems += scrape_interval_problems(documents)
    problems += coverage_problems(documents)
    receivers = _receivers(documents)
    services: dict[str, Location] = {}
    for doc in documents:
        for index, domain in walk_items(doc.data, "domains"):
            if receivers is not None and domain["receiver"] not in receivers:
                problems.append(
                    Problem(
                        doc.value_location(("domains", index, "receiver")),
                        f"domain {shown(domain['name'])}: unknown receiver {shown(domain['receiver'])}",
                        f"declared receivers: {', '.join(sorted(receivers)) or 'none'}",
                        "inventory/unknown-receiver",
                    )
                )
            problems += _reserved_labels(doc, ("domains", index))
        for index, service in walk_items(doc.data, "services"):
            name = service["name"]
            here = doc.location(("services", index))
            if name in services:
                problems.append(
                    Problem(
                        here,
                        f"duplicate service name {name!r}",
                        f"first defined at {services[name]}",
                        "inventory/duplicate-service",
                    )
                )
            else:
                services[name] = here
            if service["domain"] not in domains:
                problems.append(
                    Problem(
                        doc.value_location(("services", index, "domain")),
                        f"service {shown(name)}: unknown domain {shown(service['domain'])}",
                        f"declared domains: {', '.join(sorted(domains)) or 'none'}",
                        "inventory/unknown-domain",
                    )
                )
            problems += _reserved_labels(doc, ("services", index))
            problems += _kind_checks(doc, ("services", index), service["kind"])
    problems += _replica_sources(documents)
    problems += _consumer_group_owners(documents, domains)
    if not services:
        problems.append(
            Problem(
                documents[0].location(), "the inventory declares no services", check="inventory/no-services"
            )
        )
    return problems


def _consumer_group_owners(documents: list[Document], domains: Mapping[str, Location]) -> list[Problem]:
    """A Kafka consumer group's owner is a declared domain (its alerts are routed there)."""
    problems: list[Problem] = []
    for doc in documents:
        for index, service in walk_items(doc.data, "services"):
            groups = service.get("consumer_groups")
            if not isinstance(groups, list):
                continue
            for position, group in enumerate(groups):
                owner = group.get("domain") if isinstance(group, dict) else None
                if not isinstance(owner, str) or owner in domains:
                    continue
                near = difflib.get_close_matches(owner, list(domains), n=3)
                problems.append(
                    Problem(
                        doc.value_location(("services", index, "consumer_groups", position, "domain")),
                        f"service {shown(service['name'])}: consumer group {shown(group.get('name', ''))} "
                        f"is owned by unknown domain {shown(owner)}",
                        f"did you mean {', '.join(near)}?"
                        if near
                        else f"declared domains: {', '.join(sorted(domains)) or 'none'}",
                        "inventory/consumer-group-owner",
                    )
                )
    return problems


def _replica_sources(documents: list[Document]) -> list[Problem]:
    """`replica_of` names another service of the same kind (in any file of the inventory)."""
    kinds: dict[str, str] = {}
    for doc in documents:
        for _, service in walk_items(doc.data, "services"):
            kinds.setdefault(service["name"], service["kind"])
    problems: list[Problem] = []
    for doc in documents:
        for index, service in walk_items(doc.data, "services"):
            source = service.get("replica_of")
            if not isinstance(source, str):
                continue
            name, kind = service["name"], service["kind"]
            if source == name:
                reason, hint = "is a replica of itself", "name the primary it replicates from"
            elif source not in kinds:
                near = difflib.get_close_matches(
                    source, [n for n, k in kinds.items() if k == kind and n != name], n=3
                )
                reason = f"replicates from unknown service {shown(source)}"
                hint = f"did you mean {', '.join(near)}?" if near else f"declare the {kind} primary"
            elif kinds[source] != kind:
                reason = f"replicates from {shown(source)}, a {kinds[source]} service"
                hint = f"an RDS read replica has its primary's engine: name a {kind} service"
            else:
                continue
            problems.append(
                Problem(
                    doc.value_location(("services", index, "replica_of")),
                    f"service {shown(name)}: {reason}",
                    hint,
                    "inventory/replica-source",
                )
            )
    return problems


def _singletons(documents: list[Document], key: str, required: bool) -> list[Problem]:
    holders = [doc for doc in documents if key in doc.data]
    if required and not holders:
        return [Problem(documents[0].location(), f"no inventory file declares {key!r}", check=_SINGLETON)]
    return [
        Problem(
            doc.location((key,)),
            f"{key!r} declared again",
            f"first declared at {holders[0].location((key,))}",
            _SINGLETON,
        )
        for doc in holders[1:]
    ]


def _grafana_collisions(documents: list[Document]) -> list[Problem]:
    """Domains whose Grafana folder or overview board would get the uid of another domain's (names
    differing only in '.', '_', '-') or of the fleet folder: Grafana would keep only one of them.
    The uids come from the generators' own functions, so this check follows any change to them."""

    raw = next((doc.data["settings"] for doc in documents if "settings" in doc.data), None)
    if raw is None:
        return []
    settings = Settings(organization=raw["organization"], environment="", region="")
    same_uid = "names differing only in '.', '_' or '-' get the same uid: rename one"
    taken: dict[str, tuple[str, str]] = {
        folder_uid(settings, FLEET_FOLDER): (
            f"the fleet overview's folder {FLEET_FOLDER!r}",
            "it holds the boards that span every domain: rename the domain",
        )
    }
    seen: set[str] = set()
    problems: list[Problem] = []
    for doc in documents:
        for index, domain in walk_items(doc.data, "domains"):
            name = domain["name"]
            if name in seen:
                continue  # reported as a duplicate domain
            seen.add(name)
            here = doc.value_location(("domains", index, "name"))
            keys = (
                ("folder uid", folder_uid(settings, name)),
                ("dashboard uid", domain_board_uid(settings, name)),
            )
            clash = next(((what, uid) for what, uid in keys if uid in taken), None)
            if clash is None:
                owner = (f"domain {name!r}", f"domain {name!r} is at {here}; {same_uid}")
                taken.update({uid: owner for _, uid in keys})
                continue
            what, uid = clash
            first, hint = taken[uid]
            problems.append(
                Problem(
                    here,
                    f"domain {name!r}: its Grafana {what} {uid!r} is already that of {first}, "
                    "so Grafana would keep only one of them",
                    hint,
                    "inventory/grafana-uid",
                )
            )
    return problems


def _templates() -> list[tuple[NodePath, tuple[str, ...]]]:
    """Settings that are templates (monitoring/naming.py fills them) and the placeholders of each."""
    from monitoring.kinds import KINDS

    return [
        (("settings", "runbook_url"), RUNBOOK_PLACEHOLDERS),
        (("settings", "grafana", "url"), GRAFANA_URL_PLACEHOLDERS),
        *(
            (
                ("settings", "prometheus", "exporters", kind.name, "address"),
                EXPORTER_PLACEHOLDERS if kind.exporter.per_service else (),
            )
            for kind in KINDS.values()
            if kind.exporter is not None
        ),
    ]


def _template_problems(documents: list[Document]) -> list[Problem]:
    """A template with a placeholder it is not given would fail generate and plan (or, as an alert
    annotation, be expanded by Prometheus): refused here, at its value."""
    problems: list[Problem] = []
    for doc in documents:
        topics = [
            (("domains", index, "alarm_topic_arns", severity), TOPIC_PLACEHOLDERS)
            for index, domain in walk_items(doc.data, "domains")
            for severity in domain.get("alarm_topic_arns", {})
        ]
        for path, allowed in [*_templates(), *topics]:
            value: Any = doc.data
            for step in path:
                if isinstance(value, dict):
                    value = value.get(step)
                else:  # the domains list, at an index walk_items gave
                    value = value[step] if isinstance(value, list) and isinstance(step, int) else None
            if not isinstance(value, str):
                continue
            hint = (
                f"allowed placeholders: {', '.join(f'{{{name}}}' for name in allowed)}"
                if allowed
                else "this value takes no placeholders and no braces"
            )
            problems += [
                Problem(doc.value_location(path), f"{field_name(path)}: {reason}", hint, "inventory/template")
                for reason in template_problems(value, allowed)
            ]
    return problems


def _kind_checks(doc: Document, path: NodePath, kind: str) -> list[Problem]:
    """The checks the service's kind declares (`Kind.checks`), reported under their ids."""
    from monitoring.kinds import KINDS

    return [p.replace(check=c.id) for c in KINDS[kind].checks for p in c.run(doc, path)]


def _email_without_smtp(documents: list[Document]) -> list[Problem]:
    """amtool refuses an e-mail receiver when no SMTP smarthost is set."""
    problems: list[Problem] = []
    for doc in documents:
        alertmanager = doc.data.get("settings", {}).get("alertmanager", {})
        if "smtp" in alertmanager:
            return []
        problems += [
            Problem(
                doc.value_location(("settings", "alertmanager", "receivers", index, "email_to")),
                f"receiver {shown(receiver['name'])}: email_to needs settings.alertmanager.smtp",
                "set smtp.smarthost and smtp.from (and auth_username, auth_password_file if the "
                "server asks for a login)",
                "inventory/smtp-missing",
            )
            for index, receiver in enumerate(alertmanager.get("receivers", ()))
            if "email_to" in receiver
        ]
    return problems


def _receivers(documents: list[Document]) -> set[str] | None:
    for doc in documents:
        alertmanager = doc.data.get("settings", {}).get("alertmanager", {})
        if "receivers" in alertmanager:
            return {r["name"] for r in alertmanager["receivers"]}
    return None


def _reserved_labels(doc: Document, path: NodePath) -> list[Problem]:
    item: Any = doc.data
    for step in path:
        item = item[step]
    return [
        Problem(
            doc.location((*path, "labels", label)),
            f"label {shown(label)} is reserved: the tool sets it from the inventory",
            check="inventory/reserved-label",
        )
        for label in item.get("labels", {})
        if label in RESERVED_LABELS
    ]


def _placement_problems(documents: list[Document]) -> list[Problem]:
    """Accounts and regions that domains and services name are declared in settings; each account
    once, its role in itself (an assumed role acts in the role's account)."""
    holder = next((doc for doc in documents if "settings" in doc.data), None)
    if holder is None:
        return []
    raw = holder.data["settings"]
    problems: list[Problem] = []
    accounts: dict[str, str] = {}
    for index, account in enumerate(raw.get("accounts", ())):
        path: NodePath = ("settings", "accounts", index)
        if account["name"] in accounts:
            problems.append(
                Problem(
                    holder.value_location((*path, "name")),
                    f"account {shown(account['name'])} declared twice",
                    f"first declared at {accounts[account['name']]}",
                    "inventory/duplicate-account",
                )
            )
            continue
        accounts[account["name"]] = str(holder.location(path))
        role = re.fullmatch(r"arn:[^:]+:iam::([0-9]{12}):.*", account.get("role_arn", ""))
        if role and role.group(1) != account["account_id"]:
            problems.append(
                Problem(
                    holder.value_location((*path, "role_arn")),
                    f"account {shown(account['name'])}: role_arn is in account {role.group(1)}, "
                    f"not {account['account_id']}",
                    "an assumed role acts in its own account: name a role of this account",
                    "inventory/account-conflict",
                )
            )
    # Accounts without a role are all read with the caller's own credentials, so one account.
    roleless = [a["name"] for a in raw.get("accounts", ()) if "role_arn" not in a]
    if len(set(roleless)) > 1:
        problems.append(
            Problem(
                holder.value_location(("settings", "accounts")),
                f"accounts {', '.join(shown(n) for n in roleless)} have no role_arn: all would be read and "
                "written with the caller's own credentials, in one account",
                "give every account but one a role_arn",
                "inventory/account-conflict",
            )
        )
    if "accounts" in raw and "account_id" in raw:
        problems.append(
            Problem(
                holder.value_location(("settings", "account_id")),
                "settings.account_id and settings.accounts both declared",
                "give each account its account_id under settings.accounts",
                "inventory/account-conflict",
            )
        )
    names = set(accounts) if "accounts" in raw else set()
    regions = {raw["region"], *raw.get("regions", ())}
    if "accounts" not in raw and "account_id" not in raw:
        problems += [
            Problem(
                doc.value_location(("domains", index, "alarm_topic_arns", severity)),
                f"domain {shown(domain['name'])}: alarm_topic_arns.{severity} uses {{account_id}}, "
                "and the inventory declares no account id",
                "set settings.account_id (or settings.accounts)",
                "inventory/template",
            )
            for doc in documents
            for index, domain in walk_items(doc.data, "domains")
            for severity, topic in domain.get("alarm_topic_arns", {}).items()
            if "{account_id}" in topic
        ]
    scopes: list[tuple[Document, NodePath, dict[str, Any]]] = [(holder, ("settings",), raw)]
    for doc in documents:
        scopes += [(doc, ("domains", index), item) for index, item in walk_items(doc.data, "domains")]
        scopes += [(doc, ("services", index), item) for index, item in walk_items(doc.data, "services")]
    for doc, path, item in scopes:
        subject = "settings" if path == ("settings",) else f"{str(path[0]).rstrip('s')} {shown(item['name'])}"
        if "account" in item and item["account"] not in names:
            near = difflib.get_close_matches(item["account"], sorted(names), n=3)
            problems.append(
                Problem(
                    doc.value_location((*path, "account")),
                    f"{subject}: unknown account {shown(item['account'])}",
                    f"did you mean {', '.join(near)}?"
                    if near
                    else f"declared accounts (settings.accounts): {', '.join(sorted(names)) or 'none'}",
                    "inventory/unknown-account",
                )
            )
        if "region" in item and item["region"] not in regions:
            problems.append(
                Problem(
                    doc.value_location((*path, "region")),
                    f"{subject}: region {shown(item['region'])} is not declared",
                    f"declared regions (settings.region, settings.regions): {', '.join(sorted(regions))}",
                    "inventory/unknown-region",
                )
            )
    return problems + _topic_regions(documents, raw["region"])


def _topic_regions(documents: list[Document], default_region: str) -> list[Problem]:
    """CloudWatch takes alarm actions only from its own region (PutMetricAlarm refuses a topic of
    another region with "ValidationError: Invalid region <r> specified. Only <own> is supported.");
    a topic of another account in the same region is allowed once its access policy lets
    cloudwatch.amazonaws.com publish. So a domain topic with a fixed region must be that of every
    alarm sent to it: its services', and those of the clusters whose consumer groups it owns."""
    domains = {
        item["name"]: (doc, index, item)
        for doc in documents
        for index, item in walk_items(doc.data, "domains")
    }
    regions: dict[str, set[str]] = {}
    for doc in documents:
        for _, service in walk_items(doc.data, "services"):
            if service["domain"] in domains:
                domain = domains[service["domain"]][2]
                region = service.get("region", domain.get("region", default_region))
                regions.setdefault(service["domain"], set()).add(region)
                for group in service.get("consumer_groups", ()):
                    regions.setdefault(group["domain"], set()).add(region)
    problems: list[Problem] = []
    for name, (doc, index, domain) in domains.items():
        for severity, topic in domain.get("alarm_topic_arns", {}).items():
            region = topic.split(":")[3]
            others = sorted(regions.get(name, set()) - {region})
            if "{" not in region and others:
                problems.append(
                    Problem(
                        doc.value_location(("domains", index, "alarm_topic_arns", severity)),
                        f"domain {shown(name)}: alarm_topic_arns.{severity} is a topic of {region}, "
                        f"and the domain has alarms in {', '.join(others)}: CloudWatch refuses an alarm"
                        " action on an SNS topic of another region",
                        "write the region as {region} (and the account as {account_id} if the topic is"
                        " per account): each alarm then names the topic of its own region; a topic of"
                        " another account in the same region also works if its policy lets"
                        " cloudwatch.amazonaws.com publish",
                        "inventory/topic-region",
                    )
                )
    return problems
