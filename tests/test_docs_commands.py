"""Docs as tests: every command of README.md and docs/*.md is checked, so a doc edit that breaks one fails CI.

tests/docs_commands.py reads the commands out of the fenced blocks and says how each is checked (run as written
with servers and sizes shrunk, composed, its flags checked, or not run with the reason). The listing of every
command and how it was checked is printed, and written to <tmp>/docs_commands.txt. The run also writes the
newcomer's transcript (the first hour's commands with the outputs they printed) to <tmp>/FIRST_HOUR.md, and,
with CRUX_WRITE_TRANSCRIPT=1, to docs/FIRST_HOUR.md: that page is generated here, never typed.
"""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
import re
import shlex
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.loaders import load_problems
from tests.crux_program.evaluation_standins import ReferenceEngine
from tests.docs_commands import REPO, DocCommand, Plan, doc_commands, module_and_flags, plan_for
from tests.openai_stub_server import OpenAIStubServer
from tests.test_config import build_all, compose_config
from tests.transcript import FIRST_HOUR, Transcript
from tests.user_commands import run_command

COMMANDS = doc_commands()
SERVED = ["stub-coder", "Qwen/Qwen2.5-Coder-7B-Instruct", "small", "big", "gpt-4o-mini"]


def test_every_documented_command_has_a_way_to_be_checked():
    unplanned = [c.where + ": " + c.text for c in COMMANDS if plan_for(c) is None]
    assert not unplanned, "add a rule in tests/docs_commands.py for:\n" + "\n".join(unplanned)
    assert len(COMMANDS) > 50  # the extraction finds the docs' commands (README alone has over 15)


def _sweep_expansions(overrides: list[str]) -> list[list[str]]:
    """`k=a,b` values (outside brackets and braces) expanded into one override list per combination."""
    choices = []
    for o in overrides:
        key, _, value = o.partition("=")
        plain = not re.search(r"[\[{(]", value)
        choices.append([f"{key}={v}" for v in value.split(",")] if plain and "," in value else [o])
    return [list(c) for c in itertools.product(*choices)]


@pytest.mark.parametrize("command", [c for c in COMMANDS if plan_for(c).kind == "compose"], ids=lambda c: c.where)
def test_composed_commands_build(command, tmp_path):
    """A run.py command too long to run here: its overrides, as written, compose and build every object."""
    words = command.program
    overrides = [w for w in words[words.index("run.py") + 1:] if w not in ("-m", "...")]
    # a chosen run folder is kept, inside the test's folder
    overrides = [f"hydra.run.dir={tmp_path}/{o.split('=', 1)[1]}" if o.startswith("hydra.run.dir=") else o
                 for o in overrides]
    for combination in _sweep_expansions(overrides):
        cfg = compose_config(combination, tmp_path)
        if "..." in words:  # "the rest as above": a value the elided part gives stands in as a placeholder
            job = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
            for key in OmegaConf.missing_keys(job):
                OmegaConf.update(cfg, key, "elided/by-the-docs")
        build_all(cfg, tmp_path)


_HELP: dict[tuple[str, ...], str] = {}


@pytest.mark.parametrize("command", [c for c in COMMANDS if plan_for(c).kind == "flags"], ids=lambda c: c.where)
def test_benchmark_commands_take_their_flags(command):
    head, flags = module_and_flags(command)
    if tuple(head) not in _HELP:
        done = run_command(["python", "-m", *head, "--help"], timeout=300)
        assert done.returncode == 0, done.console[-2000:]
        _HELP[tuple(head)] = done.stdout
    unknown = [f for f in flags if not re.search(rf"{re.escape(f)}\b", _HELP[tuple(head)])]
    assert not unknown, f"{command.where}: python -m {' '.join(head)} does not take {unknown}"


def _reply(engine: ReferenceEngine):
    def reply(call) -> str:
        system = next((m["content"] for m in call.messages if m.get("role") == "system"), "")
        try:
            return engine.answer(system if isinstance(system, str) else "", call.last_user_text)
        except LookupError:  # a curriculum problem: a well-formed answer that does not pass
            return "[[ ## verilog ## ]]\nmodule top_module; endmodule\n\n[[ ## completed ## ]]"
    return reply


def _as_run(command: DocCommand, plan: Plan, url: str, tmp: Path, folders: dict[str, Path]) -> tuple[list[str], dict]:
    """The command's words with placeholders pointed at the stand-in and tmp, plus the plan's extra overrides."""
    words = command.program
    swap = {"NAME": "stub-coder", "URL": url, "URL_A": url, "URL_B": url, "http://localhost:8000/v1": url}
    out = []
    for w in words:
        key, eq, value = w.partition("=")
        if eq and value in swap:
            w = f"{key}={swap[value]}"
        w = w.replace("api_base: URL_A", f"api_base: '{url}'")
        if key == "program.state":
            w = f"program.state={folders[PLUMBING] / 'compiler'}"
        out.append(w)
    sweep = "-m" in out
    out += list(plan.extra) + [f"paths.outputs={tmp / 'outputs'}"]
    if not sweep and "run.py" in out:
        folder = tmp / "runs" / command.where.replace("/", "_").replace(":", "_")
        folders[command.key] = folder
        if re.search(PLUMBING, command.key) and command.where.startswith("README"):
            folders[PLUMBING] = folder
        out.append(f"hydra.run.dir={folder}")
    env = dict(plan.env)
    if "lm.model=openai/gpt-4o-mini" in out:  # the hosted provider, standing at its SDK's address
        env["OPENAI_BASE_URL"] = url
    return out, env


# What a run must show besides exit status 0 (a substring of its console), by a pattern on the command.
EXPECT = [
    (r"run\.py$", "compiler=sft_grpo (the default) trains before evaluating"),
    (r"run\.py lm=openai .*data=verilog_eval", "has no training split"),
    (r"run\.py -m ", "Sweep summary (2 runs"),
]
# The README's plumbing check: program.state's documented RUN is its folder.
PLUMBING = r"run\.py data=verilog_eval data\.limit=5 lm=tiny compiler=none$"


def _expected(command: DocCommand) -> str:
    return next((wanted for pattern, wanted in EXPECT if re.search(pattern, command.key)), "")


@dataclass
class StandIn:
    """What the documented runs share: the stand-in server, a folder for their outputs, the run folders so far
    (a later command names an earlier run's folder), and the transcript being written."""

    url: str
    tmp: Path
    folders: dict[str, Path]
    transcript: Transcript


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory, verilog_eval_dir):
    tmp = tmp_path_factory.mktemp("docs")
    (tmp / "outputs").mkdir()
    (REPO / "outputs" / ".models").mkdir(parents=True, exist_ok=True)  # the tiny model, built once and shared
    (tmp / "outputs" / ".models").symlink_to(REPO / "outputs" / ".models", target_is_directory=True)
    engine = ReferenceEngine(load_problems(verilog_eval_dir))
    with OpenAIStubServer(reply=_reply(engine), models=SERVED) as server:
        yield StandIn(server.base_url, tmp, {}, Transcript(tmp))


RUNS = [c for c in COMMANDS if plan_for(c).kind == "run"]


def _run(command: DocCommand, stand_in: StandIn) -> None:
    plan = plan_for(command)
    if command.key in stand_in.folders:
        return
    if "program.state=" in command.text and PLUMBING not in stand_in.folders:  # the run whose folder it reloads
        _run(next(c for c in RUNS if re.search(PLUMBING, c.key) and c.where.startswith("README")), stand_in)
    argv, env = _as_run(command, plan, stand_in.url, stand_in.tmp, stand_in.folders)
    done = run_command(argv, env=env, drop_env=("OPENAI_API_KEY", "OPENAI_BASE_URL"), timeout=600, merge=True)
    stand_in.transcript.add(command, plan, done)
    wanted = _expected(command)
    assert done.returncode == 0 and wanted in done.console, (
        f"{command.where}: {command.text}\n  ran: {shlex.join(argv)}\n  exit {done.returncode}, wanted {wanted!r}\n"
        f"{done.console[-2500:]}")


@pytest.mark.timeout(900)
@pytest.mark.parametrize("command", RUNS, ids=lambda c: c.where)
def test_documented_command_runs(command, stand_in):
    """The command completes as written (stand-in server, shrunk sizes, as its plan says)."""
    _run(command, stand_in)


def test_mistakes_end_with_what_to_do(stand_in):
    """The transcript's slips: each ends with exit 2 and one message; the fix it suggests then runs."""
    stand_in.transcript.mistakes(stand_in.url)
    codes = [step.finished.returncode for step in stand_in.transcript.slips]
    assert codes == [2, 0, 2], [s.finished.console[-1500:] for s in stand_in.transcript.slips]


def test_the_first_hour_transcript_is_written(stand_in):
    """Runs after the commands: the page of the first hour, from what they printed."""
    missing = [pattern for pattern, _ in FIRST_HOUR if pattern not in stand_in.transcript.steps]
    assert not missing, f"run the whole module: the transcript needs {missing}"
    stand_in.transcript.write(REPO / "docs" / "FIRST_HOUR.md" if os.environ.get("CRUX_WRITE_TRANSCRIPT") == "1"
                              else None)
    assert "[exit status 0]" in (stand_in.tmp / "FIRST_HOUR.md").read_text()


def test_the_listing_says_how_every_command_is_checked(capsys, tmp_path):
    """The listing of every command and how this module checks it (printed, and saved as docs_commands.txt)."""
    how = {"run": "ran", "compose": "composed", "flags": "flags", "skip": "not run"}
    lines = []
    for command in COMMANDS:
        plan = plan_for(command)
        label = "ran+" if plan.kind == "run" and plan.extra else how[plan.kind]
        lines.append(f"{command.where:28} {label:9} {command.text}" + (f"\n{'':38}({plan.why})" if plan.why else ""))
    text = "\n".join(lines)
    (tmp_path / "docs_commands.txt").write_text(text + "\n")
    with capsys.disabled():
        print(f"\nEvery command of README.md and docs/ ({len(COMMANDS)}), and how tests/test_docs_commands.py checks it "
              "(ran+ = run with the shrunk values of tests/docs_commands.py):\n" + text)
    assert sum(plan_for(c).kind == "run" for c in COMMANDS) >= 12
