"""The files of a new GitOps repository (`mac init`): an inventory that validates, a Makefile, CI
and pre-commit configs, rendered from the templates beside this module.

Templates mark their values `@name@` (neither Make's `$(...)` nor GitHub's `${{ ... }}` use it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from monitoring.inventory.schema import schema_text

DISTRIBUTION = "monitoring-as-code"
SCHEMA_FILE = "inventory.schema.json"
SCHEMA_MODELINE = "# yaml-language-server: $schema="

# Template name -> path in the new repository (templates of dotfiles are stored without the dot,
# so that every packaging tool ships them).
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("settings.yaml", "inventory/settings.yaml"),
    ("example.yaml", "inventory/example.yaml"),
    ("Makefile", "Makefile"),
    ("monitoring.yml", ".github/workflows/monitoring.yml"),
    ("pre-commit-config.yaml", ".pre-commit-config.yaml"),
    ("gitignore", ".gitignore"),
    ("README.md", "README.md"),
)

_PLACEHOLDER = re.compile(r"@([a-z_]+)@")


@dataclass(frozen=True)
class RepositoryValues:
    organization: str
    environment: str
    region: str
    account_id: str


@dataclass(frozen=True)
class ScaffoldFile:
    path: str  # relative, with '/'
    text: str


def mac_requirement() -> str:
    """The pip requirement CI installs: this very version of mac, whose schema the repository holds."""
    return f"{DISTRIBUTION}=={metadata.version(DISTRIBUTION)}"


def _render(template: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return values[match[1]]  # a KeyError is a template naming a value that does not exist

    return _PLACEHOLDER.sub(value, template)


def scaffold_files(repository: RepositoryValues) -> list[ScaffoldFile]:
    values = {
        "organization": repository.organization,
        "environment": repository.environment,
        "region": repository.region,
        "account_id": repository.account_id,
        "mac_package": mac_requirement(),
    }
    templates = resources.files("monitoring.scaffold") / "templates"
    files = [
        ScaffoldFile(target, _render((templates / name).read_text(encoding="utf-8"), values))
        for name, target in TEMPLATES
    ]
    return [*files, ScaffoldFile(SCHEMA_FILE, schema_text())]


def existing(root: Path, files: list[ScaffoldFile]) -> list[Path]:
    """The paths init would write that are already there (a folder in a file's place included)."""
    return [root / file.path for file in files if (root / file.path).exists()]


def write(root: Path, files: list[ScaffoldFile]) -> list[Path]:
    written = []
    for file in files:
        path = root / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(file.text, encoding="utf-8")
        written.append(path)
    return written


def point_at_schema(root: Path, files: list[Path]) -> list[Path]:
    """Start each inventory file that names no schema with the modeline pointing editors at
    root's schema file (`mac discover` writes none); symlinked files are left alone."""
    pointed = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.is_symlink() or "# yaml-language-server:" in text:
            continue
        schema = Path(os.path.relpath(root / SCHEMA_FILE, path.parent)).as_posix()
        path.write_text(f"{SCHEMA_MODELINE}{schema}\n{text}", encoding="utf-8")
        pointed.append(path)
    return pointed
