"""Merging a scan into inventory YAML by ruamel.yaml round trip: what the user wrote (comments, order,
overrides) is loaded and dumped back as it was; discover only appends."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from monitoring.discover.build import (
    DomainRules,
    Existing,
    NewService,
    found_identities,
    new_services,
    retention_changes,
    service_identity,
)
from monitoring.discover.found import KIND_FAMILY, Scan
from monitoring.model import DEFAULT_ACCOUNT, Inventory


def round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    return yaml


@dataclass
class Tree:
    """The inventory's files as round-trip documents; `changed` are written back."""

    root: Path
    documents: dict[Path, CommentedMap] = field(default_factory=dict)
    changed: set[Path] = field(default_factory=set)

    @classmethod
    def load(cls, root: Path, files: Sequence[Path]) -> Tree:
        yaml = round_trip()
        tree = cls(root)
        for path in files:
            document = yaml.load(path.read_text(encoding="utf-8"))
            tree.documents[path] = document if isinstance(document, CommentedMap) else CommentedMap()
        return tree

    def holding(self, key: str) -> Path | None:
        return next((path for path, document in self.documents.items() if key in document), None)

    def services(self) -> Iterator[tuple[Path, CommentedSeq, int, CommentedMap]]:
        for path, document in self.documents.items():
            services = document.get("services")
            if isinstance(services, CommentedSeq):
                for index, entry in enumerate(services):
                    if isinstance(entry, CommentedMap) and "kind" in entry and "name" in entry:
                        yield path, services, index, entry

    def domain_file(self, domain: str) -> Path | None:
        for path, document in self.documents.items():
            for entry in document.get("domains") or []:
                if isinstance(entry, Mapping) and entry.get("name") == domain:
                    return path
        return None

    def write(self) -> list[Path]:
        yaml = round_trip()
        written = sorted(self.changed)
        for path in written:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8") as stream:
                yaml.dump(self.documents[path], stream)
        return written


@dataclass(frozen=True)
class Disappeared:
    path: Path
    line: int
    column: int
    kind: str
    name: str
    account: str
    region: str


@dataclass(frozen=True)
class Outcome:
    added: list[NewService]
    # Services of the inventory the scan saw again.
    kept: int
    disappeared: list[Disappeared]
    retention_rules: list[dict[str, Any]]
    claimed_prefixes: list[str]
    unclaimed_log_groups: int
    settings_added: list[str]


@dataclass(frozen=True)
class Fresh:
    """What a new inventory's settings need that AWS cannot tell."""

    organization: str
    environment: str = "production"
    default_retention_days: int = 30


def _settings(tree: Tree, fresh: Fresh | None, regions: Sequence[str]) -> CommentedMap:
    path = tree.holding("settings")
    if path is not None:
        settings: CommentedMap = tree.documents[path]["settings"]
        return settings
    if fresh is None:
        raise ValueError("an inventory without settings needs the Fresh facts")
    path = tree.root / "settings.yaml" if tree.root.suffix not in (".yaml", ".yml") else tree.root
    document = tree.documents.setdefault(path, CommentedMap())
    document.yaml_set_start_comment("Fleet-wide settings, started by `mac discover`: review every value.")
    settings = CommentedMap(organization=fresh.organization, environment=fresh.environment, region=regions[0])
    document.insert(0, "settings", settings)
    tree.changed.add(path)
    return settings


def _declare_placements(
    settings: CommentedMap, regions: Sequence[str], accounts: Sequence[tuple[str, str, str]]
) -> list[str]:
    """Add the scanned regions and accounts the settings lack; a one-account inventory
    (settings.account_id or nothing) gets its id when it has none."""
    added: list[str] = []
    declared = [settings["region"], *(settings.get("regions") or [])]
    for region in regions:
        if region not in declared:
            settings.setdefault("regions", CommentedSeq()).append(region)
            declared.append(region)
            added.append(f"settings.regions += {region}")
    named = [(name, account_id, role) for name, account_id, role in accounts if name != DEFAULT_ACCOUNT]
    if not named:
        if accounts and accounts[0][1] and "account_id" not in settings and "accounts" not in settings:
            settings["account_id"] = accounts[0][1]
            added.append(f"settings.account_id = {accounts[0][1]}")
        return added
    listed = settings.setdefault("accounts", CommentedSeq())
    known = {entry["name"] for entry in listed}
    for name, account_id, role in named:
        if name in known:
            continue
        entry = CommentedMap(name=name, account_id=account_id)
        if role:
            entry["role_arn"] = role
        listed.append(entry)
        added.append(f"settings.accounts += {name}")
    return added


def _declare_receiver(settings: CommentedMap, receiver: str) -> bool:
    alertmanager = settings.setdefault("alertmanager", CommentedMap())
    receivers = alertmanager.setdefault("receivers", CommentedSeq())
    alertmanager.setdefault("default_receiver", receiver)
    if any(entry.get("name") == receiver for entry in receivers):
        return False
    entry = CommentedMap(name=receiver)
    entry.yaml_add_eol_comment("discovered: add slack_channel, pagerduty_routing_key_file, ...", "name")
    receivers.append(entry)
    return True


def _domain_target(tree: Tree, domain: str) -> tuple[Path, CommentedMap, bool]:
    """The file of the domain (declared there when new) and whether it was new."""
    path = tree.domain_file(domain)
    if path is None:
        path = tree.root if tree.root.suffix in (".yaml", ".yml") else tree.root / f"{domain}.yaml"
    if path not in tree.documents:
        document = CommentedMap()
        document.yaml_set_start_comment(
            f"Domain {domain}, started by `mac discover`: review team and receiver."
        )
        tree.documents[path] = document
    document = tree.documents[path]
    new = tree.domain_file(domain) is None
    if new:
        document.setdefault("domains", CommentedSeq()).append(
            CommentedMap(name=domain, team=domain, receiver=domain)
        )
        tree.changed.add(path)
    return path, document, new


def _existing(
    tree: Tree, model: Inventory | None
) -> tuple[Existing, dict[tuple[str, ...], tuple[Path, CommentedSeq, int, str, str, str]]]:
    placements = (
        {service.name: (service.account.name, service.region) for service in model.services} if model else {}
    )
    identities: dict[tuple[str, ...], str] = {}
    located: dict[tuple[str, ...], tuple[Path, CommentedSeq, int, str, str, str]] = {}
    names: dict[str, str] = {}
    for path, services, index, entry in tree.services():
        name = str(entry["name"])
        names[name] = str(entry["kind"])
        if name not in placements:
            continue
        account, region = placements[name]
        identity = service_identity(str(entry["kind"]), account, region, entry)
        identities[identity] = name
        located[identity] = (path, services, index, str(entry["kind"]), account, region)
    defaults = (
        {domain.name: (domain.account.name, domain.region) for domain in model.domains} if model else {}
    )
    return Existing(names, identities, defaults), located


def merge(
    tree: Tree,
    model: Inventory | None,
    scan: Scan,
    rules: DomainRules,
    *,
    regions: Sequence[str],
    accounts: Sequence[tuple[str, str, str]],
    fresh: Fresh | None,
) -> Outcome:
    """Append to `tree`, in memory (Tree.write writes), what the scan found that it lacks:
    services, their domains and receivers, regions, accounts, log retention families. List what
    it holds that the scan no longer saw."""
    settings = _settings(tree, fresh, regions)
    settings_path = tree.holding("settings")
    assert settings_path is not None
    settings_added = _declare_placements(settings, regions, accounts)
    existing, located = _existing(tree, model)
    default_account = (
        model.settings.accounts[0].name if model else (accounts[0][0] if accounts else DEFAULT_ACCOUNT)
    )
    default_region = model.settings.region if model else regions[0]
    added = new_services(scan.found, scan.instances, rules, existing, (default_account, default_region))
    for service in added:
        path, document, new_domain = _domain_target(tree, service.domain)
        document.setdefault("services", CommentedSeq()).append(CommentedMap(service.entry))
        tree.changed.add(path)
        if new_domain and _declare_receiver(settings, service.domain):
            settings_added.append(f"receiver {service.domain}")
    if settings_added:
        tree.changed.add(settings_path)
    seen = found_identities(scan.found, scan.instances, rules.tags)
    disappeared = []
    for identity, (path, services, index, kind, account, region) in located.items():
        family = KIND_FAMILY.get(kind)
        if family and (account, region, family) in scan.read and identity not in seen:
            line, column = services.lc.item(index)
            disappeared.append(
                Disappeared(path, line + 1, column + 1, kind, str(services[index]["name"]), account, region)
            )
    retention_path = tree.holding("log_retention") or settings_path
    document = tree.documents[retention_path]
    section = document.get("log_retention")
    default_days = fresh.default_retention_days if fresh else 30
    claimed = list(section.get("claimed_prefixes") or []) if section else []
    patterns = [rule["pattern"] for rule in section.get("rules") or []] if section else []
    changes = retention_changes(scan.log_groups, claimed, patterns, default_days)
    if changes.rules:
        if section is None:
            section = CommentedMap(
                claimed_prefixes=CommentedSeq(), default_days=default_days, rules=CommentedSeq()
            )
            document["log_retention"] = section
            document.yaml_set_comment_before_after_key(
                "log_retention",
                before="Log groups of the services found, one rule per family; "
                "claim only prefixes whose groups are all yours.",
            )
        section.setdefault("claimed_prefixes", CommentedSeq()).extend(changes.prefixes)
        section.setdefault("rules", CommentedSeq()).extend(CommentedMap(rule) for rule in changes.rules)
        tree.changed.add(retention_path)
    return Outcome(
        added,
        sum(1 for identity in located if identity in seen),
        sorted(disappeared, key=lambda d: (str(d.path), d.line)),
        changes.rules,
        changes.prefixes,
        changes.unclaimed,
        settings_added,
    )
