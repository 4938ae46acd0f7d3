""" "Did you mean ...?" for an unknown metric name: cheap, and only when a candidate is plausibly meant.

Plausible is one typo away (a character dropped, added, replaced, or two neighbours swapped) or the
same name with a unit/type suffix added or dropped (`_total`, `_seconds`, ...). Typos are found through
an index of every candidate's one-character deletions, built once per collection: a lookup costs a few
dict probes, whatever the number of catalog names.
"""

from __future__ import annotations

from collections.abc import Collection

_SUFFIXES = (
    "_total",
    "_seconds",
    "_seconds_total",
    "_bytes",
    "_bytes_total",
    "_info",
    "_ratio",
    "_count",
    "_sum",
    "_bucket",
)
# id(collection) -> (the collection, kept so its id stays its own; deletion variant -> candidates)
_INDEXES: dict[int, tuple[Collection[str], dict[str, list[str]]]] = {}


def _variants(name: str) -> set[str]:
    """`name` and every string one character deletion away from it."""
    return {name, *(name[:i] + name[i + 1 :] for i in range(len(name)))}


def _index(candidates: Collection[str]) -> dict[str, list[str]]:
    cached = _INDEXES.get(id(candidates))
    if cached is not None and cached[0] is candidates:
        return cached[1]
    index: dict[str, list[str]] = {}
    for candidate in sorted(candidates):
        for variant in _variants(candidate):
            index.setdefault(variant, []).append(candidate)
    _INDEXES[id(candidates)] = (candidates, index)
    return index


def one_typo_apart(a: str, b: str) -> bool:
    """Whether `b` is `a` with one character dropped, added or replaced, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    if len(a) != len(b):
        shorter, longer = (a, b) if len(a) < len(b) else (b, a)
        return shorter[start:] == longer[start + 1 :]
    if a[start + 1 :] == b[start + 1 :]:
        return True
    return a[start] == b[start + 1] and a[start + 1] == b[start] and a[start + 2 :] == b[start + 2 :]


def closest_name(name: str, candidates: Collection[str]) -> str | None:
    """The candidate `name` most plausibly stands for, or None when none is close enough to suggest."""
    for suffix in _SUFFIXES:
        if name + suffix in candidates:
            return name + suffix
        if name.endswith(suffix) and name[: -len(suffix)] in candidates:
            return name[: -len(suffix)]
    index = _index(candidates)
    found = {c for variant in _variants(name) for c in index.get(variant, ()) if one_typo_apart(name, c)}
    return min(found) if found else None
