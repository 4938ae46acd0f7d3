"""The lint config: `.mac-lint.yaml`, or `[tool.mac.lint]` in pyproject.toml, validated strictly.

Found in the current folder or the nearest one above it, up to the git root (or given by --config).
Every key is documented in policy.KEYS (printed by `mac lint --help`); an unknown key, a wrong type or an
unknown check id is an InputError naming file:line:col.
"""

from __future__ import annotations

import fnmatch
import os
import re

from monitoring.lint.checks.base import Check, Profile
from monitoring.lint.policy import DEFAULT_SCRAPE_INTERVAL_S, KEYS, HousePolicy, JobCatalogs
from monitoring.problems import SEVERITIES, InputError, Location, Problem, Severity
from monitoring.rate_window import duration_seconds

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path
    from typing import Literal

    import yaml

    LintProfile = Literal["correctness", "house"]
else:
    LintProfile = str
LINT_PROFILES: dict[LintProfile, frozenset[Profile]] = {
    "correctness": frozenset({"correctness"}),
    "house": frozenset({"correctness", "style"}),
}
CONFIG_FILE = ".mac-lint.yaml"
CHECK = "lint/config"

_CATALOG_KEYS = ("job", "job_regex", "catalogs")


class JobCatalog:
    __slots__ = ("catalogs", "job", "job_regex")

    def __init__(self, job: str | None, job_regex: re.Pattern[str] | None, catalogs: tuple[str, ...]) -> None:
        self.job, self.job_regex, self.catalogs = job, job_regex, catalogs


class LintSettings:
    """What to run and how to report it. The default (no config) is the house profile, which the
    generated rules use; `mac lint FILES` defaults to correctness. `root` is the config's folder,
    which path_disable globs are relative to. Not changed once made: `replace` makes a copy."""

    __slots__ = (
        "disable",
        "job_catalogs",
        "path_disable",
        "policy",
        "profile",
        "root",
        "scrape_interval_s",
        "severity",
    )

    def __init__(
        self,
        profile: LintProfile = "house",
        disable: frozenset[str] = frozenset(),
        severity: Mapping[str, Severity] | None = None,
        path_disable: tuple[tuple[str, frozenset[str]], ...] = (),
        job_catalogs: tuple[JobCatalog, ...] = (),
        policy: HousePolicy | None = None,
        scrape_interval_s: float = DEFAULT_SCRAPE_INTERVAL_S,
        root: str = ".",
    ) -> None:
        self.profile = profile
        self.disable = disable
        self.severity: Mapping[str, Severity] = {} if severity is None else severity
        self.path_disable = path_disable
        self.job_catalogs = job_catalogs
        self.policy = HousePolicy() if policy is None else policy
        self.scrape_interval_s = scrape_interval_s
        self.root = root

    def replace(
        self,
        *,
        profile: LintProfile | None = None,
        path_disable: tuple[tuple[str, frozenset[str]], ...] | None = None,
        scrape_interval_s: float | None = None,
    ) -> LintSettings:
        return LintSettings(
            self.profile if profile is None else profile,
            self.disable,
            self.severity,
            self.path_disable if path_disable is None else path_disable,
            self.job_catalogs,
            self.policy,
            self.scrape_interval_s if scrape_interval_s is None else scrape_interval_s,
            self.root,
        )

    def runs(self, check: Check) -> bool:
        return check.profile in LINT_PROFILES[self.profile] and check.id not in self.disable

    def disabled_for(self, path: str) -> frozenset[str]:
        if not self.path_disable:
            return frozenset()
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root)).replace(os.sep, "/")
        return frozenset().union(
            *(ids for glob, ids in self.path_disable if fnmatch.fnmatchcase(relative, glob))
        )

    def catalogs_by_job(self, builtin: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
        if not self.job_catalogs:
            return builtin
        exact = {**builtin, **{j.job: j.catalogs for j in self.job_catalogs if j.job is not None}}
        patterns = tuple((j.job_regex, j.catalogs) for j in self.job_catalogs if j.job_regex is not None)
        return JobCatalogs(exact, patterns)

    def catalog_files(self) -> tuple[str, ...]:
        """The catalog files (by path) the config names: their metrics are known to catalog/coverage."""
        named = (c for j in self.job_catalogs for c in j.catalogs if "/" in c or c.endswith(".txt"))
        return tuple(dict.fromkeys(named))

    def reported(self, finding: Problem) -> Problem:
        severity = self.severity.get(finding.check)
        return finding if severity is None else finding.replace(severity=severity)


def find_config(start: str | os.PathLike[str]) -> str | None:
    """The nearest .mac-lint.yaml, or pyproject.toml with [tool.mac.lint], from start up to the git root.
    Paths as text: every lint looks, and pathlib would cost its start-up the import."""
    folder = os.path.realpath(start)
    while True:
        candidate = os.path.join(folder, CONFIG_FILE)
        if os.path.isfile(candidate):
            return candidate
        pyproject = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(pyproject) and _has_lint_table(pyproject):
            return pyproject
        parent = os.path.dirname(folder)
        if os.path.exists(os.path.join(folder, ".git")) or parent == folder:
            return None
        folder = parent


# Text without any of these holds no [tool.mac...] table: `tool.mac` (headers and dotted keys, quoted
# or spaced), a bare [tool] table, or an inline `tool = {`. Most pyproject.toml files are not parsed.
_MAY_HOLD_MAC_TABLE = re.compile(
    r"""tool["']?\s*\.\s*["']?mac\b|^\s*\[\s*["']?tool["']?\s*\]|\btool["']?\s*=\s*\{""", re.MULTILINE
)


def _has_lint_table(pyproject: str) -> bool:
    try:
        with open(pyproject, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return False
    if _MAY_HOLD_MAC_TABLE.search(text) is None:
        return False
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return isinstance(data.get("tool", {}).get("mac", {}).get("lint"), dict)


class _Value:
    """A config value with where it is; a mapping also keeps where each of its keys is."""

    __slots__ = ("at", "data", "keys")

    def __init__(self, data: object, at: Location, keys: Mapping[str, Location] | None = None) -> None:
        self.data, self.at = data, at
        self.keys: Mapping[str, Location] = {} if keys is None else keys


def load_config(path: Path, default_profile: LintProfile) -> LintSettings:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        message = error.strerror if isinstance(error, OSError) else str(error)
        raise InputError(
            [Problem(Location(str(path)), f"cannot read the lint config: {message}", check=CHECK)]
        ) from None
    root = _from_toml(text, str(path)) if path.name == "pyproject.toml" else _from_yaml(text, str(path))
    return _Reader(str(path)).settings(root, path.parent, default_profile)


def _from_yaml(text: str, path: str) -> _Value:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark is not None else Location(path)
        raise InputError(
            [Problem(where, f"the lint config is not YAML: {error.problem}", check=CHECK)]
        ) from None
    if node is None:
        return _Value({}, Location(path, 1, 1))
    return _yaml_value(node, path)


def _yaml_value(node: yaml.Node, path: str) -> _Value:
    import yaml

    at = Location(path, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        items = [(key, value) for key, value in node.value if isinstance(key, yaml.ScalarNode)]
        return _Value(
            {str(key.value): _yaml_value(value, path) for key, value in items},
            at,
            {
                str(key.value): Location(path, key.start_mark.line + 1, key.start_mark.column + 1)
                for key, _ in items
            },
        )
    if isinstance(node, yaml.SequenceNode):
        return _Value([_yaml_value(item, path) for item in node.value], at)
    return _Value(str(node.value), at)


def _from_toml(text: str, path: str) -> _Value:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = f"pyproject.toml is not TOML: {error}"
        raise InputError([Problem(Location(path, 1, 1), message, check=CHECK)]) from None
    table = data.get("tool", {}).get("mac", {}).get("lint")
    lines = text.splitlines()
    header = next(
        (n for n, line in enumerate(lines) if re.match(r"\s*\[\s*tool\s*\.\s*mac\s*\.\s*lint\s*\]", line)), 0
    )

    def locate(key: str) -> Location:
        # tomllib keeps no positions: the first `key =` after the table's header.
        pattern = re.compile(rf'(?:^|[\s{{,"]){re.escape(key)}"?\s*=')
        for number in range(header, len(lines)):
            match = pattern.search(lines[number])
            if match is not None:
                return Location(path, number + 1, lines[number].index(key, match.start()) + 1)
        return Location(path, header + 1, 1)

    def value(data: object, at: Location) -> _Value:
        if isinstance(data, dict):
            keys = {str(key): locate(str(key)) for key in data}
            return _Value({str(k): value(v, keys[str(k)]) for k, v in data.items()}, at, keys)
        if isinstance(data, list):
            return _Value([value(item, at) for item in data], at)
        return _Value(data, at)

    return value(table if isinstance(table, dict) else {}, Location(path, header + 1, 1))


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def fail(self, at: Location, message: str, hint: str = "") -> None:
        self.problems.append(Problem(at, message, hint, CHECK))

    def mapping(self, value: _Value, what: str, known: tuple[str, ...] | None) -> dict[str, _Value]:
        from typing import cast

        if not isinstance(value.data, dict):
            self.fail(value.at, f"{what} must be a mapping")
            return {}
        entries = cast(dict[str, _Value], value.data)
        if known is None:
            return entries
        for key in entries:
            if key not in known:
                import difflib

                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(known)}"
                self.fail(value.keys[key], f"unknown key {key!r} in {what}", hint)
        return {key: entry for key, entry in entries.items() if key in known}

    def string(self, value: _Value, what: str) -> str | None:
        if isinstance(value.data, str) and value.data:
            return value.data
        self.fail(value.at, f"{what} must be a non-empty string")
        return None

    def strings(self, value: _Value, what: str) -> list[str]:
        from typing import cast

        if not isinstance(value.data, list):
            self.fail(value.at, f"{what} must be a list of strings")
            return []
        found = [self.string(item, f"each of {what}") for item in cast(list[_Value], value.data)]
        return [text for text in found if text is not None]

    def choice(self, value: _Value, what: str, choices: tuple[str, ...]) -> str | None:
        text = self.string(value, what)
        if text is not None and text not in choices:
            self.fail(value.at, f"{what} is {text!r}, not one of {', '.join(choices)}")
            return None
        return text

    def check_ids(self, value: _Value, what: str) -> frozenset[str]:
        from typing import cast

        from monitoring.lint.checks import LINT_IDS

        ids = frozenset(self.strings(value, what))
        for item in cast(list[_Value], value.data) if isinstance(value.data, list) else []:
            if isinstance(item.data, str) and item.data not in LINT_IDS:
                self._unknown_check(item.at, item.data, LINT_IDS)
        return ids & LINT_IDS

    def _unknown_check(self, at: Location, check: str, known: frozenset[str]) -> None:
        import difflib

        close = difflib.get_close_matches(check, sorted(known), n=1, cutoff=0.5)
        hint = f"did you mean {close[0]}? " if close else ""
        self.fail(at, f"unknown check id {check!r}", f"{hint}`mac lint --list-checks` shows the ids")

    def settings(self, root: _Value, folder: Path, default_profile: LintProfile) -> LintSettings:
        from typing import cast

        from monitoring.lint.checks import LINT_IDS
        from monitoring.metric_catalog import available_catalogs

        top = self.mapping(root, "the lint config", tuple(KEYS))
        read: dict[str, Callable[[_Value], object]] = {
            "profile": lambda v: self.choice(v, "profile", tuple(LINT_PROFILES)),
            "disable": lambda v: self.check_ids(v, "disable"),
            "severity": lambda v: self._severities(v, LINT_IDS),
            "path_disable": lambda v: tuple(
                (glob, self.check_ids(ids, f"path_disable[{glob!r}]"))
                for glob, ids in self.mapping(v, "path_disable", None).items()
            ),
            "catalogs": lambda v: self._job_catalogs(v, frozenset(available_catalogs()), folder),
            "required_labels": lambda v: frozenset(self.strings(v, "required_labels")),
            "severities": lambda v: tuple(self.strings(v, "severities")),
            "runbook_annotation": lambda v: self.string(v, "runbook_annotation"),
            "scrape_interval": self._scrape_interval,
        }
        values = {key: read[key](value) for key, value in top.items()}
        if self.problems:
            raise InputError(self.problems)
        policy = HousePolicy()
        return LintSettings(
            profile=cast(LintProfile, values.get("profile") or default_profile),
            disable=cast(frozenset[str], values.get("disable", frozenset())),
            severity=cast(dict[str, Severity], values.get("severity", {})),
            path_disable=cast(tuple[tuple[str, frozenset[str]], ...], values.get("path_disable", ())),
            job_catalogs=cast(tuple[JobCatalog, ...], values.get("catalogs", ())),
            policy=HousePolicy(
                cast(frozenset[str], values.get("required_labels", policy.required_labels)),
                cast(tuple[str, ...], values.get("severities", policy.severities)),
                cast(str, values.get("runbook_annotation") or policy.runbook_annotation),
            ),
            scrape_interval_s=cast(float, values.get("scrape_interval") or DEFAULT_SCRAPE_INTERVAL_S),
            root=str(folder),
        )

    def _scrape_interval(self, value: _Value) -> float | None:
        text = self.string(value, "scrape_interval")
        seconds = duration_seconds(text) if text is not None else None
        if text is not None and not seconds:
            self.fail(value.at, f"scrape_interval {text!r} is not a positive duration", "e.g. 30s or 1m")
        return seconds

    def _severities(self, value: _Value, known: frozenset[str]) -> dict[str, Severity]:
        overrides: dict[str, Severity] = {}
        entries = self.mapping(value, "severity", None)
        for check, level in entries.items():
            if check not in known:
                self._unknown_check(value.keys[check], check, known)
            chosen = self.choice(level, f"severity of {check}", SEVERITIES)
            if chosen is not None:
                overrides[check] = SEVERITIES[SEVERITIES.index(chosen)]
        return overrides

    def _job_catalogs(self, value: _Value, available: frozenset[str], folder: Path) -> tuple[JobCatalog, ...]:
        from typing import cast

        if not isinstance(value.data, list):
            self.fail(value.at, "catalogs must be a list of {job or job_regex, catalogs}")
            return ()
        found: list[JobCatalog] = []
        for item in cast(list[_Value], value.data):
            entry = self.mapping(item, "a catalogs entry", _CATALOG_KEYS)
            if ("job" in entry) == ("job_regex" in entry):
                self.fail(item.at, "a catalogs entry names exactly one of job and job_regex")
                continue
            if "catalogs" not in entry:
                self.fail(item.at, "a catalogs entry lists its catalogs")
                continue
            listed = entry["catalogs"]
            self.strings(listed, "catalogs")
            names = [
                self._catalog(name.data, name.at, available, folder)
                for name in (cast(list[_Value], listed.data) if isinstance(listed.data, list) else [])
                if isinstance(name.data, str)
            ]
            job = self.string(entry["job"], "job") if "job" in entry else None
            pattern = self._regex(entry["job_regex"]) if "job_regex" in entry else None
            if job is not None or pattern is not None:
                found.append(JobCatalog(job, pattern, tuple(names)))
        return tuple(found)

    def _catalog(self, name: str, at: Location, available: frozenset[str], folder: Path) -> str:
        """A bundled catalog's name, or the path (relative to the config's folder) of a catalog file."""
        if "/" not in name and not name.endswith(".txt"):
            if name not in available:
                self.fail(
                    at,
                    f"unknown catalog {name!r}",
                    f"the bundled ones are {', '.join(sorted(available))}; a path names a catalog file",
                )
            return name
        path = folder / name
        if not path.is_file():
            self.fail(at, f"catalog file {path} does not exist")
        return str(path)

    def _regex(self, value: _Value) -> re.Pattern[str] | None:
        text = self.string(value, "job_regex")
        if text is None:
            return None
        try:
            return re.compile(text)
        except re.error as error:
            self.fail(value.at, f"job_regex {text!r} is not a regular expression: {error}")
            return None
