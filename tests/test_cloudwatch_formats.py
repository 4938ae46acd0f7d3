"""plan/apply in the github and sarif formats: the plan as problems located in the reviewed artifact."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from cli.cloudwatch import plan_problems
from cli.reporters import REPORTERS, Report
from monitoring.artifacts import Artifact
from monitoring.generate.cloudwatch import ALARMS_PATH, desired_alarms
from monitoring.inventory.build import load_inventory
from monitoring.problems import Location
from tests.helpers import REPO
from tests.test_cloudwatch_plan import FLEET, live, plan_for

SARIF_REQUIRED = REPO / "tests" / "fixtures" / "sarif-2.1.0-required.schema.json"


def test_pending_changes_and_conflicts_point_at_the_alarm_lines(tmp_path: Path) -> None:
    fleet = load_inventory(FLEET)
    wanted = desired_alarms(fleet)
    artifact = Artifact(ALARMS_PATH, wanted, "json-entries")
    (tmp_path / "cloudwatch").mkdir()
    (tmp_path / ALARMS_PATH).write_bytes(artifact.render())
    taken, *_ = sorted(wanted)
    plan = plan_for(fleet, [live(wanted[taken], tags={})])
    problems = plan_problems(plan, tmp_path)
    [conflict] = [p for p in problems if p.check == "cloudwatch/conflict"]
    line = artifact.location(f'"{taken}": ').line
    assert line > 1 and conflict.location == Location(str(tmp_path / ALARMS_PATH), line)
    pending = [p for p in problems if p.check == "cloudwatch/pending-change"]
    assert pending and all(p.severity == "info" and p.line > 1 for p in pending if "alarm" in p.message)
    log = json.loads(REPORTERS["sarif"](Report(problems, ("cloudwatch",), "the plan")))
    validator = Draft202012Validator(json.loads(SARIF_REQUIRED.read_text("utf-8")))
    assert [e.message for e in validator.iter_errors(log)] == []
    assert {r["level"] for r in log["runs"][0]["results"]} == {"error", "note"}
    github = REPORTERS["github"](Report(problems, ("cloudwatch",), "the plan")).splitlines()
    assert sum(line.startswith("::error ") for line in github) == 1
    assert sum(line.startswith("::notice ") for line in github) == len(pending)
