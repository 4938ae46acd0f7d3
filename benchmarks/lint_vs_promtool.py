"""`mac lint` against `promtool check rules`, as whole processes, on the same files, side by side.

(a) every file of the hand-written corpus (tests/fixtures/lint-corpus/valid/), one file per run, and
the whole corpus at once; (b) the generated rules of the bundled inventory; (c) a synthetic file of
10,000 rules built from the exporters' metric catalogs (benchmarks/out/, git-ignored). promtool reads
plain rule files only, so a PrometheusRule resource is timed against promtool on its `spec`. Both
commands of a row are timed in one hyperfine invocation when hyperfine is installed (else by
alternating repeated runs here); figures are medians. Writes the tables into benchmarks/README.md
under "## Lint vs promtool".

    .venv/bin/python benchmarks/lint_vs_promtool.py [--runs N] [--file-runs N]
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
README = ROOT / "benchmarks" / "README.md"
HEADING = "## Lint vs promtool"
SYNTHETIC_RULES = 10_000
MAC = str(ROOT / ".venv" / "bin" / "mac")
CORPUS = ROOT / "tests" / "fixtures" / "lint-corpus" / "valid"

# (job, gauge metric, counter metric) pairs the synthetic rules cycle through.
SERIES = (
    ("redis", "redis_memory_used_bytes", "redis_keyspace_hits_total"),
    ("redis", "redis_connected_clients", "redis_evicted_keys_total"),
    ("mysql", "mysql_global_status_threads_connected", "mysql_global_status_slow_queries"),
    ("postgresql", "pg_stat_activity_count", "pg_stat_database_deadlocks"),
    ("node", "node_load1", "node_cpu_seconds_total"),
)


def synthetic_rules(count: int) -> str:
    """`count` rules in groups of 100: each group one recording rule and alerts on it and on raw series."""
    lines = ["groups:"]
    for index in range(count):
        job, gauge, counter = SERIES[index % len(SERIES)]
        if index % 100 == 0:
            lines += [f"  - name: synthetic-{index // 100:03d}", "    rules:"]
        if index % 10 == 0:
            lines += [
                f"      - record: service:synthetic_{index}:rate5m",
                f'        expr: sum by (service, domain, team, env) (rate({counter}{{job="{job}"}}[5m]))',
            ]
            continue
        lines += [
            f"      - alert: Synthetic{index}",
            "        expr: max by (service, domain, team, env)"
            f' ({gauge}{{job="{job}", service!=""}}) > {index}',
            "        for: 5m",
            "        labels:",
            "          severity: warning",
            f'          threshold: "{index}"',
            "        annotations:",
            f'          summary: "{{{{ $labels.service }}}} {gauge} is {{{{ $value | humanize }}}}"',
            f"          description: {gauge} of {{{{ $labels.service }}}} has been above {index} for 5m.",
            f"          runbook_url: https://runbooks.example/{job}#Synthetic{index}",
        ]
    return "\n".join(lines) + "\n"


def must_pass(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(
            f"{' '.join(argv[:3])} ... failed ({done.returncode}):\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )


CRASHED = -1


def lint_exit(argv: list[str]) -> tuple[int, str]:
    """mac lint's exit code, CRASHED on a traceback (Python exits 1 then, like for findings);
    0 or 1 is a full run worth timing. With it the last line of stderr, to say why."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    last_line = (done.stderr.strip().splitlines() or [""])[-1]
    return (CRASHED if "Traceback (most recent call last)" in done.stderr else done.returncode), last_line


def outcome(code: int) -> str:
    return "crashed" if code == CRASHED else f"exited {code}"


def medians(argvs: list[list[str]], runs: int) -> list[float]:
    """Median wall time of each command, measured in the same run so load affects them alike."""
    if shutil.which("hyperfine"):
        export = OUT / "hyperfine.json"
        subprocess.run(
            [
                "hyperfine",
                "--shell=none",
                "--ignore-failure",
                "--warmup",
                "2",
                "--runs",
                str(runs),
                "--export-json",
                str(export),
                *(shlex.join(argv) for argv in argvs),
            ],
            check=True,
            capture_output=True,
        )
        return [float(result["median"]) for result in json.loads(export.read_text())["results"]]
    samples: list[list[float]] = [[] for _ in argvs]
    for _ in range(runs):
        for argv, into in zip(argvs, samples, strict=True):
            started = time.perf_counter()
            subprocess.run(argv, capture_output=True, check=False)
            into.append(time.perf_counter() - started)
    return [statistics.median(times) for times in samples]


def promtool_input(path: Path) -> Path:
    """The file promtool can read: a PrometheusRule resource's spec, else the file itself."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return path
    if not isinstance(document, dict) or document.get("kind") != "PrometheusRule":
        return path
    spec = OUT / "corpus-specs" / path.name
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(yaml.safe_dump(document["spec"], sort_keys=False), encoding="utf-8")
    return spec


def rule_count(path: Path) -> int:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    groups = document["spec"]["groups"] if document.get("kind") == "PrometheusRule" else document["groups"]
    return sum(len(group["rules"]) for group in groups)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def row(label: str, lint_s: float, promtool_s: float, target: float | None) -> str:
    ratio = lint_s / promtool_s
    verdict = "" if target is None else ("met" if ratio < target else "MISSED")
    goal = "" if target is None else f"< {target}"
    return f"| {label} | {ms(lint_s)} | {ms(promtool_s)} | {ratio:.2f} | {goal} | {verdict} |"


def corpus_rows(promtool: str, runs: int) -> tuple[list[str], list[str]]:
    """Per-file rows, and the summary rows: per-file median, worst file, whole corpus at once."""
    per_file: list[str] = []
    ratios: list[tuple[float, str]] = []
    failed: list[str] = []
    files = sorted(CORPUS.glob("*.y*ml"))
    for path in files:
        lint_argv = [MAC, "lint", str(path)]
        promtool_argv = [promtool, "check", "rules", str(promtool_input(path))]
        must_pass(promtool_argv)
        code, last_line = lint_exit(lint_argv)
        if code not in (0, 1):
            failed.append(f"`{path.name}` ({outcome(code)}: {last_line})")
            per_file.append(f"| {path.name} | {rule_count(path)} | lint {outcome(code)} | | |")
            print(per_file[-1])
            continue
        lint_s, promtool_s = medians([lint_argv, promtool_argv], runs)
        ratios.append((lint_s / promtool_s, path.name))
        timing = f"{ms(lint_s)} | {ms(promtool_s)} | {lint_s / promtool_s:.2f}"
        per_file.append(f"| {path.name} | {rule_count(path)} | {timing} |")
        print(per_file[-1])
    summary: list[str] = []
    if ratios:
        median_ratio = statistics.median(r for r, _ in ratios)
        worst_ratio, worst_file = max(ratios)
        summary += [
            f"| corpus, per-file median ratio ({len(ratios)} of {len(files)} files) | | | "
            f"{median_ratio:.2f} | < 1.5 | {'met' if median_ratio < 1.5 else 'MISSED'} |",
            f"| corpus, worst file (`{worst_file}`) | | | {worst_ratio:.2f} | < 3.0 "
            f"| {'met' if worst_ratio < 3.0 else 'MISSED'} |",
        ]
    whole_lint = [MAC, "lint", str(CORPUS)]
    whole_promtool = [promtool, "check", "rules", *(str(promtool_input(p)) for p in files)]
    code, last_line = lint_exit(whole_lint)
    rules = sum(rule_count(p) for p in files)
    if code in (0, 1):
        lint_s, promtool_s = medians([whole_lint, whole_promtool], runs)
        summary.append(row(f"corpus at once ({len(files)} files, {rules} rules)", lint_s, promtool_s, None))
    else:
        failed.append(f"the corpus directory ({outcome(code)}: {last_line})")
    if failed:
        summary.append(f"| not timed, lint failed on {'; '.join(failed)} | | | | | |")
    return per_file, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per command on the large inputs")
    parser.add_argument("--file-runs", type=int, default=10, help="runs per command on each corpus file")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    synthetic = OUT / "synthetic-10000.rules.yml"
    synthetic.write_text(synthetic_rules(SYNTHETIC_RULES))
    generated = sorted(str(p) for p in (ROOT / "generated" / "prometheus" / "rules").glob("*.rules.yml"))
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    per_file, rows = corpus_rows(promtool, args.file_runs)
    promtool_small_s = 0.0
    # The generated rules as `mac lint` reads them with no FILES (the house profile, the generated
    # config's scrape interval, mixins at correctness); the synthetic file as FILES.
    for label, lint_argv, files, target in (
        (
            f"generated rules ({len(generated)} files)",
            [MAC, "lint", "-o", str(ROOT / "generated")],
            generated,
            1.5,
        ),
        (f"synthetic, {SYNTHETIC_RULES:,} rules", [MAC, "lint", str(synthetic)], [str(synthetic)], 0.5),
    ):
        promtool_argv = [promtool, "check", "rules", *files]
        must_pass(promtool_argv)
        code, last_line = lint_exit(lint_argv)
        if code != 0:
            rows.append(f"| {label}: not timed, lint {outcome(code)} ({last_line}) | | | | < {target} | |")
            print(rows[-1])
            continue
        lint_s, promtool_s = medians([lint_argv, promtool_argv], args.runs)
        promtool_small_s = promtool_small_s or promtool_s
        rows.append(row(label, lint_s, promtool_s, target))
        print(rows[-1])
    python = str(ROOT / ".venv" / "bin" / "python")
    # What every `mac lint` imports before its own code: re (the console script) and promql-parser.
    [floor_s] = medians([[python, "-c", "import re, promql_parser"]], args.runs)
    startup = (
        "The floor: the interpreter with re and promql-parser imported (`mac lint` starts without "
        f"click, cli/entry.py, or PyYAML for block-style files), before any lint code, takes {ms(floor_s)}, "
        f"{floor_s / promtool_small_s:.2f}x promtool's whole run on the generated rules; every small "
        "input pays it."
    )
    print(startup)
    section = "\n".join(
        [
            HEADING,
            "",
            "`.venv/bin/python benchmarks/lint_vs_promtool.py` (2 shared cores; whole processes, both "
            "commands of a row timed in one hyperfine run, medians of "
            f"{args.file_runs} runs per corpus file and {args.runs} on the large inputs): `mac lint FILES` "
            "(no config, so the correctness profile for FILES; the house profile for the generated rules) "
            "against Debian's `promtool check rules FILES`. Ratio = mac lint / promtool. The corpus is "
            "tests/fixtures/lint-corpus/valid/ (hand-written, every file accepted by promtool; a "
            "PrometheusRule resource is timed against promtool on its `spec`).",
            "",
            "| input | mac lint | promtool check rules | ratio | target | |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            startup,
            "",
            "Per corpus file:",
            "",
            "| file | rules | mac lint | promtool check rules | ratio |",
            "|---|---|---|---|---|",
            *per_file,
            "",
        ]
    )
    write_section(section)


def write_section(section: str) -> None:
    text = README.read_text() if README.exists() else ""
    if HEADING in text:
        before, rest = text.split(HEADING, 1)
        following = rest.find("\n## ")
        text = before + section + (rest[following + 1 :] if following >= 0 else "")
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    README.write_text(text)


if __name__ == "__main__":
    main()
