"""Fuzz `mac validate` and `mac generate` with mutations of the bundled inventory.

Whatever the input, the exit code is 0, 1 or 2, nothing escapes but SystemExit (no traceback),
and a refused inventory's first message starts with file:line:col naming a real file.
Derandomized and bounded, so CI runs the same examples every time in a few seconds.
"""

from __future__ import annotations

import datetime
import math
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cli.main import cli
from tests.helpers import REPO

BUNDLED = {
    path.name: path.read_text(encoding="utf-8") for path in sorted((REPO / "inventory").glob("*.yaml"))
}
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): ")

# Text that tends to break YAML readers, constructors, validators and generators.
ODD_SCALARS = [
    ".nan",
    ".inf",
    "-.inf",
    "1e400",
    "!!float x",
    "!!bool maybe",
    "!!int 0x",
    "!!binary '#'",
    "!!timestamp x",
    "!!set {a}",
    "!!omap [a: 1]",
    "!!python/name:os.system",
    "2024-02-30",
    "2024-02-01 25:00:00",
    "9" * 5000,
    "9" * 30,
    "-9223372036854775809",
    "0x" + "f" * 40,
    "~",
    "''",
    '"a\\nb"',
    '"x\\0y"',
    '"\\ud800"',
    "&a x",
    "*a",
    "<<",
    "=",
    "[" * 100 + "]" * 100,
    "{" * 80 + "}" * 80,
    "[" * 3000,
    "yes",
    "0o17",
    "1:20",
    "x" * 2000,
    "'" + "y" * 100_000 + "'",
]
TOKENS = [
    *ODD_SCALARS,
    ":",
    ": ",
    "- ",
    "? ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "'",
    '"',
    "|",
    ">-",
    "\n",
    "\n  ",
    "\t",
    "\r",
    "\x00",
    "\x07",
    "\x1b",
    "\ufffe",
    "\ufeff",
    "\u2028",
    "\x85",
    "é",
    "😀",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - x",
]


@contextmanager
def copy_inventory(files: dict[str, str]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="mac-fuzz-") as folder:
        root = Path(folder) / "inventory"
        root.mkdir()
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        yield root


@st.composite
def text_mutations(draw: st.DrawFn) -> dict[str, str]:
    files = dict(BUNDLED)
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(files)))
        text = files[name]
        start = draw(st.integers(0, len(text)))
        end = min(len(text), start + draw(st.integers(0, 40)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "value", "char"]))
        if action == "insert":
            text = text[:start] + draw(st.sampled_from(TOKENS)) + text[start:]
        elif action == "delete":
            text = text[:start] + text[end:]
        elif action == "replace":
            text = text[:start] + draw(st.sampled_from(TOKENS)) + text[end:]
        elif action == "char":
            text = text[:start] + draw(st.characters(codec="utf-8")) + text[start:]
        else:
            # Swap one `key: value` line's value for an odd scalar.
            values = list(re.finditer(r"(?m)^(\s*-?\s*[A-Za-z_]+: )(\S.*)$", text))
            if values:
                match = draw(st.sampled_from(values))
                text = text[: match.start(2)] + draw(st.sampled_from(ODD_SCALARS)) + text[match.end(2) :]
        files[name] = text
    return files


def nested(depth: int) -> list[Any]:
    value: list[Any] = [1]
    for _ in range(depth - 1):
        value = [value]
    return value


ODD_VALUES: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    10**30,
    -(10**19),
    2**63,
    1e308,
    -0.0,
    0,
    -1,
    True,
    None,
    "",
    " ",
    "a\n",
    "x" * 300,
    "A B",
    "../../etc/passwd",
    "h.r",
    "h-r",
    "fleet",
    "{name}",
    "$",
    "\x00",
    "\u2028",
    datetime.date(2024, 2, 1),
    [],
    {},
    nested(70),
    {"a": {"b": {"c": {}}}},
    [None, None],
]


def _nodes(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _nodes(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _nodes(value, (*path, index))


@st.composite
def structural_mutations(draw: st.DrawFn) -> dict[str, str]:
    files = dict(BUNDLED)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(files)))
        data = yaml.safe_load(files[name])
        paths = [p for p in _nodes(data) if p]
        if not paths:
            continue
        path = draw(st.sampled_from(paths))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["set", "delete", "add", "duplicate", "rename"]))
        last = path[-1]
        if action == "set":
            parent[last] = draw(st.sampled_from(ODD_VALUES))
        elif action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "name", "kind", "thresholds", "x" * 200]))] = draw(
                st.sampled_from(ODD_VALUES)
            )
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(parent[last])
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["h.r", "h_r", "fleet", "name", "", "1"]))] = parent.pop(last)
        files[name] = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return files


ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(['"', "'", "\\", "{{ $labels.x }}", "${x}", "%s", "a\nb", "</script>", "é😀", "x" * 500]),
)


@st.composite
def text_value_mutations(draw: st.DrawFn) -> dict[str, str]:
    """Odd but valid free text (titles, descriptions, label values): what reaches the generators."""
    files = dict(BUNDLED)
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(files)))
        data = yaml.safe_load(files[name])
        paths = [p for p in _nodes(data) if p and p[-1] in ("title", "description")]
        items = [p for p in _nodes(data) if len(p) == 2 and p[0] in ("domains", "services")]
        if draw(st.booleans()) and paths:
            path = draw(st.sampled_from(paths))
            target = data
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = draw(ODD_TEXT)
        elif items:
            target = data
            for step in draw(st.sampled_from(items)):
                target = target[step]
            key = draw(st.sampled_from(["description", "labels"]))
            target[key] = draw(ODD_TEXT) if key == "description" else {"tier": draw(ODD_TEXT)}
        files[name] = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return files


FUZZ = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check_run(args: list[str]) -> int:
    result = CliRunner().invoke(cli, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        first = result.stdout.splitlines()[0]
        located = LOCATED.match(first)
        assert located, first[:300]
        assert Path(located["file"]).exists(), first[:300]
        assert int(located["line"]) >= 1 and int(located["col"]) >= 1, first[:300]
    return result.exit_code


@FUZZ
@given(st.one_of(text_mutations(), structural_mutations(), text_value_mutations()))
def test_validate_never_crashes(files: dict[str, str]) -> None:
    with copy_inventory(files) as root:
        event(f"exit {check_run(['validate', '--inventory', str(root)])}")


@settings(FUZZ, max_examples=20)
@given(st.one_of(text_value_mutations(), text_mutations(), structural_mutations()))
def test_generate_never_crashes_and_writes_nothing_on_bad_input(files: dict[str, str]) -> None:
    with copy_inventory(files) as root:
        out = root.parent / "generated"
        code = check_run(["generate", "--serial", "--quiet", "--inventory", str(root), "--out", str(out)])
        event(f"exit {code}")
        assert (code == 0) == out.is_dir()


def test_the_bundled_inventory_is_valid_as_dumped() -> None:
    # The structural mutations start from a safe_dump of the bundled files: that alone must pass.
    files = {name: yaml.safe_dump(yaml.safe_load(text), sort_keys=False) for name, text in BUNDLED.items()}
    with copy_inventory(files) as root:
        assert check_run(["validate", "--inventory", str(root)]) == 0
