"""template/aggregated-label: templates print only labels the alert's expression result can carry.

Prometheus expands labels and annotations with the labels of the expression's result alone: a
label aggregated away (`sum by (...)`, `without`, `count(...)`) renders empty, and so do the
rule's own labels and alertname, which are added after expansion.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import output_labels, parsed
from monitoring.lint.templates import label_references, reference_position, template_fields
from monitoring.problems import Problem


class TemplateAggregatedLabel(RuleCheck):
    id = "template/aggregated-label"
    # The alert still fires and routes; only its text is missing.
    severity = "warning"
    profile = "correctness"
    summary = "labels and annotations use only $labels the expression's result can carry"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if rule.kind != "alert":
            return
        used = [
            (section, name, node, reference)
            for section, name, template, node in template_fields(rule)
            if "abels" in template
            for reference in label_references(template)
        ]
        tree = parsed(rule) if used else None
        if tree is None:
            return
        carried = output_labels(tree)
        reported: set[str] = set()
        for section, name, node, reference in used:
            label = reference.name
            if carried.can_carry(label) or label in reported:
                continue
            reported.add(label)
            kept = ", ".join(sorted(carried.names)) or "none"
            having = f"keeps only: {kept}" if carried.closed else f"drops: {kept}"
            own = label in rule.labels or label == "alertname"
            yield self.finding(
                file,
                reference_position(file.text, node, reference),
                f"{section[:-1]} {name} of alert {rule.name} uses {reference.text}, which renders empty: "
                + (
                    "templates see the expression's labels only, not the rule's own"
                    if own
                    else f"the expression's result has no label {label} ({having})"
                ),
                f"write the value of {label} itself"
                if own
                else f"keep {label} in the aggregation's by (...), or drop it from the template",
            )
