"""CloudWatch Logs retention wanted for a log group, from the inventory's rules."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitoring.kinds.mysql import MysqlService
from monitoring.model import Inventory, RetentionRule

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


@dataclass(frozen=True)
class RetentionPolicy:
    """Explicit groups first, then the first matching rule; the default only where none is set.

    The default never shortens a retention someone chose: it fills in "never expire" only.
    """

    log_groups: Mapping[str, int]
    rules: tuple[RetentionRule, ...]
    default_days: int | None

    def rule_for(self, group: str) -> RetentionRule | None:
        return next((rule for rule in self.rules if fnmatch.fnmatchcase(group, rule.pattern)), None)

    def wanted_days(self, group: str, current_days: int | None) -> int | None:
        if group in self.log_groups:
            return self.log_groups[group]
        rule = self.rule_for(group)
        if rule is not None:
            return rule.days
        return self.default_days if current_days is None else current_days


def retention_policy(inventory: Inventory) -> RetentionPolicy:
    if inventory.log_retention is None:
        return RetentionPolicy({}, (), None)
    rules = inventory.log_retention.rules
    default_days = inventory.log_retention.default_days
    partial = RetentionPolicy({}, rules, default_days)
    # RDS creates a slow-query group per instance publishing its slow log; name each one we know.
    groups = {
        s.slow_query_log_group: partial.wanted_days(s.slow_query_log_group, None) or default_days
        for s in inventory.services_of("mysql", MysqlService)
        if s.slow_query_log
    }
    return RetentionPolicy(dict(sorted(groups.items())), rules, default_days)


def retention_document(policy: RetentionPolicy) -> dict[str, Any]:
    return {
        "default_days": policy.default_days,
        "default_applies_to": "log groups no rule matches that have no retention policy (never expire)",
        "rules": [
            {"pattern": rule.pattern, "days": rule.days, "description": rule.description}
            for rule in policy.rules
        ],
        "log_groups": dict(policy.log_groups),
    }
