"""Checks run on every generated artifact before anything is written."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.lazy import resolve

ArtifactCheck = Callable[[Artifact], list[str]]

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_TARGET = re.compile(r"^(redis://)?[A-Za-z0-9.{}-]+:[0-9]{1,5}$")


def check_prometheus_config(artifact: Artifact) -> list[str]:
    config: dict[str, Any] = artifact.data
    findings: list[str] = []
    names = [job["job_name"] for job in config["scrape_configs"]]
    for name in sorted({n for n in names if names.count(n) > 1}):
        findings.append(f"{artifact.path}: job_name {name!r} appears more than once")
    for job in config["scrape_configs"]:
        for group in job.get("static_configs", []):
            findings += [
                f"{artifact.path}: job {job['job_name']!r}: target {t!r} is not host:port"
                for t in group["targets"]
                if not _TARGET.match(t)
            ]
            findings += [
                f"{artifact.path}: job {job['job_name']!r}: label name {n!r} is invalid"
                for n in group.get("labels", {})
                if not _LABEL_NAME.match(n)
            ]
    return findings


# Path glob -> checks applied to every artifact whose path matches.
# Checks are named by import path: a process imports the checks of the artifacts it has.
ARTIFACT_CHECKS: dict[str, list[str]] = {
    "prometheus/prometheus.yml": ["monitoring.checks:check_prometheus_config"],
    "prometheus/shard-*/prometheus.yml": ["monitoring.checks:check_prometheus_config"],
    "prometheus/rules/*.rules.yml": ["monitoring.lint.artifact:check_rule_artifact"],
    "cloudwatch/*.json": ["monitoring.aws.checks:check_cloudwatch"],
    "grafana/dashboards/*/*.json": ["monitoring.grafana_checks:check_dashboard"],
    # Every file, on every run: a secret that got past validation is never written.
    "*": ["monitoring.secrets:check_artifact_secrets"],
}


def _check(path: str) -> ArtifactCheck:
    found: ArtifactCheck = resolve(path)
    return found


def check_artifacts(artifacts: list[Artifact]) -> list[str]:
    findings: list[str] = []
    for artifact in artifacts:
        for pattern, checks in ARTIFACT_CHECKS.items():
            if fnmatch.fnmatchcase(artifact.path, pattern):
                for check in checks:
                    findings += _check(check)(artifact)
    return findings
