"""The lint as an artifact check of `mac generate`: generated rule files are linted before writing."""

from __future__ import annotations

from monitoring.artifacts import Artifact
from monitoring.lint.runner import lint_texts


def check_rule_artifact(artifact: Artifact) -> list[str]:
    findings = lint_texts([(artifact.path, artifact.render().decode("utf-8"))])
    return [f"{f.file}:{f.line}:{f.col}: {f.check}: {f.message}" for f in findings]
