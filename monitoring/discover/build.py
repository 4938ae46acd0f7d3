"""From what was found to inventory entries: names, domains, replicas, EC2 rules and log retention.

Pure functions: the scan and the existing inventory's facts in, plain dicts out.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitoring.discover.found import Found, FoundInstance, FoundLogGroup

NAME_LENGTH = 64
# The kind's field that holds the AWS identity, when the kind has one that defaults to the name.
ID_FIELDS: Mapping[str, str] = {
    "mysql": "rds_instance_id",
    "postgresql": "rds_instance_id",
    "aurora_mysql": "cluster_id",
    "aurora_postgresql": "cluster_id",
    "redis": "replication_group_id",
    "memcached": "cache_cluster_id",
    "opensearch": "domain_name",
    "documentdb": "cluster_id",
    "kafka": "cluster_name",
    "kubernetes": "cluster_name",
    "lambda": "function_name",
}


@dataclass(frozen=True)
class DomainRules:
    """Where a resource's domain comes from: the first tag present, else the first pattern matching its
    id (its `domain` group), else the default."""

    tags: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    default: str = "unassigned"

    def domain_of(self, resource_id: str, tags: Mapping[str, str]) -> str:
        for tag in self.tags:
            if tags.get(tag):
                return plain_name(tags[tag]) or self.default
        for pattern in self.patterns:
            match = pattern.search(resource_id)
            if match and match.group("domain"):
                return plain_name(match.group("domain")) or self.default
        return self.default


def plain_name(text: str) -> str:
    """`text` as an inventory name: lower case, runs of other characters as '-', at most 64 long."""
    name = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return name[:NAME_LENGTH].rstrip("-._")


def service_identity(kind: str, account: str, region: str, entry: Mapping[str, Any]) -> tuple[str, ...]:
    """What makes a service the same resource across runs, whatever the user renamed it to."""
    if kind == "node":
        filters = entry.get("ec2_tag_filters", {})
        rule = json.dumps({tag: sorted(values) for tag, values in sorted(filters.items())})
        return (kind, account, region, rule)
    if kind == "apigateway":
        return (kind, account, region, f"{entry.get('api_name', entry['name'])}/{entry.get('stage', '')}")
    field_name = ID_FIELDS.get(kind, "")
    return (kind, account, region, str(entry.get(field_name, entry.get("name", ""))))


@dataclass(frozen=True)
class NewService:
    domain: str
    entry: dict[str, Any]
    identity: tuple[str, ...]


@dataclass(frozen=True)
class Existing:
    """The facts of the inventory being merged into: service names and identities, domain defaults."""

    # service name -> its kind
    names: Mapping[str, str] = field(default_factory=dict)
    # identity -> service name
    identities: Mapping[tuple[str, ...], str] = field(default_factory=dict)
    # domain name -> (account, region) its services default to
    domain_defaults: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def _unique_name(base: str, kind: str, region: str, account: str, used: dict[str, str]) -> str:
    """`base` as a name no service holds yet: told apart by the kind from a service of another
    kind, by region and account from one of the same kind."""
    holder = used.get(plain_name(base))
    by_kind = f"{base}-{kind.replace('_', '-')}"
    by_place = [f"{base}-{region}", f"{base}-{account}", f"{base}-{account}-{region}"]
    candidates = [base, *([by_kind, *by_place] if holder != kind else [*by_place, by_kind])]
    for candidate in candidates:
        candidate = plain_name(candidate)
        if candidate and candidate not in used:
            return candidate
    number = 2
    while f"{plain_name(base)[:58]}-{number}" in used:
        number += 1
    return f"{plain_name(base)[:58]}-{number}"


def _found_identity(found: Found) -> tuple[str, ...]:
    return (found.kind, found.account, found.region, found.resource_id)


def _entry(
    kind: str,
    name: str,
    domain: str,
    where: tuple[str, str],
    defaults: tuple[str, str],
    fields: Mapping[str, Any],
    description: str,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": kind, "name": name, "domain": domain}
    if where[0] != defaults[0]:
        entry["account"] = where[0]
    if where[1] != defaults[1]:
        entry["region"] = where[1]
    if description:
        entry["description"] = description
    entry.update(fields)
    return entry


def ec2_rules(
    instances: Iterable[FoundInstance], domain_tags: Sequence[str]
) -> list[tuple[str, str, str, str, str]]:
    """(account, region, domain tag, its value, instance count) of each EC2 discovery rule: instances
    grouped by their first domain tag, sorted."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for instance in instances:
        tag = next((tag for tag in domain_tags if instance.tags.get(tag)), None)
        if tag is not None:
            counts[(instance.account, instance.region, tag, instance.tags[tag])] += 1
    return [(*key, str(count)) for key, count in sorted(counts.items())]


def new_services(
    found: Sequence[Found],
    instances: Sequence[FoundInstance],
    rules: DomainRules,
    existing: Existing,
    default_placement: tuple[str, str],
) -> list[NewService]:
    """The services to add: found resources (and EC2 rules) the existing inventory lacks, named
    uniquely, each in its domain, replicas pointing at their sources' service names."""
    used = dict(existing.names)
    names = dict(existing.identities)
    added: list[NewService] = []
    ordered = sorted(
        found, key=lambda f: (f.account, f.region, f.kind, f.replica_source != "", f.resource_id)
    )
    pending: list[tuple[Found, str, str]] = []
    for item in ordered:
        identity = _found_identity(item)
        if identity in names:
            continue
        name = _unique_name(item.resource_id.replace("/", "-"), item.kind, item.region, item.account, used)
        used[name] = item.kind
        names[identity] = name
        pending.append((item, name, rules.domain_of(item.resource_id, item.tags)))
    for item, name, domain in pending:
        fields = dict(item.fields)
        id_field = ID_FIELDS.get(item.kind)
        if id_field and id_field not in fields and name != item.resource_id:
            fields = {id_field: item.resource_id, **fields}
        if (
            id_field in fields
            and fields[id_field] == name
            and item.kind not in ("documentdb", "kafka", "kubernetes")
        ):
            del fields[id_field]
        source = (
            names.get((item.kind, item.account, item.region, item.replica_source))
            if item.replica_source
            else None
        )
        if source:
            fields["replica_of"] = source
        defaults = existing.domain_defaults.get(domain, default_placement)
        entry = _entry(
            item.kind, name, domain, (item.account, item.region), defaults, fields, item.description
        )
        added.append(NewService(domain, entry, _found_identity(item)))
    for account, region, tag, value, count in ec2_rules(instances, rules.tags):
        filters = {tag: [value]}
        identity = service_identity("node", account, region, {"ec2_tag_filters": filters})
        if identity in names:
            continue
        domain = plain_name(value) or rules.default
        name = _unique_name(f"ec2-{domain}", "node", region, account, used)
        used[name] = "node"
        names[identity] = name
        description = f"EC2 instances tagged {tag}={value} ({count} when discovered), found by ec2_sd."
        defaults = existing.domain_defaults.get(domain, default_placement)
        entry = _entry(
            "node", name, domain, (account, region), defaults, {"ec2_tag_filters": filters}, description
        )
        added.append(NewService(domain, entry, identity))
    return added


def found_identities(
    found: Iterable[Found], instances: Iterable[FoundInstance], domain_tags: Sequence[str]
) -> set[tuple[str, ...]]:
    identities = {_found_identity(item) for item in found}
    for account, region, tag, value, _ in ec2_rules(instances, domain_tags):
        identities.add(service_identity("node", account, region, {"ec2_tag_filters": {tag: [value]}}))
    return identities


# Log group families of the services discover knows: (claimed prefix, regex, rule pattern template).
LOG_FAMILIES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "/aws/rds/instance/",
        re.compile(r"^/aws/rds/instance/[^/]+/([A-Za-z0-9_.#-]+)$"),
        "/aws/rds/instance/*/{}",
    ),
    (
        "/aws/rds/cluster/",
        re.compile(r"^/aws/rds/cluster/[^/]+/([A-Za-z0-9_.#-]+)$"),
        "/aws/rds/cluster/*/{}",
    ),
    ("/aws/docdb/", re.compile(r"^/aws/docdb/[^/]+/([A-Za-z0-9_.#-]+)$"), "/aws/docdb/*/{}"),
    ("/aws/lambda/", re.compile(r"^/aws/lambda/.+$"), "/aws/lambda/*"),
    ("/aws/eks/", re.compile(r"^/aws/eks/.+$"), "/aws/eks/*"),
    ("/aws/elasticache/", re.compile(r"^/aws/elasticache/.+$"), "/aws/elasticache/*"),
    ("/aws/OpenSearchService/", re.compile(r"^/aws/OpenSearchService/.+$"), "/aws/OpenSearchService/*"),
    (
        "API-Gateway-Execution-Logs_",
        re.compile(r"^API-Gateway-Execution-Logs_.+$"),
        "API-Gateway-Execution-Logs_*",
    ),
)


def log_family(name: str) -> tuple[str, str] | None:
    """(claimed prefix, rule pattern) of a log group of a known family, else None."""
    for prefix, shape, template in LOG_FAMILIES:
        match = shape.match(name)
        if match:
            return prefix, template.format(*match.groups())
    return None


def glob_matches(pattern: str, name: str) -> bool:
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), name) is not None


def _size(stored: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if stored >= scale:
            return f"{stored / scale:.1f} {unit}"
    return f"{stored} bytes"


@dataclass(frozen=True)
class RetentionChanges:
    prefixes: list[str]
    rules: list[dict[str, Any]]
    # Groups of no known family: left unclaimed.
    unclaimed: int


def retention_changes(
    groups: Sequence[FoundLogGroup], claimed: Sequence[str], patterns: Sequence[str], default_days: int
) -> RetentionChanges:
    """Prefixes to claim and rules to add (one per family, days its most common retention, else the
    default) for the groups no existing rule matches; existing rules and prefixes stay as written."""
    families: dict[str, list[FoundLogGroup]] = {}
    prefixes: list[str] = []
    unclaimed = 0
    for group in sorted(groups, key=lambda g: g.name):
        family = log_family(group.name)
        if family is None:
            unclaimed += 1
            continue
        prefix, pattern = family
        if pattern in patterns or any(glob_matches(existing, group.name) for existing in patterns):
            continue
        families.setdefault(pattern, []).append(group)
        if not any(pattern.startswith(known) for known in [*claimed, *prefixes]):
            prefixes.append(prefix)
    rules = []
    for pattern, members in families.items():
        kept = Counter(group.retention_days for group in members if group.retention_days is not None)
        never = sum(1 for group in members if group.retention_days is None)
        found = ", ".join(f"{days} days x{count}" for days, count in sorted(kept.items()))
        if never:
            found = f"{found}, never x{never}" if found else f"never x{never}"
        stored = sum(group.stored_bytes for group in members)
        rules.append(
            {
                "pattern": pattern,
                "days": kept.most_common(1)[0][0] if kept else default_days,
                "count": len(members),
                "description": f"Discovered: {_size(stored)} stored; retention found: {found}.",
            }
        )
    return RetentionChanges(prefixes, rules, unclaimed)
