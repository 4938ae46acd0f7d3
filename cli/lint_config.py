"""`mac lint`'s profile, config file and --fail-on: which checks run, and which findings fail the run."""

from __future__ import annotations

import itertools
import os
import sys

from cli import exit_codes
from cli.options import Choice, Option, PathValue
from cli.reporters import Report, emit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from monitoring.lint.config import LintSettings
    from monitoring.problems import Problem

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
        value=PathValue(dir_okay=False, exists=True, as_text=True),
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
    profile: str | None, config_path: str | None, files_given: bool, output_format: str
) -> LintSettings:
    """The LintSettings for this run; a bad config is reported like any input problem (exit 2)."""
    from monitoring.lint.config import LINT_PROFILES, LintProfile, LintSettings, find_config, load_config
    from monitoring.problems import InputError

    default: LintProfile = "correctness" if files_given else "house"
    found = find_config(os.getcwd()) if config_path is None else None
    path = config_path or (os.path.relpath(found) if found is not None else None)
    try:
        settings = None
        if path is not None:
            from pathlib import Path

            settings = load_config(Path(path), default)
    except InputError as error:
        emit(Report(error.problems, ("rules",), "the lint config"), output_format)
        sys.exit(exit_codes.BAD_INPUT)
    if settings is None:
        settings = LintSettings(profile=default)
    chosen = next((known for known in LINT_PROFILES if known == profile), None)
    return settings.replace(profile=chosen) if chosen else settings


def generated_mixins_at_correctness(settings: LintSettings, out: str) -> LintSettings:
    """`mac lint` of a generated folder holds its mixin rule files to correctness, as `mac generate`
    does: the house style checks are off for them."""
    from monitoring.lint.checks import CHECKS
    from monitoring.mixin_files import RULES_PREFIX

    style = frozenset(check.id for check in CHECKS if check.profile == "style")
    rules = os.path.relpath(
        os.path.abspath(os.path.join(out, "prometheus", "rules")), os.path.abspath(settings.root)
    )
    glob = f"{rules.replace(os.sep, '/')}/{RULES_PREFIX}*.rules.yml"
    return settings.replace(path_disable=(*settings.path_disable, (glob, style)))


def with_generated_scrape_interval(settings: LintSettings, out: str) -> LintSettings:
    """Settings for the generated rules under out: the global scrape interval of the generated
    Prometheus config (a shard's when sharded), when there is one."""
    import glob

    from monitoring.rate_window import duration_seconds

    shards = glob.glob(
        os.path.join(glob.escape(out), "prometheus/shard-*/prometheus.yml"), include_hidden=True
    )
    for config in [os.path.join(out, "prometheus", "prometheus.yml"), *sorted(shards, key=_parts)]:
        interval = _global_scrape_interval(config)
        seconds = duration_seconds(interval) if interval is not None else None
        if seconds:
            return settings.replace(scrape_interval_s=seconds)
    return settings


def _parts(path: str) -> list[str]:
    """Sorts paths as pathlib does: by their parts."""
    return path.split(os.sep)


def _global_scrape_interval(config: str) -> str | None:
    # Only the `global:` block is read: with thousands of scrape jobs the whole file is slow to load.
    try:
        with open(config, encoding="utf-8") as lines:
            start = next((line for line in lines if line.startswith("global:")), None)
            if start is None:
                return None
            indented = itertools.takewhile(lambda line: line[:1] in (" ", "\t", "#", "\n"), lines)
            block = "".join([start, *indented])
    except (OSError, UnicodeDecodeError):
        return None
    return _block_scrape_interval(block) or _loaded_scrape_interval(block)


def _block_scrape_interval(block: str) -> str | None:
    """global.scrape_interval when it is a duration in plain block YAML (a generated config), else None:
    PyYAML (a start-up's worth of import) then reads the block as Prometheus would."""
    from monitoring.lint.block_yaml import Unsupported, compose_documents
    from monitoring.lint.model import mapping_items
    from monitoring.lint.yaml_nodes import MappingNode, ScalarNode
    from monitoring.rate_window import duration_seconds

    try:
        documents = compose_documents(block)
    except Unsupported:
        return None
    if len(documents) != 1 or not isinstance(documents[0], MappingNode):
        return None
    # The last of duplicated keys, as a YAML load keeps it.
    found = [value for key, _key, value in mapping_items(documents[0]) if key == "global"][-1:]
    if not found or not isinstance(found[0], MappingNode):
        return None
    values = [value for key, _key, value in mapping_items(found[0]) if key == "scrape_interval"][-1:]
    # A plain scalar that is a duration (letters in it) loads as a string; other plain ones may not.
    if values and isinstance(values[0], ScalarNode) and duration_seconds(values[0].value):
        return values[0].value
    return None


def _loaded_scrape_interval(block: str) -> str | None:
    import yaml

    try:
        loaded = yaml.safe_load(block)
    except yaml.YAMLError:
        return None
    found = loaded.get("global") if isinstance(loaded, dict) else None
    interval = found.get("scrape_interval") if isinstance(found, dict) else None
    return interval if isinstance(interval, str) else None


def failing(findings: Sequence[Problem], fail_on: str) -> bool:
    failing_severities = ("error", "warning") if fail_on == "warning" else ("error",)
    return any(finding.severity in failing_severities for finding in findings)
