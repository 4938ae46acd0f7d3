"""What a kind declares, in one place: every piece is set explicitly (None or () for "none").

Pieces that need grafanalib or boto3 (alarm presets, boards, overview rows) are import paths
("module:attribute") resolved on first use (monitoring/lazy.py), so validate and lint never load
them. `tests/test_kinds.py` walks the registry and resolves every one of them.
"""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from monitoring.model import Service, Settings
from monitoring.naming import fill_template, target_labels
from monitoring.problems import Problem

if TYPE_CHECKING:
    from monitoring.inventory.loader import Document, NodePath

ScrapeJob = dict[str, Any]

# Units a threshold name may carry, as its last words or, for counted things, as a word of it
# (max_keys_without_ttl). Ratios lie in 0..1 and percents in 0..100.
UNITS = frozenset(
    {
        "seconds",
        "bytes",
        "megabytes",
        "percent",
        "ratio",
        "per_second",
        "per_hour",
        "per_cpu",
        "connections",
        "partitions",
        "messages",
        "keys",
        "sessions",
        "executions",
    }
)
_UNIT_MAXIMUM = {"ratio": 1.0, "percent": 100.0}


class KindSpecError(ValueError):
    """A kind declaration that contradicts itself: a bug in monitoring/kinds/, never user input."""


class UnknownThreshold(LookupError):
    """A pack, preset or board names a threshold its kind does not declare."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class ThresholdSpec:
    """One threshold: the unit is a word of its name; min/max_ says which side alerts."""

    name: str
    default: float
    unit: str
    description: str
    minimum: float = 0
    maximum: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if not self.name.startswith(("max_", "min_")):
            problems.append("its name must start with max_ or min_")
        if self.unit not in UNITS:
            problems.append(f"unit {self.unit!r} is not one of {', '.join(sorted(UNITS))}")
        elif f"_{self.unit}_" not in f"{self.name}_":
            problems.append(f"its name must carry its unit {self.unit!r}")
        if self.unit in _UNIT_MAXIMUM and self.maximum != _UNIT_MAXIMUM[self.unit]:
            problems.append(f"a {self.unit} needs maximum={_UNIT_MAXIMUM[self.unit]:g}")
        upper = float("inf") if self.maximum is None else self.maximum
        if not self.minimum <= self.default <= upper:
            problems.append(f"default {self.default:g} lies outside its bounds")
        if not self.description.endswith("."):
            problems.append("its description must be a sentence")
        if problems:
            raise KindSpecError(f"threshold {self.name!r}: {'; '.join(problems)}")

    def schema(self) -> dict[str, Any]:
        fragment: dict[str, Any] = {
            "type": "number",
            "minimum": self.minimum,
            "description": self.description,
        }
        if self.maximum is not None:
            fragment["maximum"] = self.maximum
        fragment["default"] = self.default
        return fragment


@dataclass(frozen=True)
class ExporterSpec:
    """settings.prometheus.exporters.<kind>.address: where the kind's exporter runs.

    per_service: the address is a template, `{name}` replaced by the service name (one exporter
    per service); otherwise it is one host:port shared by every service (multi-target mode).
    """

    program: str
    description: str
    default_address: str
    per_service: bool

    def schema(self) -> dict[str, Any]:
        address: dict[str, Any] = (
            {
                "$ref": "#/$defs/host_port_template",
                "description": "host:port template; {name} is the service name.",
            }
            if self.per_service
            else {"$ref": "#/$defs/host_port", "description": f"host:port of the shared {self.program}."}
        )
        address["default"] = self.default_address
        return {
            "type": "object",
            "additionalProperties": False,
            "description": self.description,
            "properties": {"address": address},
        }


@dataclass(frozen=True)
class KindCheck:
    """A semantic check the kind owns: `run` gets one schema-valid service (`doc.data` at `path`)
    and returns located problems; `mac validate` reports them under `id` (`group/name`)."""

    id: str
    summary: str
    run: Callable[[Document, NodePath], list[Problem]]


@dataclass(frozen=True)
class BoardSpec:
    """A board of the fleet folder: `build` ("module:function", called with the inventory and
    `args`), the datasource type it queries, and its panels that show no data until traffic."""

    name: str
    build: str
    datasource: Literal["prometheus", "cloudwatch"]
    no_data_until_traffic: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class OverviewSpec:
    """The kind's row on each domain overview: "module:attribute" of a row builder
    (inventory, kind, services) -> cells, and the datasource type it queries."""

    row: str
    datasource: Literal["prometheus", "cloudwatch"]


# Every piece a kind must declare itself; the base class gives none of them a default.
PIECES = (
    "name",
    "title",
    "description",
    "fields",
    "required",
    "thresholds",
    "exporter",
    "catalogs",
    "jobs",
    "checks",
    "alarms",
    "boards",
    "overview",
    "rule_pack",
)


class Kind(ABC):
    name: ClassVar[str]
    title: ClassVar[str]
    # The schema description of a service of this kind.
    description: ClassVar[str]
    # JSON Schema properties of the kind's own fields (the common ones are added), and which of
    # them are required.
    fields: ClassVar[Mapping[str, Any]]
    required: ClassVar[tuple[str, ...]]
    thresholds: ClassVar[tuple[ThresholdSpec, ...]]
    exporter: ClassVar[ExporterSpec | None]
    # Metric catalogs (monitoring/catalog/<name>.txt) of the exporters this kind is scraped with.
    catalogs: ClassVar[tuple[str, ...]]
    # Values of the Prometheus `job` label of this kind's targets; () when it is not scraped.
    jobs: ClassVar[tuple[str, ...]]
    checks: ClassVar[tuple[KindCheck, ...]]
    # "module:function" of its CloudWatch alarm presets, (service, settings) -> [AlarmPreset].
    alarms: ClassVar[str | None]
    boards: ClassVar[tuple[BoardSpec, ...]]
    overview: ClassVar[OverviewSpec | None]
    # Its rule pack, relative to the repository: "rules/<kind>.yaml".
    rule_pack: ClassVar[str | None]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        missing = [piece for piece in PIECES if not hasattr(cls, piece)]
        if missing:
            raise KindSpecError(
                f"kind {cls.__name__} does not declare {', '.join(missing)} (use None or () for none)"
            )
        names = [t.name for t in cls.thresholds]
        if len(set(names)) != len(names):
            raise KindSpecError(f"kind {cls.name!r} declares a threshold twice")

    @property
    def threshold_defaults(self) -> Mapping[str, float]:
        return {t.name: t.default for t in self.thresholds}

    @property
    def threshold_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.thresholds)

    def threshold(self, name: str, stacklevel: int = 1) -> ThresholdSpec:
        """The threshold `name`; an unknown one raises UnknownThreshold naming the caller's line
        (`stacklevel` frames up, as in warnings.warn) and the kind's thresholds."""
        found = next((t for t in self.thresholds if t.name == name), None)
        if found is None:
            frame = sys._getframe(stacklevel)
            where = f"{frame.f_code.co_filename}:{frame.f_lineno}: "
            raise UnknownThreshold(
                f"{where}kind {self.name!r} has no threshold {name!r}; "
                f"its thresholds: {', '.join(self.threshold_names)}"
            )
        return found

    def exporter_address(self, settings: Settings, service_name: str = "") -> str:
        """The exporter's host:port for one service: the inventory's setting, else the default."""
        if self.exporter is None:
            raise KindSpecError(f"kind {self.name!r} declares no exporter")
        template = settings.prometheus.exporters.get(self.name, self.exporter.default_address)
        return fill_template(template, {"name": service_name}) if self.exporter.per_service else template

    @abstractmethod
    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> Service:
        """The kind's service dataclass from validated raw fields plus the merged common ones."""

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        """Scrape jobs of the kind's services; kinds with `jobs` override it (the registry test
        holds them to it)."""
        return []

    def owners(self, service: Service) -> Mapping[str, str]:
        """Values of its pack's `owner_label` that the service gives to another domain: value ->
        owning domain (a Kafka consumer group's owner). Alerts on them go to that domain."""
        return {}


def static_job(
    job: str, services: Sequence[Service], settings: Settings, address: Any, **extra: Any
) -> ScrapeJob:
    """A static_configs job with one target group per service, carrying the standard labels."""
    groups = [
        {"targets": [address(s)], "labels": {**target_labels(s, settings), "instance": s.name}}
        for s in sorted(services, key=lambda s: s.name)
    ]
    return scrape_job(job, groups, settings, **extra)


def scrape_job(job: str, groups: list[dict[str, Any]], settings: Settings, **extra: Any) -> ScrapeJob:
    job_config: ScrapeJob = {"job_name": job, **extra, "static_configs": groups}
    if settings.prometheus.basic_auth_password_file:
        job_config["basic_auth"] = {
            "username": "prometheus",
            "password_file": settings.prometheus.basic_auth_password_file,
        }
    return job_config


def multi_target_relabeling(exporter: str) -> list[dict[str, Any]]:
    """One exporter serves every target: the target goes in ?target=, the exporter is dialled."""
    return [
        {"source_labels": ["__address__"], "target_label": "__param_target"},
        {"target_label": "__address__", "replacement": exporter},
    ]


def label_replacements(labels: Mapping[str, str]) -> list[dict[str, Any]]:
    """Relabel steps setting fixed labels on discovered targets (which have no static labels)."""
    return [
        {"target_label": name, "replacement": value, "action": "replace"}
        for name, value in sorted(labels.items())
    ]
