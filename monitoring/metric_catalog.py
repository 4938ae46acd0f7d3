"""Catalogs of the metric names each exporter really emits, with their types.

Files live in monitoring/catalog/<exporter>.txt, one `<name> <type>` per line,
optionally followed by the word `conditional` for series that only appear on
some fleets (replicas, particular states). Lines starting with `#` are comments.
Stdlib only: this module is on the lint's fast import path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
METRIC_TYPES = frozenset({"counter", "gauge", "histogram", "summary", "untyped"})
CONDITIONAL = "conditional"
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


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    type: str
    conditional: bool


def parse_catalog(text: str, source: str) -> dict[str, CatalogEntry]:
    """Parse catalog text; `source` names the file in error messages."""
    entries: dict[str, CatalogEntry] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        where = f"{source}:{number}"
        if len(fields) not in (2, 3) or (len(fields) == 3 and fields[2] != CONDITIONAL):
            raise ValueError(f"{where}: expected '<metric_name> <type> [{CONDITIONAL}]', got {raw!r}")
        name, kind = fields[0], fields[1]
        if not _METRIC_NAME.fullmatch(name):
            raise ValueError(f"{where}: invalid metric name {name!r}")
        if kind not in METRIC_TYPES:
            raise ValueError(f"{where}: unknown type {kind!r} (one of {', '.join(sorted(METRIC_TYPES))})")
        if name in entries:
            raise ValueError(f"{where}: duplicate metric name {name!r}")
        entries[name] = CatalogEntry(name, kind, len(fields) == 3)
    return entries


def available_catalogs() -> list[str]:
    return sorted(path.stem for path in CATALOG_DIR.glob("*.txt"))


@functools.cache
def load_catalog(exporter: str) -> dict[str, CatalogEntry]:
    """The catalog of `exporter`, cached: callers must not mutate the returned dict."""
    path = CATALOG_DIR / f"{exporter}.txt"
    if not _CATALOG_NAME.fullmatch(exporter) or not path.is_file():
        raise ValueError(f"no metric catalog {exporter!r}; available: {', '.join(available_catalogs())}")
    return parse_catalog(path.read_text(encoding="utf-8"), str(path))


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
