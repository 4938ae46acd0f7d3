"""promql/rate-on-counter: rate(), irate(), increase() on counters only; delta(), deriv() not on them."""

from __future__ import annotations

from collections.abc import Iterator

import promql_parser

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import expr_position, name_offset, rule_nodes, selector
from monitoring.problems import Problem

COUNTER_FUNCTIONS = frozenset({"rate", "irate", "increase"})
GAUGE_FUNCTIONS = frozenset({"delta", "deriv", "predict_linear", "idelta"})


class RateOnCounter(RuleCheck):
    id = "promql/rate-on-counter"
    profile = "correctness"
    summary = "counter functions get counters, gauge functions get gauges (types from the metric catalog)"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        for node in rule_nodes(rule):
            if not isinstance(node, promql_parser.Call):
                continue
            function = node.func.name
            if function not in COUNTER_FUNCTIONS and function not in GAUGE_FUNCTIONS:
                continue
            argument = node.args[0]
            if not isinstance(argument, promql_parser.MatrixSelector):
                continue
            target = selector(argument.vector_selector)
            if target.name is None or target.name in context.recorded:
                continue
            entry = context.catalog_scope(target)[1].get(target.name)
            if entry is None:
                continue
            offset = name_offset(rule.expr, target.name)
            if function in COUNTER_FUNCTIONS and entry.type == "gauge":
                yield self.finding(
                    file,
                    expr_position(rule, file.text, offset),
                    f"{function}() of {target.name}, which is a gauge: the result is meaningless",
                    "use deriv() or delta() for a gauge's change, or select the counter (usually ..._total)",
                )
            elif function in GAUGE_FUNCTIONS and entry.type == "counter":
                yield self.finding(
                    file,
                    expr_position(rule, file.text, offset),
                    f"{function}() of {target.name}, which is a counter: resets make it wrong",
                    "use rate() or increase() on counters",
                )
