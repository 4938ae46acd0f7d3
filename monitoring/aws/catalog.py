"""CloudWatch metric catalogs: per namespace, the metrics AWS publishes, their units and dimensions.

As the exporter catalogs (monitoring/catalog/<exporter>.txt) hold Prometheus names to what
exporters really emit, monitoring/catalog/cloudwatch/<namespace>.txt holds metric names and
dimension sets to what AWS documents. A metric name or dimension set outside it would be an
alarm that stays INSUFFICIENT_DATA (or silently OK) forever. Stdlib only.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog" / "cloudwatch"

# CloudWatch's StandardUnit values the catalogs use.
UNITS = frozenset(
    {
        "Seconds",
        "Milliseconds",
        "Microseconds",
        "Bytes",
        "Megabytes",
        "Bytes/Second",
        "Percent",
        "Count",
        "Count/Second",
        "None",
    }
)

DimensionSet = frozenset[str]

_HEADER = re.compile(r"\[(.+)\]")
_NAMESPACE = re.compile(r"namespace (\S+)")


@dataclass(frozen=True)
class CatalogMetric:
    name: str
    unit: str
    dimension_sets: frozenset[DimensionSet]


@dataclass(frozen=True)
class NamespaceCatalog:
    namespace: str
    metrics: Mapping[str, CatalogMetric]

    def problem(self, metric: str, dimensions: DimensionSet) -> str:
        """Why CloudWatch publishes no `metric` with exactly these dimension names; '' if it does."""
        entry = self.metrics.get(metric)
        if entry is None:
            near = difflib.get_close_matches(metric, self.metrics, n=3)
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            return f"{self.namespace} has no metric {metric!r}{hint}"
        if dimensions not in entry.dimension_sets:
            published = "; ".join(sorted(", ".join(sorted(s)) for s in entry.dimension_sets))
            return (
                f"{self.namespace} publishes {metric} with dimensions {published}, "
                f"not {', '.join(sorted(dimensions)) or 'none'}"
            )
        return ""


def catalog_file(namespace: str) -> Path:
    return CATALOG_DIR / f"{namespace.replace('/', '_').lower()}.txt"


def parse_catalog(text: str, source: str) -> NamespaceCatalog:
    """Parse catalog text; `source` names the file in error messages."""
    namespace = ""
    sets: tuple[DimensionSet, ...] = ()
    units: dict[str, str] = {}
    published: dict[str, set[DimensionSet]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{source}:{number}"
        if not line or line.startswith("#"):
            continue
        if match := _NAMESPACE.fullmatch(line):
            namespace = match.group(1)
            continue
        if match := _HEADER.fullmatch(line):
            sets = tuple(frozenset(d.strip() for d in s.split(",")) for s in match.group(1).split("|"))
            continue
        fields = line.split()
        if len(fields) != 2 or not sets or not namespace:
            raise ValueError(f"{where}: expected '<MetricName> <Unit>' after the namespace and a header")
        name, unit = fields
        if unit not in UNITS:
            raise ValueError(f"{where}: unknown unit {unit!r} (one of {', '.join(sorted(UNITS))})")
        if units.setdefault(name, unit) != unit:
            raise ValueError(f"{where}: {name} was listed with unit {units[name]} before")
        published.setdefault(name, set()).update(sets)
    if not namespace:
        raise ValueError(f"{source}: no `namespace` line")
    metrics = {n: CatalogMetric(n, units[n], frozenset(s)) for n, s in published.items()}
    return NamespaceCatalog(namespace, metrics)


def available_namespaces() -> list[str]:
    return sorted(load_path(path).namespace for path in CATALOG_DIR.glob("*.txt"))


@functools.cache
def load_path(path: Path) -> NamespaceCatalog:
    return parse_catalog(path.read_text(encoding="utf-8"), str(path))


def load_catalog(namespace: str) -> NamespaceCatalog:
    """The catalog of `namespace`, cached; a namespace without one is an error naming those there are."""
    path = catalog_file(namespace)
    if not path.is_file():
        raise ValueError(
            f"no CloudWatch metric catalog for namespace {namespace!r} (expected {path.name}); "
            f"available: {', '.join(available_namespaces())}"
        )
    catalog = load_path(path)
    if catalog.namespace != namespace:
        raise ValueError(f"{path}: catalog of {catalog.namespace!r}, expected {namespace!r}")
    return catalog
