"""placement/fleet-rule-on-shard: a rule that needs the whole fleet is not in a shard's rule file.

A file is a shard's when it says so with a `# mac-lint file/placement shard` comment (the generator
writes it in the rule files every shard loads when there is a global ruler). A shard sees only its own
targets: absent() fires on every shard that does not scrape the target, and an aggregation across
services sums one slice. Which rules need the fleet is monitoring/generate/rule_placement.py's call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from monitoring.lint.checks.base import Check
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import parsed
from monitoring.problems import Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_NOUNS = {"alert": "alert", "record": "recording rule"}
SHARD_COMMENT = re.compile(r"^\s*#\s*mac-lint\s+file/placement\s+shard\s*$", re.MULTILINE)


def is_shard_file(file: RuleFile) -> bool:
    return "file/placement" in file.text and SHARD_COMMENT.search(file.text) is not None


class FleetRuleOnShard(Check):
    id = "placement/fleet-rule-on-shard"
    severity = "warning"
    profile = "correctness"
    summary = "rules in a shard's rule file (`# mac-lint file/placement shard`) need only the shard's targets"

    def run(self, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if not is_shard_file(file):
            return
        # Only shard files need the placement analysis; importing it costs every other lint run.
        from monitoring.generate.rule_placement import place_parsed

        readable: list[tuple[Rule, Any]] = [
            (rule, tree) for rule in file.rules if (tree := parsed(rule)) is not None
        ]
        placed = place_parsed(
            [(rule.name if rule.kind == "record" else None, tree) for rule, tree in readable]
        )
        for (rule, _), where in zip(readable, placed, strict=True):
            if where.placement == "global":
                yield self.finding(
                    file,
                    rule.name_pos,
                    f"{_NOUNS[rule.kind]} {rule.name} needs the whole fleet, but a shard sees only its own"
                    f" targets: {where.reason}",
                    "move it to the rules of the global ruler (vmalert, Thanos, Mimir) that reads the store",
                )
