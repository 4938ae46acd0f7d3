"""Rate windows follow the scrape interval: four scrapes, at least the pack's window, the same name
in the recording rule, the alerts and the boards that read it; an interval no window fits is a
located inventory error."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from monitoring.generate.rules import rule_files
from monitoring.inventory.build import load_inventory
from monitoring.rate_window import duration_seconds, rate_window, rate_window_words
from monitoring.rule_packs import load_pack
from tests.helpers import REPO, promtool_test_failures, run_mac
from tests.servers import tool

INTERVAL_SETTING = re.compile(r"^(\s*scrape_interval_seconds:) \d+$", re.MULTILINE)
PROMETHEUS_SETTINGS = re.compile(r"^(  prometheus:)$", re.MULTILINE)
SLOW_SECONDS = 180


@pytest.mark.parametrize(
    ("interval", "least", "window"),
    [
        (5, "5m", "5m"),
        (60, "5m", "5m"),
        (75, "5m", "5m"),
        (76, "5m", "6m"),
        (100, "5m", "7m"),
        (150, "5m", "10m"),
        (180, "5m", "12m"),
        (180, "10m", "12m"),
        (120, "10m", "10m"),
        (600, "5m", "40m"),
        (900, "5m", "1h"),
        (900, "2h", "2h"),
        (30, "1h", "1h"),
    ],
)
def test_the_window_is_four_scrapes_or_the_packs_whichever_is_longer(
    interval: int, least: str, window: str
) -> None:
    assert rate_window(interval, least) == window


@pytest.mark.parametrize("least", ["5", "5x", "0m", "90s", "1d", ""])
def test_a_least_window_is_whole_minutes_or_hours(least: str) -> None:
    with pytest.raises(ValueError, match="not a window"):
        rate_window(60, least)


@pytest.mark.parametrize(
    ("window", "words"),
    [
        ("1m", "1 minute"),
        ("10m", "10 minutes"),
        ("12m", "12 minutes"),
        ("90m", "90 minutes"),
        ("1h", "1 hour"),
        ("2h", "2 hours"),
        ("1d", "1 day"),
    ],
)
def test_alert_texts_spell_the_window_in_words(window: str, words: str) -> None:
    assert rate_window_words(window) == words


@pytest.mark.parametrize("window", ["30s", "90s", "5", ""])
def test_alert_texts_name_whole_minutes_only(window: str) -> None:
    with pytest.raises(ValueError, match="whole minutes"):
        rate_window_words(window)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h30m", 5400), ("1d", 86400), ("2w", 1209600), ("500ms", 0.5)],
)
def test_fixed_windows_are_read_in_any_unit(text: str, seconds: float) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "m5", "5M", "1h 30m", "${rate_window}"])
def test_a_fixed_window_that_is_not_a_duration(text: str) -> None:
    assert duration_seconds(text) is None


def test_a_finding_on_a_windowed_record_points_at_its_template() -> None:
    pack = load_pack("node")
    [template] = [r for r in pack.recording_rules if "${rate_window}" in r.record]
    for window in ("5m", "12m", "1h"):
        assert pack.source(template.record.replace("${rate_window}", window)) == template.location
    assert pack.source(template.record.replace("${rate_window}", "fast")) is None


def _inventory(
    tmp_path: Path, interval: int, source: Path = REPO / "inventory", settings_file: str = "settings.yaml"
) -> Path:
    """An inventory (by default the bundled one: every kind and SLOs) scraped every `interval` s."""
    folder = tmp_path / f"{source.name}-{interval}"
    shutil.copytree(source, folder)
    settings = folder / settings_file
    text = settings.read_text(encoding="utf-8")
    text, found = INTERVAL_SETTING.subn(rf"\1 {interval}", text)
    if not found:
        text, found = PROMETHEUS_SETTINGS.subn(rf"\1\n    scrape_interval_seconds: {interval}", text)
    assert found == 1, f"{settings} has no settings.prometheus"
    settings.write_text(text, encoding="utf-8")
    return folder


def _rendered(inventory: Path) -> dict[str, bytes]:
    return {a.path: a.render() for a in rule_files(load_inventory(inventory))}


@pytest.mark.parametrize("interval", [30, 60, 75])
def test_up_to_75_s_the_rules_are_the_default_ones(tmp_path: Path, interval: int) -> None:
    default = _rendered(REPO / "inventory")
    assert _rendered(_inventory(tmp_path, interval)) == default
    assert b"[5m]" in default["prometheus/rules/redis.rules.yml"]


@pytest.fixture(scope="module")
def slow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`mac generate` of the inventory scraped every 3m: its output passed every generated check."""
    base = tmp_path_factory.mktemp("slow")
    out = base / "generated"
    done = run_mac("generate", "--inventory", str(_inventory(base, SLOW_SECONDS)), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_every_rate_window_spans_four_scrapes(slow: Path) -> None:
    rules = "".join(p.read_text() for p in sorted((slow / "prometheus" / "rules").glob("*.yml")))
    windows = re.findall(r"\b(?:rate|irate|increase|deriv)\([^\[]*\[(\d+)([mhd])\]", rules)
    minutes = {int(amount) * {"m": 1, "h": 60, "d": 1440}[unit] for amount, unit in windows}
    assert minutes and min(minutes) == 4 * SLOW_SECONDS // 60, minutes
    assert "[5m]" not in rules and "[10m]" not in rules


def test_mac_lint_of_the_generated_rules_is_clean(slow: Path) -> None:
    done = run_mac("lint", "--out", str(slow))
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_accepts_the_rules_and_their_unit_tests(slow: Path) -> None:
    rules = sorted(str(p) for p in (slow / "prometheus" / "rules").glob("*.yml"))
    checked = subprocess.run([tool("promtool"), "check", "rules", *rules], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert not promtool_test_failures(sorted((slow / "prometheus" / "tests").glob("*.yml")))


@pytest.mark.parametrize("interval", [600, 900])
def test_unit_tests_wait_for_longer_windows_to_fill(tmp_path: Path, interval: int) -> None:
    out = tmp_path / "generated"
    done = run_mac("generate", "--inventory", str(_inventory(tmp_path, interval)), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert not promtool_test_failures(sorted((out / "prometheus" / "tests").glob("*.yml")))


def test_recording_rules_and_their_readers_name_the_real_window(slow: Path) -> None:
    rules = "".join(p.read_text() for p in (slow / "prometheus" / "rules").glob("*.yml"))
    recorded = set(re.findall(r"record: (\S+:rate\w+)", rules))
    assert recorded and all(name.endswith(":rate12m") for name in recorded), recorded
    boards = "".join(p.read_text() for p in (slow / "grafana").rglob("*.json"))
    read = set(re.findall(r"[a-z_]+:[a-z_]+:rate\w+", rules + boards))
    assert read <= recorded | {n for n in read if n.startswith("slo:")}, read - recorded
    assert ":rate5m" not in rules + boards
    assert "slo:sli_error:ratio_rate12m" in rules and "slo:sli_error:ratio_rate5m" not in rules


def test_sharded_servers_and_the_global_ruler_read_the_same_windows(tmp_path: Path) -> None:
    sharded = REPO / "tests" / "fixtures" / "inventory" / "valid" / "sharded-vm"
    out = tmp_path / "generated"
    inventory = _inventory(tmp_path, SLOW_SECONDS, sharded, "inventory.yaml")
    done = run_mac("generate", "--inventory", str(inventory), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    rules = "".join(p.read_text() for p in sorted(out.rglob("*.rules.yml")))
    assert "[12m]" in rules and "[5m]" not in rules
    linted = run_mac("lint", "--out", str(out))
    assert linted.returncode == 0, linted.stdout + linted.stderr


def _resampled(values: str, factor: int) -> str:
    """A counter `start+stepxN` sampled `factor` times less often over the same span."""
    match = re.fullmatch(r"(\d+)\+(\d+)x(\d+)", values)
    assert match, f"not a steady counter: {values}"
    start, step, steps = map(int, match.groups())
    return f"{start}+{step * factor}x{-(-steps // factor)}"


def _firing_case_at_scrape_interval(out: Path, alert: str) -> dict[str, object]:
    """The generated test that `alert` fires, its counters sampled every 3m instead of every
    minute, rules evaluated every 30 s: mostly between scrapes, as on a real server."""
    generated = yaml.safe_load((out / "prometheus" / "tests" / "redis.test.yml").read_text())
    case = next(
        t
        for t in generated["tests"]
        if t["alert_rule_test"][0]["alertname"] == alert and t["alert_rule_test"][0]["exp_alerts"]
    )
    factor = SLOW_SECONDS // 60
    series = [{**s, "values": _resampled(s["values"], factor)} for s in case["input_series"]]
    # Checked at a scrape: the window then ends on a sample and rate() is exact, as the value the
    # annotations quote is.
    [check] = case["alert_rule_test"]
    minutes = int(check["eval_time"].removesuffix("m"))
    at_scrape = {**check, "eval_time": f"{-(-minutes // factor) * factor}m"}
    return {**case, "interval": f"{SLOW_SECONDS}s", "input_series": series, "alert_rule_test": [at_scrape]}


def _promtool_test(folder: Path, rules: Path, case: dict[str, object]) -> subprocess.CompletedProcess[str]:
    test = folder / "sampled.test.yml"
    test.write_text(
        yaml.safe_dump({"rule_files": [str(rules)], "evaluation_interval": "30s", "tests": [case]}),
        encoding="utf-8",
    )
    return subprocess.run([tool("promtool"), "test", "rules", str(test)], capture_output=True, text=True)


def test_an_alert_fires_on_series_scraped_every_3m(slow: Path, tmp_path: Path) -> None:
    case = _firing_case_at_scrape_interval(slow, "RedisEvictions")
    done = _promtool_test(tmp_path, slow / "prometheus" / "rules" / "redis.rules.yml", case)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_old_5m_window_misses_that_alert(slow: Path, tmp_path: Path) -> None:
    case = _firing_case_at_scrape_interval(slow, "RedisEvictions")
    rules = (slow / "prometheus" / "rules" / "redis.rules.yml").read_text().replace("[12m]", "[5m]")
    fixed = tmp_path / "redis.rules.yml"
    fixed.write_text(rules, encoding="utf-8")
    done = _promtool_test(tmp_path, fixed, case)
    assert done.returncode == 1 and "got:[]" in done.stdout + done.stderr, done.stdout + done.stderr


def test_an_interval_no_window_fits_is_a_located_error(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path, 1200)
    out = tmp_path / "generated"
    done = run_mac("generate", "--inventory", str(inventory), "--out", str(out))
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr
    line = next(
        number
        for number, text in enumerate((inventory / "settings.yaml").read_text().splitlines(), 1)
        if "scrape_interval_seconds" in text
    )
    located = rf"settings\.yaml:{line}:\d+: error: .*1200 s is longer than 15m"
    assert re.search(located, done.stdout), done.stdout
    assert "[inventory/scrape-interval]" in done.stdout and not out.exists()
