"""`mac lint`'s profile, config file and --fail-on: which checks run, and which findings fail the run."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

from cli import exit_codes
from cli.options import Choice, Option, PathValue
from cli.reporters import Report, emit
from monitoring.problems import Problem

if TYPE_CHECKING:
    from monitoring.lint.config import LintSettings

CONFIG_EPILOG = """\b
Profiles: correctness (the default for FILES) runs the checks that can prove a rule broken;
house (the default with no FILES, for the generated rules) adds our conventions: runbook_url,
team/domain/service labels, severity values, `for`, catalog coverage of jobs we know nothing about.
`--list-checks --format json` shows each check's profile.

\b
Config: --config PATH, else the nearest .mac-lint.yaml or pyproject.toml with [tool.mac.lint], from the
current folder up to the git root. Keys (any other is an error):
{keys}

\b
Disable comments: `# mac-lint disable ID[, ID]` inside a rule or on the line above it;
`# mac-lint file/disable ID[, ID]` anywhere in a file, for the whole file. A comment that suppresses
nothing is a lint/unused-disable warning.
"""


def config_epilog() -> str:
    from monitoring.lint.policy import KEYS

    return CONFIG_EPILOG.format(keys="\n".join(f"  {key}: {text}" for key, text in KEYS.items()))


LINT_CONFIG_OPTIONS = (
    Option(
        "--profile",
        dest="profile",
        value=Choice("correctness", "house"),
        help="Which checks run (overrides the config's profile); see below.",
    ),
    Option(
        "--config",
        dest="config_path",
        value=PathValue(dir_okay=False, exists=True),
        help="The lint config file (.mac-lint.yaml, or a pyproject.toml with [tool.mac.lint]).",
    ),
    Option(
        "--fail-on",
        dest="fail_on",
        value=Choice("error", "warning"),
        default="error",
        show_default=True,
        help="The least severity that makes the exit code 1 (info never does).",
    ),
)


def lint_settings(
    profile: str | None, config_path: Path | None, files_given: bool, output_format: str
) -> LintSettings:
    """The LintSettings for this run; a bad config is reported like any input problem (exit 2)."""
    from monitoring.lint.config import LintProfile, LintSettings, find_config, load_config
    from monitoring.problems import InputError

    default: LintProfile = "correctness" if files_given else "house"
    found = find_config(Path.cwd()) if config_path is None else None
    path = config_path or (Path(os.path.relpath(found)) if found is not None else None)
    try:
        settings = load_config(path, default) if path is not None else None
    except InputError as error:
        emit(Report(error.problems, ("rules",), "the lint config"), output_format)
        sys.exit(exit_codes.BAD_INPUT)
    if settings is None:
        settings = LintSettings(profile=default)
    return replace(settings, profile=cast(LintProfile, profile)) if profile else settings


def with_generated_scrape_interval(settings: LintSettings, out: Path) -> LintSettings:
    """Settings for the generated rules under out: the global scrape interval of the generated
    Prometheus config (a shard's when sharded), when there is one."""
    from monitoring.lint.policy import duration_s

    configs = [out / "prometheus" / "prometheus.yml", *sorted(out.glob("prometheus/shard-*/prometheus.yml"))]
    for config in configs:
        interval = _global_scrape_interval(config)
        seconds = duration_s(interval) if interval is not None else None
        if seconds:
            return replace(settings, scrape_interval_s=seconds)
    return settings


def _global_scrape_interval(config: Path) -> str | None:
    # Only the `global:` block is read: with thousands of scrape jobs the whole file is slow to load.
    import yaml

    try:
        with config.open(encoding="utf-8") as lines:
            start = next((line for line in lines if line.startswith("global:")), None)
            if start is None:
                return None
            indented = itertools.takewhile(lambda line: line[:1] in (" ", "\t", "#", "\n"), lines)
            loaded = yaml.safe_load("".join([start, *indented]))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    found = loaded.get("global") if isinstance(loaded, dict) else None
    interval = found.get("scrape_interval") if isinstance(found, dict) else None
    return interval if isinstance(interval, str) else None


def failing(findings: Sequence[Problem], fail_on: str) -> bool:
    failing_severities = ("error", "warning") if fail_on == "warning" else ("error",)
    return any(finding.severity in failing_severities for finding in findings)
