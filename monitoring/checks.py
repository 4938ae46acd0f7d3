"""Checks run on every generated artifact before anything is written."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.lazy import resolve
from monitoring.problems import Problem

ArtifactCheck = Callable[[Artifact], list[Problem]]

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_TARGET = re.compile(r"^(redis://)?[A-Za-z0-9.{}-]+:[0-9]{1,5}$")


def check_prometheus_config(artifact: Artifact) -> list[Problem]:
    config: dict[str, Any] = artifact.data
    problems: list[Problem] = []
    names = [job["job_name"] for job in config["scrape_configs"]]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(
            Problem(
                artifact.location(f"job_name: {name}\n", name),
                f"job_name {name!r} appears more than once",
                check="prometheus/duplicate-job",
            )
        )
    for job in config["scrape_configs"]:
        for group in job.get("static_configs", []):
            problems += [
                Problem(
                    artifact.location(f"- {t}\n", t),
                    f"job {job['job_name']!r}: target {t!r} is not host:port",
                    check="prometheus/target",
                )
                for t in group["targets"]
                if not _TARGET.match(t)
            ]
            problems += [
                Problem(
                    artifact.location(f" {n}:", n),
                    f"job {job['job_name']!r}: label name {n!r} is invalid",
                    check="prometheus/label-name",
                )
                for n in group.get("labels", {})
                if not _LABEL_NAME.match(n)
            ]
    return problems


# Path glob -> checks applied to every artifact whose path matches.
# Checks are named by import path: a process imports the checks of the artifacts it has.
ARTIFACT_CHECKS: dict[str, list[str]] = {
    "prometheus/prometheus.yml": ["monitoring.checks:check_prometheus_config"],
    "prometheus/shard-*/prometheus.yml": ["monitoring.checks:check_prometheus_config"],
    "prometheus/rules/*.rules.yml": ["monitoring.lint.artifact:check_rule_artifact"],
    "cloudwatch/*.json": ["monitoring.aws.checks:check_cloudwatch"],
    "kubernetes/*/*.yaml": ["monitoring.operator_checks:check_operator_resource"],
    # Every file, on every run: a secret that got past validation is never written.
    "*": ["monitoring.secrets:check_artifact_secrets"],
}


# Checks that also read other artifacts of the same run (all of them, as a second argument):
# dashboards query the series the run's rule files record.
RunCheck = Callable[[Artifact, Sequence[Artifact]], list[Problem]]
RUN_CHECKS: dict[str, list[str]] = {
    "grafana/dashboards/*/*.json": ["monitoring.grafana_checks:check_dashboard"],
    # The global ruler's rules read what the shards record.
    "vmalert/rules/*.rules.yml": ["monitoring.lint.ruler_artifact:check_ruler_rule_artifact"],
    "thanos/rules/*.rules.yml": ["monitoring.lint.ruler_artifact:check_ruler_rule_artifact"],
}


def _check(path: str) -> ArtifactCheck:
    found: ArtifactCheck = resolve(path)
    return found


def _run_check(path: str) -> RunCheck:
    found: RunCheck = resolve(path)
    return found


def check_artifacts(artifacts: list[Artifact], run: Sequence[Artifact] | None = None) -> list[Problem]:
    """Problems of `artifacts`; `run` is every artifact of the run (default: `artifacts`)."""
    everything = artifacts if run is None else run
    findings: list[Problem] = []
    for artifact in artifacts:
        for pattern, checks in ARTIFACT_CHECKS.items():
            if fnmatch.fnmatchcase(artifact.path, pattern):
                for check in checks:
                    findings += _check(check)(artifact)
        for pattern, checks in RUN_CHECKS.items():
            if fnmatch.fnmatchcase(artifact.path, pattern):
                for check in checks:
                    findings += _run_check(check)(artifact, everything)
    return findings
