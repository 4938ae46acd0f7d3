"""`mac init`: the scaffolded repository works as written: its Makefile targets, its CI steps and
its pre-commit hooks run against this checkout's mac, and it never overwrites what is there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from cli.main import cli
from monitoring.inventory.build import load_inventory
from monitoring.inventory.schema import schema_text
from monitoring.scaffold import SCHEMA_FILE, TEMPLATES
from tests.aws_fixtures import MotoServer
from tests.servers import tool

MAC_BIN = Path(sys.executable).with_name("mac")
SCAFFOLDED = [target for _, target in TEMPLATES] + [SCHEMA_FILE]


def init(*args: str) -> Result:
    return CliRunner().invoke(cli, ["init", *args])


def run(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """A shell command as CI or pre-commit runs it: `mac` and `promtool` found on PATH."""
    path = os.pathsep.join([str(MAC_BIN.parent), str(Path(tool("promtool")).parent), os.environ["PATH"]])
    return subprocess.run(
        command,
        shell=True,
        cwd=cwd,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("init") / "acme-monitoring"
    result = init(str(root), "--region", "eu-west-1", "--account-id", "111122223333")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="module")
def made(repo: Path) -> Path:
    """The repository after its `make generate` and `make lint`, with MAC naming this checkout's mac."""
    for target in ("generate", "lint"):
        done = subprocess.run(
            ["make", target, f"MAC={MAC_BIN}"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"make {target}:\n{done.stdout}{done.stderr}"
    return repo


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_init_writes_every_file(repo: Path) -> None:
    assert sorted(str(path.relative_to(repo)) for path in repo.rglob("*") if path.is_file()) == sorted(
        SCAFFOLDED
    )


def test_make_generate_and_lint_succeed(made: Path) -> None:
    rules = list((made / "generated" / "prometheus" / "rules").glob("*.rules.yml"))
    tests = list((made / "generated" / "prometheus" / "tests").glob("*.test.yml"))
    assert rules and tests
    assert list((made / "generated" / "grafana" / "dashboards").rglob("*.json"))
    assert (made / "generated" / "cloudwatch" / "alarms.json").is_file()


def test_make_check_and_test_pass_on_the_generated_output(made: Path) -> None:
    promtool = tool("promtool")
    for target in ("check", "test"):
        done = subprocess.run(
            ["make", target, f"MAC={MAC_BIN}", f"PROMTOOL={promtool}"],
            cwd=made,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"make {target}:\n{done.stdout}{done.stderr}"
    assert "SUCCESS" in done.stdout


def test_make_check_fails_when_the_inventory_changes(made: Path, tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    subprocess.run(["cp", "-a", str(made), str(copy)], check=True)
    example = copy / "inventory" / "example.yaml"
    example.write_text(
        example.read_text(encoding="utf-8").replace("example-db", "orders-db"), encoding="utf-8"
    )
    done = subprocess.run(
        ["make", "check", f"MAC={MAC_BIN}"], cwd=copy, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "stale" in done.stderr


def test_inventory_validates_with_the_values_given(repo: Path) -> None:
    model = load_inventory(repo / "inventory")
    assert model.settings.organization == "acme-monitoring"
    assert model.settings.region == "eu-west-1"
    assert {service.domain for service in model.services} <= {domain.name for domain in model.domains}
    assert model.services


def test_inventory_files_point_editors_at_the_schema(repo: Path) -> None:
    assert (repo / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text()
    for path in (repo / "inventory").glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target == (repo / SCHEMA_FILE).resolve(), path


def test_workflow_parses_and_its_steps_pass(made: Path) -> None:
    workflow = load_yaml(made / ".github" / "workflows" / "monitoring.yml")
    steps = workflow["jobs"]["monitoring"]["steps"]
    runs = {step["name"]: step["run"] for step in steps if "run" in step and "if" not in step}
    assert "pip install" in runs.pop("Install mac and promtool")
    commands = list(runs.values())
    assert commands == [
        "make validate FORMAT=github",
        "make check FORMAT=github",
        "make lint FORMAT=github",
        "make test",
    ]
    assert [step["if"] for step in steps if "if" in step] == ["github.event_name == 'pull_request'"]
    makefile = (made / "Makefile").read_text(encoding="utf-8")
    assert "$(MAC) validate" in makefile and "$(MAC) generate --check" in makefile
    assert "$(MAC) lint" in makefile and "$(PROMTOOL) test rules" in makefile
    for name, command in runs.items():
        done = run(command, made)
        assert done.returncode == 0, f"{name}:\n{done.stdout}{done.stderr}"


def test_pull_request_step_summarises_the_monitoring_diff(made: Path, tmp_path: Path) -> None:
    workflow = load_yaml(made / ".github" / "workflows" / "monitoring.yml")
    steps = workflow["jobs"]["monitoring"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0  # the base branch is fetched
    (command,) = [step["run"] for step in steps if step.get("if") == "github.event_name == 'pull_request'"]
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-a", str(made), str(repo)], check=True)
    identity = {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "ci",
        "GIT_AUTHOR_EMAIL": "ci@example.com",
        "GIT_COMMITTER_NAME": "ci",
        "GIT_COMMITTER_EMAIL": "ci@example.com",
    }
    for git in (
        "git init -q",
        "git add -A",
        "git commit -qm base",
        "git update-ref refs/remotes/origin/main HEAD",
    ):
        assert run(git, repo, **identity).returncode == 0, git
    example = repo / "inventory" / "example.yaml"
    example.write_text(
        example.read_text(encoding="utf-8") + "    thresholds: {max_cpu_percent: 70}\n", encoding="utf-8"
    )
    assert run("git commit -qam 'example-db: CPU at 70%'", repo, **identity).returncode == 0
    summary = tmp_path / "step-summary.md"
    done = run(command, repo, GITHUB_BASE_REF="main", GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == 0, done.stdout + done.stderr
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### Monitoring changes\n")
    assert "| CloudWatch alarms | 0 | 0 | 1 |" in text and "Threshold: `80` -> `70`" in text


def test_pre_commit_hooks_run_mac_validate_and_generate_check(made: Path) -> None:
    config = load_yaml(made / ".pre-commit-config.yaml")
    hooks = [hook for repo in config["repos"] if repo["repo"] == "local" for hook in repo["hooks"]]
    assert [hook["entry"] for hook in hooks] == ["mac validate", "mac generate --check"]
    for hook in hooks:
        assert hook["language"] == "system" and hook["pass_filenames"] is False
        done = run(hook["entry"], made)
        assert done.returncode == 0, f"{hook['id']}:\n{done.stdout}{done.stderr}"


def test_make_plan_apply_then_plan_shows_nothing(moto: MotoServer, tmp_path: Path) -> None:
    assert init(str(tmp_path), "--organization", "acme").exit_code == 0  # moto's own account id
    aws = f"AWS_FLAGS=--endpoint-url={moto.url}"
    steps = (
        ["generate"],
        ["plan", f"{aws} --detailed-exitcode"],
        ["apply", aws, "APPLY_FLAGS=--yes"],
        ["plan", f"{aws} --detailed-exitcode"],
    )
    codes = []
    for target, *variables in steps:
        done = subprocess.run(
            ["make", target, f"MAC={MAC_BIN}", *variables],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        codes.append(done.returncode)
    # The first plan has changes pending (mac exits 1, so make 2); after apply there are none.
    assert codes == [0, 2, 0, 0], done.stdout + done.stderr
    assert "No changes" in done.stdout


def test_refuses_to_overwrite_and_lists_what_is_there(tmp_path: Path) -> None:
    assert init(str(tmp_path), "--organization", "acme").exit_code == 0
    makefile = tmp_path / "Makefile"
    makefile.write_text("# ours\n", encoding="utf-8")
    (tmp_path / "README.md").unlink()

    refused = init(str(tmp_path), "--organization", "acme")
    assert refused.exit_code == 2
    listed = [line.strip() for line in refused.output.splitlines() if line.startswith("  ")]
    # The inventory written the first time is an inventory now: kept, so not in the list.
    repository_files = [path for path in SCAFFOLDED if not path.startswith("inventory/")]
    assert sorted(listed) == sorted(str(tmp_path / path) for path in repository_files if path != "README.md")
    assert makefile.read_text(encoding="utf-8") == "# ours\n"
    assert not (tmp_path / "README.md").exists()

    forced = init(str(tmp_path), "--organization", "acme", "--force")
    assert forced.exit_code == 0, forced.output
    assert "$(MAC) generate" in makefile.read_text(encoding="utf-8")
    assert (tmp_path / "README.md").is_file()


def test_an_existing_inventory_is_kept(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "discovered.yaml").write_text("settings: {}\n", encoding="utf-8")
    result = init(str(tmp_path), "--organization", "acme")
    assert result.exit_code == 0, result.output
    assert "does not validate yet" in result.output
    assert sorted(path.name for path in inventory.iterdir()) == ["discovered.yaml"]
    assert (tmp_path / "Makefile").is_file()


def test_a_kept_inventory_names_the_readme_and_points_at_the_schema(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    (inventory / "teams").mkdir(parents=True)
    settings = "# Ours.\nsettings:\n  organization: globex\n  environment: staging\n  region: eu-west-1\n"
    team = (
        "domains:\n  - {name: shop, team: shop-eng, receiver: shop-eng}\n"
        "services:\n  - {kind: redis, name: cart, domain: shop, endpoint: 'cart.example.internal:6379'}\n"
    )
    (inventory / "settings.yaml").write_text(settings, encoding="utf-8")
    (inventory / "teams" / "shop.yaml").write_text(team, encoding="utf-8")
    result = init(str(tmp_path))
    assert result.exit_code == 0, result.output
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# globex monitoring\n")
    assert "for globex (staging, eu-west-1)" in readme
    modeline = "# yaml-language-server: $schema="
    assert (inventory / "settings.yaml").read_text(encoding="utf-8") == (
        f"{modeline}../inventory.schema.json\n{settings}"
    )
    assert (inventory / "teams" / "shop.yaml").read_text(encoding="utf-8") == (
        f"{modeline}../../inventory.schema.json\n{team}"
    )
    pointed = {path.resolve() for path in (inventory / "settings.yaml", inventory / "teams" / "shop.yaml")}
    assert {
        (tmp_path / line.split()[1]).resolve()
        for line in result.stdout.splitlines()
        if line.startswith("pointed ")
    } == pointed
    assert load_inventory(inventory).settings.organization == "globex"
    # An option given wins over the inventory; files already pointing are left as they are.
    again = init(str(tmp_path), "--organization", "initech", "--environment", "qa", "--force")
    assert again.exit_code == 0, again.output
    assert "for initech (qa, eu-west-1)" in (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "pointed" not in again.output
    assert (inventory / "settings.yaml").read_text(encoding="utf-8").count(modeline) == 1


def test_organization_defaults_to_the_folder_name_and_must_be_a_plain_name(tmp_path: Path) -> None:
    bad = init(str(tmp_path / "Acme Monitoring"))
    assert bad.exit_code == 2
    assert "--organization" in bad.output
    assert not (tmp_path / "Acme Monitoring").exists()
    assert init(str(tmp_path / "x"), "--organization", "Acme").exit_code == 2
    assert init(str(tmp_path / "x"), "--region", "moon-1").exit_code == 2
    assert init(str(tmp_path / "x"), "--account-id", "12345").exit_code == 2

    assert init(str(tmp_path / "globex")).exit_code == 0
    assert load_inventory(tmp_path / "globex" / "inventory").settings.organization == "globex"


def test_help_explains_what_init_writes() -> None:
    result = init("--help")
    assert result.exit_code == 0
    for path in (
        "inventory/settings.yaml",
        "Makefile",
        ".github/workflows/monitoring.yml",
        ".pre-commit-config.yaml",
    ):
        assert path in result.output
    assert "--force" in result.output and "--organization" in result.output
