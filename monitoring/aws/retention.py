"""CloudWatch Logs retention wanted for a log group, from the inventory's rules.

Log groups have no name scheme of ours, so ownership is explicit: the inventory sets retention
only on groups it names (the RDS slow-query groups and the Lambda function groups of its
services), on groups under a prefix it
claims (`log_retention.claimed_prefixes`), and on groups tagged as its own by an earlier apply.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitoring.kinds.aurora import AuroraService
from monitoring.kinds.aws_lambda import LambdaService
from monitoring.kinds.mysql import MysqlService
from monitoring.model import Inventory, RetentionRule, Service
from monitoring.problems import Problem

if TYPE_CHECKING:
    from monitoring.inventory.loader import Document

# The only values PutRetentionPolicy accepts.
ALLOWED_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


_WILDCARD = re.compile(r"[*?\[]")


def literal_prefix(pattern: str) -> str:
    """The part of a glob before its first wildcard: every group it matches starts with it."""
    match = _WILDCARD.search(pattern)
    return pattern[: match.start()] if match else pattern


@dataclass(frozen=True)
class WantedRetention:
    days: int
    # Whether a change that shortens the retention may go ahead without --allow-shorten-retention.
    allow_shorten: bool
    source: str


@dataclass(frozen=True)
class RetentionPolicy:
    """Named groups first, then the first matching rule; the default only where none is set.

    Only owned groups are considered: named, under a claimed prefix, or tagged as ours.
    """

    log_groups: Mapping[str, int]
    rules: tuple[RetentionRule, ...]
    default_days: int | None
    claimed_prefixes: tuple[str, ...] = ()

    def claims(self, group: str) -> bool:
        return any(group.startswith(prefix) for prefix in self.claimed_prefixes)

    def rule_for(self, group: str) -> RetentionRule | None:
        return next(
            (
                rule
                for rule in self.rules
                if fnmatch.fnmatchcase(group, rule.pattern) and self.claims(literal_prefix(rule.pattern))
            ),
            None,
        )

    def wanted(
        self, group: str, current_days: int | None, tagged_ours: bool = False
    ) -> WantedRetention | None:
        """The retention to set on `group`, or None when it is not ours or stays as it is."""
        named = group in self.log_groups
        if not (named or tagged_ours or self.claims(group)):
            return None
        rule = self.rule_for(group)
        if named:
            source = f"rule {rule.pattern}" if rule else "default (named log group)"
            return WantedRetention(self.log_groups[group], rule.allow_shorten if rule else False, source)
        if rule is not None:
            return WantedRetention(rule.days, rule.allow_shorten, f"rule {rule.pattern}")
        if current_days is None and self.default_days is not None:
            return WantedRetention(self.default_days, False, "default")
        return None


def named_log_groups(inventory: Inventory) -> dict[str, Service]:
    """The log groups the inventory's services write, each with its writer (whose account and region
    it lives in)."""
    groups: dict[str, Service] = {}
    # RDS creates a slow-query group per instance publishing its slow log; Aurora MySQL one per
    # cluster (/aws/rds/cluster/<cluster>/slowquery), not per instance.
    databases: tuple[MysqlService | AuroraService, ...] = (
        *inventory.services_of("mysql", MysqlService),
        *inventory.services_of("aurora_mysql", AuroraService),
    )
    for database in databases:
        if database.slow_query_log:
            groups[database.slow_query_log_group] = database
    # Lambda creates /aws/lambda/<function> on the first invocation, with no retention (never expire).
    for function in inventory.services_of("lambda", LambdaService):
        groups[function.log_group] = function
    return groups


def retention_policy(inventory: Inventory) -> RetentionPolicy:
    if inventory.log_retention is None:
        return RetentionPolicy({}, (), None)
    rules = inventory.log_retention.rules
    default_days = inventory.log_retention.default_days
    claimed = inventory.log_retention.claimed_prefixes
    partial = RetentionPolicy({}, rules, default_days, claimed)
    groups: dict[str, int] = {}
    for group in named_log_groups(inventory):
        rule = partial.rule_for(group)
        groups[group] = rule.days if rule else default_days
    return RetentionPolicy(dict(sorted(groups.items())), rules, default_days, claimed)


def retention_document(policy: RetentionPolicy) -> dict[str, Any]:
    return {
        "claimed_prefixes": list(policy.claimed_prefixes),
        "default_days": policy.default_days,
        "default_applies_to": (
            "owned log groups (under a claimed prefix, or tagged as this inventory's) that no rule "
            "matches and that have no retention policy (never expire)"
        ),
        "rules": [
            {
                "pattern": rule.pattern,
                "days": rule.days,
                "description": rule.description,
                "allow_shorten": rule.allow_shorten,
            }
            for rule in policy.rules
        ],
        "log_groups": dict(policy.log_groups),
    }


def retention_rule_problems(documents: list[Document]) -> list[Problem]:
    """A rule pattern reaching outside every claimed prefix could rewrite other teams' log groups."""
    problems: list[Problem] = []
    for doc in documents:
        retention = doc.data.get("log_retention") if isinstance(doc.data, dict) else None
        if not isinstance(retention, dict):
            continue
        claimed = [p for p in retention.get("claimed_prefixes", ()) if isinstance(p, str)]
        for index, rule in enumerate(retention.get("rules", ())):
            pattern = rule.get("pattern") if isinstance(rule, dict) else None
            if not isinstance(pattern, str) or any(literal_prefix(pattern).startswith(p) for p in claimed):
                continue
            suggestion = literal_prefix(pattern).rsplit("/", 1)[0] + "/" if "/" in pattern else ""
            problems.append(
                Problem(
                    doc.value_location(("log_retention", "rules", index, "pattern")),
                    f"log_retention.rules[{index}].pattern {pattern!r} lies outside every claimed prefix: "
                    "it could change the retention of log groups this inventory does not own",
                    (
                        f"claimed prefixes: {', '.join(repr(p) for p in claimed)}; "
                        if claimed
                        else "no prefix is claimed; "
                    )
                    + "add the groups' prefix to log_retention.claimed_prefixes"
                    + (f" (e.g. {suggestion!r})" if suggestion not in ("", "/") else "")
                    + " if this inventory owns every group under it, or narrow the pattern",
                    "inventory/retention-prefix",
                )
            )
    return problems
