"""Plan and apply CloudWatch alarms against moto (server mode, loopback), as `mac apply` does.

Usage: .venv/bin/python benchmarks/cloudwatch.py [--synthetic-alarms 5000] [--max-calls-per-second 1000]
       .venv/bin/python benchmarks/cloudwatch.py --faults [--seeds 5]

Runs, for the bundled inventory and for a synthetic inventory of about --synthetic-alarms alarms:
plan from empty, apply, and a second plan (which must find nothing). Prints a markdown table of
wall times and AWS requests (counted per operation with a botocore before-send hook), and the
time real AWS would need at the default client limit of 3 PutMetricAlarm calls a second. moto
never throttles, so the benchmark raises the client-side limit (--max-calls-per-second).

--faults puts tests/fault_proxy.py between the client and moto (30% of PutMetricAlarm calls
throttled, 3% of all calls answered 500/503, 3% reset) and counts how many apply runs the bundled
inventory needs until a plan straight against moto finds nothing, once per seed.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from monitoring.aws.apply import Progress, apply_plan  # noqa: E402
from monitoring.aws.calls import Backoff, RateLimiter  # noqa: E402
from monitoring.aws.live import LiveLogGroup  # noqa: E402
from monitoring.aws.plan import GB, MS_PER_DAY, compute_plan  # noqa: E402
from monitoring.aws.render import render_text  # noqa: E402
from monitoring.aws.retention import retention_policy  # noqa: E402
from monitoring.aws.reviewed import load_reviewed  # noqa: E402
from monitoring.aws.session import connect, read_plan  # noqa: E402
from monitoring.generate.cloudwatch import cloudwatch_config, desired_alarms, placement_key  # noqa: E402
from monitoring.inventory.build import load_inventory  # noqa: E402
from monitoring.kinds.mysql import MysqlService  # noqa: E402
from monitoring.model import Inventory  # noqa: E402
from tests.fault_proxy import FaultProxy  # noqa: E402

AWS_PUT_METRIC_ALARM_PER_SECOND = 3.0
ALARMS_PER_MYSQL = 7
# Stored sizes of the fleet report's ten largest slow-query groups (section 6.4.3), in MB.
REPORT_SLOW_QUERY_MB = {
    "aws-luckyus-icyberdata-rw": 3400,
    "aws-luckyus-ldas01-rw": 1400,
    "aws-luckyus-salesmarketing-rw": 668,
    "aws-luckyus-salespayment-rw": 275,
    "aws-luckyus-framework01-rw": 263,
    "aws-luckyus-framework02-rw": 241,
    "aws-luckyus-ipermission-rw": 206,
    "aws-luckyus-iluckyhealth-rw": 193,
    "aws-luckyus-opqualitycontrol-rw": 153,
}
ASSUMED_GROUP_AGE_DAYS = 730


def start_moto(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"moto did not start; see {log}")


def synthetic_inventory(root: Path, alarms: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    services = "".join(
        f"  - kind: mysql\n    name: bench-db-{n:05d}\n    domain: bench\n"
        f"    endpoint: bench-db-{n:05d}.example.internal:3306\n"
        for n in range(-(-alarms // ALARMS_PER_MYSQL))
    )
    (root / "inventory.yaml").write_text(
        "settings:\n  organization: bench\n  environment: bench\n  region: us-east-1\n"
        "  alertmanager:\n    receivers:\n      - name: bench-eng\n"
        "log_retention:\n  claimed_prefixes: [/aws/rds/instance/]\n  default_days: 90\n  rules:\n"
        "    - pattern: /aws/rds/instance/*/slowquery\n      days: 30\n"
        "domains:\n  - name: bench\n    team: bench-eng\n    receiver: bench-eng\n    alarm_topic_arns:\n"
        "      critical: arn:aws:sns:us-east-1:123456789012:bench-critical\n"
        "      warning: arn:aws:sns:us-east-1:123456789012:bench-warning\n"
        f"services:\n{services}"
    )
    return root


def _only_placement(inventory: Inventory) -> str:
    """The benchmark fleets live in one account and region."""
    (placement,) = inventory.placements()
    return placement_key(*placement)


def generated(inventory: Inventory) -> Path:
    """A generated folder holding the inventory's cloudwatch files, as `mac generate -o` writes them."""
    out = Path(tempfile.mkdtemp(prefix="mac-generated-"))
    for artifact in cloudwatch_config(inventory):
        (out / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (out / artifact.path).write_bytes(artifact.render())
    return out


def run(label: str, inventory_path: Path, endpoint: str, rate: float) -> str:
    inventory = load_inventory(inventory_path)
    out = generated(inventory)
    clients = connect(inventory.settings.region, endpoint, placement=_only_placement(inventory))
    for service in inventory.services_of("mysql", MysqlService)[:51]:
        clients.logs.create_log_group(logGroupName=service.slow_query_log_group)
    clients.requests.clear()
    backoff = Backoff()
    timings, calls = [], []
    for step in ("plan", "apply", "plan again"):
        started = time.perf_counter()
        plan = read_plan(
            inventory,
            load_reviewed(inventory, out),
            clients,
            prune=False,
            now_ms=int(time.time() * 1000),
            backoff=backoff,
            allow_shorten_retention=True,
        )
        if step == "apply":
            total = len(plan.alarm_changes) + len(plan.retention_changes)
            report = apply_plan(
                plan,
                clients.cloudwatch,
                clients.logs,
                limiter=RateLimiter(rate),
                backoff=backoff,
                progress=Progress(total, rate, None),
            )
            assert not report.failures, report.failures
        elif step == "plan again":
            assert not plan.has_changes, render_text(plan)
        timings.append(time.perf_counter() - started)
        calls.append(dict(clients.requests))
        clients.requests.clear()
    alarms = len(desired_alarms(inventory))
    real_minutes = alarms / AWS_PUT_METRIC_ALARM_PER_SECOND / 60
    calls_text = [", ".join(f"{op.split('.')[-1]} {n}" for op, n in sorted(c.items())) for c in calls]
    return (
        f"| {label} | {alarms} | {timings[0]:.1f} s ({calls_text[0]}) | {timings[1]:.1f} s ({calls_text[1]}) "
        f"| {timings[2]:.1f} s ({calls_text[2]}) | {real_minutes:.1f} min |"
    )


def report_cost_example() -> str:
    inventory = load_inventory(REPO / "inventory")
    now_ms = ASSUMED_GROUP_AGE_DAYS * MS_PER_DAY
    groups = [
        LiveLogGroup(f"/aws/rds/instance/{instance}/slowquery", None, size_mb * 1024**2, 0)
        for instance, size_mb in REPORT_SLOW_QUERY_MB.items()
    ]
    plan = compute_plan(
        inventory.settings,
        "us-east-1",
        desired_alarms(inventory),
        [],
        retention_policy(inventory),
        groups,
        prune=False,
        now_ms=now_ms,
        allow_shorten_retention=True,
    )
    cost = plan.cost()
    stored_gb = sum(REPORT_SLOW_QUERY_MB.values()) / 1024
    return (
        f"Bundled inventory from empty: {cost.alarms_added} alarms, "
        f"{cost.alarms_usd_per_month:+.2f} USD a month. With the report's nine largest slow-query "
        f"groups ({stored_gb:.1f} GB) assumed {ASSUMED_GROUP_AGE_DAYS} days old, 30-day retention "
        f"expires {cost.expiring_bytes / GB:.1f} GB, -{cost.log_storage_saving_usd_per_month:.2f} USD "
        "a month of storage."
    )


FAULTS = {"throttle_share": 0.30, "server_error_share": 0.03, "reset_share": 0.03}
MAX_RUNS = 10


def runs_under_faults(endpoint: str, seed: int, rate: float) -> str:
    """Apply runs until converged through the fault proxy; one markdown row."""
    inventory = load_inventory(REPO / "inventory")
    reviewed = load_reviewed(inventory, generated(inventory))
    direct = connect(inventory.settings.region, endpoint, placement=_only_placement(inventory))
    for service in inventory.services_of("mysql", MysqlService)[:51]:
        direct.logs.create_log_group(logGroupName=service.slow_query_log_group)
    proxy = FaultProxy(endpoint, seed=seed, **FAULTS).start()
    started = time.perf_counter()
    runs, outcomes, retried = 0, [], Backoff().retried
    try:
        clients = connect(inventory.settings.region, proxy.url, placement=_only_placement(inventory))
        while runs < MAX_RUNS:
            runs += 1
            backoff = Backoff()
            try:
                plan = read_plan(
                    inventory,
                    reviewed,
                    clients,
                    prune=False,
                    now_ms=int(time.time() * 1000),
                    backoff=backoff,
                    allow_shorten_retention=True,
                )
                total = len(plan.alarm_changes) + len(plan.retention_changes)
                report = apply_plan(
                    plan,
                    clients.cloudwatch,
                    clients.logs,
                    limiter=RateLimiter(rate),
                    backoff=backoff,
                    progress=Progress(total, rate, None),
                )
                outcome = f"{len(report.failures)} failed" + (" (unreachable)" if report.unreachable else "")
            except Exception as error:  # a run that dies (e.g. a read exhausting its attempts) counts
                outcome = f"aborted: {type(error).__name__}"
            retried.update(backoff.retried)
            outcomes.append(outcome)
            check = read_plan(
                inventory,
                reviewed,
                direct,
                prune=False,
                now_ms=int(time.time() * 1000),
                backoff=Backoff(),
                allow_shorten_retention=True,
            )
            if not check.has_changes:
                break
    finally:
        proxy.stop()
    faults = (
        f"{sum(proxy.throttled.values())} throttled, {sum(proxy.server_errors.values())} 5xx, "
        f"{sum(proxy.resets.values())} resets of {sum(proxy.requests.values())} requests"
    )
    retries = ", ".join(f"{n} {kind}" for kind, n in sorted(retried.items()))
    return (
        f"| {seed} | {runs} | {'; '.join(outcomes)} | {faults} | {retries} | "
        f"{time.perf_counter() - started:.1f} s |"
    )


def faults_main(seeds: int, rate: float) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(seeds):
            moto, endpoint = start_moto(Path(tmp) / f"moto-faults-{seed}.log")
            try:
                rows.append(runs_under_faults(endpoint, seed, rate))
            finally:
                moto.terminate()
                moto.wait()
    print(
        "Bundled inventory through the fault proxy (30% PutMetricAlarm throttled, 3% of calls 5xx, "
        f"3% reset), default --max-attempts 8, client limit {rate:g} calls/s.\n"
    )
    print("| seed | apply runs to converge | each run | faults injected | retries | wall |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic-alarms", type=int, default=5000)
    parser.add_argument("--max-calls-per-second", type=float, default=1000.0)
    parser.add_argument("--faults", action="store_true", help="count apply runs under injected faults")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    if args.faults:
        faults_main(args.seeds, args.max_calls_per_second)
        return
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for label, inventory in (
            ("bundled", REPO / "inventory"),
            ("synthetic", synthetic_inventory(Path(tmp) / "synthetic", args.synthetic_alarms)),
        ):
            moto, endpoint = start_moto(Path(tmp) / f"moto-{label}.log")
            try:
                rows.append(run(label, inventory, endpoint, args.max_calls_per_second))
            finally:
                moto.terminate()
                moto.wait()
    print(
        f"Client limit raised to {args.max_calls_per_second:g} calls/s against moto (moto never throttles).\n"
    )
    print("| inventory | alarms | plan from empty | apply | plan again | real AWS at 3 PutMetricAlarm/s |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print(report_cost_example())


if __name__ == "__main__":
    main()
