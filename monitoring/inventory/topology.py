"""settings.prometheus.global_store: which URLs each store type takes, and the store the model holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, cast

from monitoring.inventory.loader import Document, NodePath, shown
from monitoring.model import Datasource, GlobalStore, RulerType, Settings, StoreType
from monitoring.naming import stable_uid
from monitoring.problems import Problem

CHECK = "inventory/global-store"
_URL_KEYS = ("url", "insert_url", "select_url", "write_url", "read_url")
URLS_OF_TYPE: dict[str, tuple[str, ...]] = {
    "victoriametrics": ("url",),
    "victoriametrics-cluster": ("insert_url", "select_url"),
    "remote-write": ("write_url", "read_url"),
}
REMOTE_WRITE_PATH = "/api/v1/write"


def global_store(raw: Mapping[str, Any]) -> GlobalStore:
    """The store with its write and read URLs resolved from its type (already validated)."""
    store_type = cast(StoreType, raw["type"])
    ruler = cast(RulerType, raw.get("ruler", "vmalert"))
    if store_type == "victoriametrics":
        base = raw["url"].rstrip("/")
        return GlobalStore(store_type, base + REMOTE_WRITE_PATH, base, base, ruler)
    if store_type == "victoriametrics-cluster":
        insert = raw["insert_url"].rstrip("/")
        return GlobalStore(
            store_type, insert + REMOTE_WRITE_PATH, raw["select_url"].rstrip("/"), insert, ruler
        )
    return GlobalStore(store_type, raw["write_url"], raw["read_url"].rstrip("/"), raw["write_url"], ruler)


def with_global_store(settings: Settings, datasources: tuple[Datasource, ...]) -> tuple[Datasource, ...]:
    """The datasources, the global store's first when there is one (and Grafana is used): boards
    default to it, so they see the whole fleet rather than one shard's slice. It becomes the default
    datasource when the default was a Prometheus one."""
    store = settings.prometheus.global_store
    if store is None or not datasources:
        return datasources
    default = next((d for d in datasources if d.is_default), None)
    takes_default = default is None or default.type == "prometheus"
    entry = Datasource(
        name="global store",
        uid=stable_uid("global-store", settings.prometheus.cluster),
        type="prometheus",
        url=store.read_url,
        is_default=takes_default,
        purpose=f"every Prometheus of {settings.prometheus.cluster} remote-writes here ({store.type})",
    )
    others = tuple(dataclasses.replace(d, is_default=False) if takes_default else d for d in datasources)
    return (entry, *others)


def topology_problems(documents: list[Document]) -> list[Problem]:
    """A global store names exactly the URLs of its type."""
    problems: list[Problem] = []
    for doc in documents:
        store = doc.data.get("settings", {}).get("prometheus", {}).get("global_store")
        if store is None:
            continue
        path: NodePath = ("settings", "prometheus", "global_store")
        wanted = URLS_OF_TYPE[store["type"]]
        problems += [
            Problem(
                doc.location(path),
                f"global_store of type {shown(store['type'])} needs {key}",
                f"a {store['type']} store takes {' and '.join(wanted)}",
                CHECK,
            )
            for key in wanted
            if key not in store
        ]
        problems += [
            Problem(
                doc.location((*path, key)),
                f"global_store of type {shown(store['type'])} takes no {key}",
                f"a {store['type']} store takes {' and '.join(wanted)}",
                CHECK,
            )
            for key in _URL_KEYS
            if key in store and key not in wanted
        ]
    return problems
