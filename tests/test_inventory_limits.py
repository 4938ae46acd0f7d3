"""Input limits and odd values: each is exit 2 with file:line:col, never a crash, never a huge echo."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from monitoring.inventory import loader
from monitoring.inventory.loader import ECHO_LIMIT, load_documents
from monitoring.inventory.validate import strict_pattern
from monitoring.problems import InputError
from tests.helpers import MAC, REPO

MINIMAL = REPO / "tests" / "fixtures" / "inventory" / "valid" / "minimal" / "inventory.yaml"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_documents(path)
    return [str(p) for p in caught.value.problems]


def invoke(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output.splitlines()


def test_file_larger_than_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * (loader.MAX_FILE_BYTES // 10) + "x: 1\n")
    assert problems_of(big) == [f"{big}:1:1: file is larger than 10 MiB: split the inventory over files"]


def test_inventory_larger_than_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(MINIMAL, tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text("# " + "x" * 400 + "\n")
    monkeypatch.setattr(loader, "MAX_INVENTORY_BYTES", 500)
    assert problems_of(tmp_path)[0].endswith("b.yaml:1:1: the inventory is larger than 0 MiB")


def test_more_services_than_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = MINIMAL.read_text()
    extra = "".join(
        f"  - kind: redis\n    name: cache-{n}\n    domain: shop\n    endpoint: cache-{n}.example.com:6379\n"
        for n in range(3)
    )
    (tmp_path / "inventory.yaml").write_text(text + extra)
    monkeypatch.setattr(loader, "MAX_SERVICES", 3)
    monkeypatch.chdir(tmp_path)
    code, lines = invoke("--inventory", ".")
    # The fourth service (line 22) is the first beyond the limit.
    assert (code, lines[0]) == (
        2,
        "inventory.yaml:22:5: error: the inventory declares more than 3 services, the limit"
        " [inventory/limits]",
    )


def test_the_service_limit_leaves_room_for_large_fleets() -> None:
    assert loader.MAX_SERVICES >= 50_000


def test_more_files_than_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(4):
        shutil.copy(MINIMAL, tmp_path / f"{n}.yaml")
    monkeypatch.setattr(loader, "MAX_FILES", 3)
    assert problems_of(tmp_path) == [f"{tmp_path}:1:1: the inventory holds more than 3 files, the limit"]


@pytest.mark.parametrize("depth", [1, loader.MAX_DEPTH])
def test_nesting_up_to_the_limit_loads(tmp_path: Path, depth: int) -> None:
    (tmp_path / "deep.yaml").write_text("[" * depth + "]" * depth + "\n")
    [document] = load_documents(tmp_path)
    assert isinstance(document.data, list)


def test_nesting_beyond_the_limit(tmp_path: Path) -> None:
    depth = loader.MAX_DEPTH + 1
    (tmp_path / "deep.yaml").write_text("[" * depth + "]" * depth + "\n")
    assert problems_of(tmp_path) == [
        f"{tmp_path / 'deep.yaml'}:1:{depth}: invalid YAML: nesting deeper than {loader.MAX_DEPTH} levels"
    ]


def test_very_deep_nesting_does_not_crash_the_process(tmp_path: Path) -> None:
    # ruamel's C composer recurses per level and overflows the C stack (SIGSEGV) around 100,000.
    (tmp_path / "inventory.yaml").write_text("services: " + "[" * 200_000 + "\n")
    result = subprocess.run(
        [*MAC, "validate", "--inventory", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stdout[-500:]
    assert "nesting deeper than 64 levels" in result.stdout.splitlines()[0]


def test_block_nesting_beyond_the_limit(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("- " * 100 + "x\n")
    assert "nesting deeper than 64 levels" in problems_of(tmp_path)[0]


def test_control_character_location_counts_characters_not_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("a: 1\nb: é€😀\x01\n", encoding="utf-8")
    assert problems_of(tmp_path) == [
        f"{tmp_path / 'a.yaml'}:2:7: invalid YAML: unacceptable character #x0001: "
        "control characters are not allowed"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9223372036854775807", None),
        ("-9223372036854775808", None),
        ("9223372036854775808", "integer '9223372036854775808' is out of range"),
        ("0x" + "f" * 17, "is out of range"),
        ("!!float 1e999", "'1e999' is not a finite number"),
        ("-.inf", "'-.inf' is not a finite number"),
        ("!!int abc", "cannot read 'abc' as int"),
        ("!!timestamp 2024-13-01", "timestamp"),
        ("2024-02-01 25:00:00", "cannot read '2024-02-01 25:00:00' as timestamp (hour must be in 0..23)"),
    ],
)
def test_odd_scalars(tmp_path: Path, value: str, message: str | None) -> None:
    (tmp_path / "a.yaml").write_text(f"x: {value}\n")
    if message is None:
        [document] = load_documents(tmp_path)
        assert document.data == {"x": int(value)}
        return
    [problem] = problems_of(tmp_path)
    assert problem.startswith(f"{tmp_path / 'a.yaml'}:1:4: invalid value: x: ")
    assert message in problem


def test_bad_values_are_collected_up_to_a_limit(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("x:\n" + "  - .nan\n" * 200)
    found = problems_of(tmp_path)
    assert len(found) == loader.MAX_VALUE_PROBLEMS + 1
    assert found[-1].endswith(
        f"more than {loader.MAX_VALUE_PROBLEMS} bad values; the rest of the file is skipped"
    )


def long_line(lines: list[str], limit: int = 400) -> list[str]:
    return [line for line in lines if len(line) > limit]


def test_long_unknown_key_is_echoed_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An explicit key (`? key`): YAML refuses implicit keys longer than 1024 characters.
    (tmp_path / "inventory.yaml").write_text(MINIMAL.read_text() + "    ? " + "k" * 100_000 + "\n    : 1\n")
    monkeypatch.chdir(tmp_path)
    code, lines = invoke("--inventory", ".")
    assert code == 2
    assert lines[0].startswith("inventory.yaml:14:7: error: service 'cache-a': unknown key 'kkkk")
    assert f"'{'k' * (ECHO_LIMIT - 2)}…" in lines[0] and not long_line(lines)


def test_long_invalid_name_is_echoed_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = MINIMAL.read_text().replace("name: cache-a", "name: " + "A" * 100_000)
    (tmp_path / "inventory.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    code, lines = invoke("--inventory", ".")
    assert code == 2 and lines[0].startswith("inventory.yaml:11:11: error: service 'AAA")
    assert not long_line(lines)


def test_long_value_in_a_generic_schema_message_is_echoed_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A list of 100,000 items where a mapping is expected: jsonschema's message embeds its repr.
    text = MINIMAL.read_text().replace("    endpoint: cache-a.example.internal:6379\n", "")
    (tmp_path / "inventory.yaml").write_text(
        text + "    labels: [" + "1, " * 100_000 + "]\n    endpoint: a:1\n"
    )
    monkeypatch.chdir(tmp_path)
    code, lines = invoke("--inventory", ".")
    assert code == 2 and not long_line(lines), [line[:200] for line in lines]


def test_long_bad_yaml_value_is_echoed_short(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("x: !!float " + "a" * 100_000 + "\n")
    assert not long_line(problems_of(tmp_path))


@pytest.mark.parametrize(
    ("pattern", "strict"),
    [
        ("^a$", r"^a\Z"),
        ("^[a$]$", r"^[a$]\Z"),
        (r"^a\$$", r"^a\$\Z"),
        ("^[]$]$", r"^[]$]\Z"),
        ("^[^]$]$", r"^[^]$]\Z"),
        (r"^[\]$]x$", r"^[\]$]x\Z"),
        ("^(a$|b)$", r"^(a\Z|b)\Z"),
        ("^a", "^a"),
    ],
)
def test_strict_pattern(pattern: str, strict: str) -> None:
    assert strict_pattern(pattern) == strict
