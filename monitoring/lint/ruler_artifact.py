"""The lint of a global ruler's generated rule file, linted with its shard counterpart: the ruler's
rules read series the shards record (and remote-write to the store)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from monitoring.artifacts import Artifact
from monitoring.lint.config import LintSettings
from monitoring.lint.runner import lint_texts
from monitoring.problems import Problem

_SHARD_RULES = "prometheus/rules"


def check_ruler_rule_artifact(artifact: Artifact, run: Sequence[Artifact]) -> list[Problem]:
    shard_path = f"{_SHARD_RULES}/{PurePosixPath(artifact.path).name}"
    shard = [(a.path, a.render().decode("utf-8")) for a in run if a.path == shard_path]
    interval = artifact.scrape_interval_s
    settings = LintSettings() if interval is None else LintSettings(scrape_interval_s=interval)
    findings = lint_texts([*shard, (artifact.path, artifact.render().decode("utf-8"))], settings=settings)
    return [finding for finding in findings if finding.file == artifact.path]
