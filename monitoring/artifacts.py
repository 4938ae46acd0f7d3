"""Generated files as data, and their one deterministic serialization."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from monitoring.naming import GENERATED_HEADER
from monitoring.problems import Location

# json-entries: a JSON object with one compact, key-sorted member per line, for large mappings
# (C encoder instead of indent=2's pure-Python one; diffs by entry).
Format = Literal["yaml", "json", "json-entries", "text"]

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's C emitter when built with it
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Artifact:
    """One output file: path relative to the output folder (posix), its data and format."""

    path: str
    data: Any
    format: Format
    # The input file a passthrough artifact copies after its header: findings are reported there.
    source: str = ""
    # YAML: comment lines written after the generated header (without their "# ").
    comments: tuple[str, ...] = ()
    # A rule file: the scrape interval of the Prometheus evaluating it, for its lint (promql/rate-window).
    scrape_interval_s: float | None = None

    def render(self) -> bytes:
        """The file's bytes, rendered once: checks that locate findings and the writer share them."""
        cached: bytes | None = self.__dict__.get("_rendered")
        if cached is None:
            cached = self._render()
            object.__setattr__(self, "_rendered", cached)
        return cached

    def location(self, *needles: str) -> Location:
        """The path and line of the first needle found in the rendered file (the file itself if none)."""
        data = self.render()
        for needle in needles:
            offset = data.find(needle.encode())
            if offset >= 0:
                return Location(self.path, data.count(b"\n", 0, offset) + 1)
        return Location(self.path)

    def _render(self) -> bytes:
        if self.format == "yaml":
            body = yaml.dump(
                self.data,
                Dumper=_Dumper,
                sort_keys=False,
                default_flow_style=False,
                width=1000,
                allow_unicode=True,
            )
            comments = "".join(f"# {line}\n" for line in self.comments)
            return f"# {GENERATED_HEADER}\n{comments}{body}".encode()
        if self.format == "json":
            return (json.dumps(self.data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
        if self.format == "json-entries":
            encode = _COMPACT_JSON.encode
            entries = b",\n".join(
                f"  {encode(key)}: {encode(value)}".encode() for key, value in sorted(self.data.items())
            )
            return b"{\n" + entries + b"\n}\n" if entries else b"{}\n"
        text = str(self.data)
        return (text if text.endswith("\n") else text + "\n").encode()
