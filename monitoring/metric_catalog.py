"""Catalogs of the metric names each exporter really emits, with their types.

Files live in monitoring/catalog/<exporter>.txt, one `<name> <type>` per line,
optionally followed by the word `conditional` for series that only appear on
some fleets (replicas, particular states), and by `since=<version>` for series
only exporters newer than the catalog's own version emit. Lines starting with `#`
are comments; the header line `# version: <version>` names the exporter version the
catalog was captured from: the version we support.
Stdlib only: this module is on the lint's fast import path.
"""

from __future__ import annotations

import functools
import os
import re
from collections import namedtuple
from collections.abc import Iterable, Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple

# A path as text: pathlib would cost the lint's start-up its import.
CATALOG_DIR = os.path.join(os.path.dirname(os.path.realpath(__file__)), "catalog")
METRIC_TYPES = frozenset({"counter", "gauge", "histogram", "summary", "untyped"})
CONDITIONAL = "conditional"
SINCE = "since="
VERSION_HEADER = "# version: "
# Series Prometheus adds to every scrape target; metric_type() always consults them.
SYNTHETIC_CATALOG = "prometheus_synthetic"
HAND_ADDED_MARKER = "# ---- hand-added"

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_CATALOG_NAME = re.compile(r"[a-z0-9_]+")
_SUFFIX_FAMILY_TYPES: tuple[tuple[str, frozenset[str]], ...] = (
    ("_bucket", frozenset({"histogram"})),
    ("_sum", frozenset({"histogram", "summary"})),
    ("_count", frozenset({"histogram", "summary"})),
)


# A named tuple, not a dataclass: every lint run makes one per catalog line (2,400). collections'
# namedtuple at run time: typing.NamedTuple makes the same class, but imports typing.
if TYPE_CHECKING:

    class CatalogEntry(NamedTuple):
        name: str
        type: str
        conditional: bool
        # The first exporter version that emits the series, when it is newer than the catalog's.
        since: str | None = None

else:
    CatalogEntry = namedtuple("CatalogEntry", ("name", "type", "conditional", "since"), defaults=(None,))


def version_key(version: str) -> tuple[int, ...]:
    """ "0.11.1" -> (0, 11, 1); packaging suffixes ("1.45.0-2+b4", "2.x") end the comparison."""
    numbers = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(n) for n in numbers.group(0).split(".")) if numbers else ()


def parse_catalog(text: str, source: str) -> dict[str, CatalogEntry]:
    """Parse catalog text; `source` names the file in error messages."""
    entries: dict[str, CatalogEntry] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        since = fields.pop()[len(SINCE) :] if len(fields) > 2 and fields[-1].startswith(SINCE) else None
        if (
            len(fields) not in (2, 3)
            or (len(fields) == 3 and fields[2] != CONDITIONAL)
            or (since is not None and not version_key(since))
        ):
            at = f"{source}:{number}"
            raise ValueError(
                f"{at}: expected '<metric_name> <type> [{CONDITIONAL}] [{SINCE}<version>]', got {raw!r}"
            )
        name, kind = fields[0], fields[1]
        if not _METRIC_NAME.fullmatch(name):
            raise ValueError(f"{source}:{number}: invalid metric name {name!r}")
        if kind not in METRIC_TYPES:
            at = f"{source}:{number}"
            raise ValueError(f"{at}: unknown type {kind!r} (one of {', '.join(sorted(METRIC_TYPES))})")
        if name in entries:
            raise ValueError(f"{source}:{number}: duplicate metric name {name!r}")
        entries[name] = CatalogEntry(name, kind, len(fields) == 3, since)
    return entries


def parse_version(text: str) -> str | None:
    """The `# version: ` header of catalog text: the exporter version it was captured from."""
    for line in text.splitlines():
        if line.startswith(VERSION_HEADER):
            return line[len(VERSION_HEADER) :].split()[0].rstrip(";")
    return None


def available_catalogs() -> list[str]:
    return sorted(name.removesuffix(".txt") for name in os.listdir(CATALOG_DIR) if name.endswith(".txt"))


@functools.cache
def load_catalog(exporter: str) -> dict[str, CatalogEntry]:
    """The catalog of `exporter`, cached: callers must not mutate the returned dict."""
    path = os.path.join(CATALOG_DIR, f"{exporter}.txt")
    if not _CATALOG_NAME.fullmatch(exporter) or not os.path.isfile(path):
        raise ValueError(f"no metric catalog {exporter!r}; available: {', '.join(available_catalogs())}")
    with open(path, encoding="utf-8") as lines:
        return parse_catalog(lines.read(), path)


@functools.cache
def catalog_version(exporter: str) -> str | None:
    """The exporter version `exporter`'s catalog was captured from (its `# version:` header)."""
    load_catalog(exporter)
    with open(os.path.join(CATALOG_DIR, f"{exporter}.txt"), encoding="utf-8") as lines:
        return parse_version(lines.read())


def unsupported(exporter: str, entry: CatalogEntry) -> bool:
    """Whether the supported exporter version (the catalog's) never emits `entry`."""
    version = catalog_version(exporter)
    return entry.since is not None and version is not None and version_key(version) < version_key(entry.since)


def metric_type(name: str, exporters: Iterable[str]) -> str | None:
    """Type of `name` in the first of `exporters` (then Prometheus' synthetic series) that lists it."""
    for exporter in [*exporters, SYNTHETIC_CATALOG]:
        entry = load_catalog(exporter).get(name)
        if entry is not None:
            return entry.type
    return None


def parse_exposition(text: str) -> dict[str, str]:
    """Sample name -> family type from Prometheus text exposition (`# TYPE` lines).

    Histogram and summary samples (`_bucket`, `_sum`, `_count`) get their family's
    type; a sample with no `# TYPE` for it or its family is untyped.
    """
    family_types: dict[str, str] = {}
    names: set[str] = set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            fields = line.split()
            if len(fields) >= 4 and fields[1] == "TYPE":
                family_types[fields[2]] = fields[3]
            continue
        match = _METRIC_NAME.match(line)
        if match is None:
            raise ValueError(f"not a sample line: {raw!r}")
        names.add(match.group(0))
    return {name: _sample_type(name, family_types) for name in names}


def _sample_type(name: str, family_types: Mapping[str, str]) -> str:
    if name in family_types:
        return family_types[name]
    for suffix, kinds in _SUFFIX_FAMILY_TYPES:
        if name.endswith(suffix):
            family = family_types.get(name[: -len(suffix)])
            if family in kinds:
                return family
    return "untyped"
