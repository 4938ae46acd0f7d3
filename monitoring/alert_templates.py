"""The subset of Prometheus' alert templates the rule packs use, expanded the way Prometheus does.

Rule unit tests must state annotations exactly as promtool expands them, so the generator
expands each annotation here: `{{ $labels.NAME }}` and `{{ X | FUNC }}` where X is `$value`
or a number literal and FUNC one of Prometheus' humanize functions. Anything else is
rejected, which keeps the packs' templates within what these tests can predict.
Stdlib only: the lint's template check imports the function names from here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

_SI_LARGE = ("k", "M", "G", "T", "P", "E", "Z", "Y")
_SI_SMALL = ("m", "u", "n", "p", "f", "a", "z", "y")
_IEC = ("ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi")


def _g4(value: float) -> str:
    """Go's fmt `%.4g` (same output as C's, which Python's `%` follows)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return format(value, ".4g")


def humanize(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return _g4(value)
    prefix = ""
    if abs(value) >= 1:
        for candidate in _SI_LARGE:
            if abs(value) < 1000:
                break
            prefix, value = candidate, value / 1000
    else:
        for candidate in _SI_SMALL:
            if abs(value) >= 1:
                break
            prefix, value = candidate, value * 1000
    return f"{_g4(value)}{prefix}"


def humanize1024(value: float) -> str:
    if abs(value) <= 1 or not math.isfinite(value):
        return _g4(value)
    prefix = ""
    for candidate in _IEC:
        if abs(value) < 1024:
            break
        prefix, value = candidate, value / 1024
    return f"{_g4(value)}{prefix}"


def humanize_duration(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return f"{_g4(value)}s"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1:
        whole = int(value)
        days, hours, minutes = whole // 86400, whole // 3600 % 24, whole // 60 % 60
        seconds = whole % 60
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{_g4(value)}s"
    prefix = ""
    for candidate in ("m", "u", "n"):
        if value >= 1:
            break
        prefix, value = candidate, value * 1000
    return f"{sign}{_g4(value)}{prefix}s"


def humanize_percentage(value: float) -> str:
    return f"{_g4(value * 100)}%"


HUMANIZERS: Mapping[str, Callable[[float], str]] = {
    "humanize": humanize,
    "humanize1024": humanize1024,
    "humanizeDuration": humanize_duration,
    "humanizePercentage": humanize_percentage,
}

_ACTION = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)
_LABEL_REF = re.compile(r"\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)")
_PIPELINE = re.compile(r"(\$value|-?[0-9][0-9.eE+-]*)\s*\|\s*([A-Za-z0-9]+)")


class UnsupportedTemplate(ValueError):
    """A template action outside the subset this module can expand."""


def expand(template: str, labels: Mapping[str, str], value: float) -> str:
    """Expand `template` for an alert with `labels` and `value`, as Prometheus would."""

    def action(match: re.Match[str]) -> str:
        body = match.group(1)
        label = _LABEL_REF.fullmatch(body)
        if label:
            return labels.get(label.group(1), "")
        pipeline = _PIPELINE.fullmatch(body)
        if pipeline and pipeline.group(2) in HUMANIZERS:
            subject = value if pipeline.group(1) == "$value" else float(pipeline.group(1))
            return HUMANIZERS[pipeline.group(2)](subject)
        raise UnsupportedTemplate(f"template action {match.group(0)!r} is outside the supported subset")

    return _ACTION.sub(action, template)
