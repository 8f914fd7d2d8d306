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
import re
import shlex
from pathlib import Path

import pytest

from sim.loaders import load_problems
from tests.crux_program.evaluation_standins import ReferenceEngine
from tests.docs_commands import REPO, DocCommand, Plan, doc_commands, module_and_flags, plan_for
from tests.openai_stub_server import OpenAIStubServer
from tests.test_config import build_all, compose_config
from tests.transcript import Transcript
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
        build_all(compose_config(combination, tmp_path), tmp_path)


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
            w = f"program.state={folders['README.md:57'] / 'compiler'}"
        out.append(w)
    sweep = "-m" in out
    out += list(plan.extra) + [f"paths.outputs={tmp / 'outputs'}"]
    if not sweep and "run.py" in out:
        folders[command.where] = tmp / "runs" / command.where.replace("/", "_").replace(":", "_")
        out.append(f"hydra.run.dir={folders[command.where]}")
    env = dict(plan.env)
    if "lm.model=openai/gpt-4o-mini" in out:  # the hosted provider, standing at its SDK's address
        env["OPENAI_BASE_URL"] = url
    return out, env


# What each run must show besides exit status 0 (a substring of its console), keyed by its place in the docs.
EXPECT = {
    "README.md:52": "compiler=sft_grpo (the default) trains before evaluating",
    "README.md:91": "has no training split",
    "README.md:100": "has no training split",
    "README.md:143": "Sweep summary (2 runs",
    "README.md:144": "Sweep summary (2 runs",
}


def test_documented_commands_run(tmp_path, verilog_eval_dir):
    """Every `run` command completes as written (stand-in server, shrunk sizes); the first hour's are transcribed."""
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / ".models").symlink_to(REPO / "outputs" / ".models", target_is_directory=True)
    (REPO / "outputs" / ".models").mkdir(parents=True, exist_ok=True)  # the tiny model, built once and shared
    engine = ReferenceEngine(load_problems(verilog_eval_dir))
    transcript = Transcript(tmp_path)
    failures, folders = [], {}
    with OpenAIStubServer(reply=_reply(engine), models=SERVED) as server:
        for command in [c for c in COMMANDS if plan_for(c).kind == "run"]:
            plan = plan_for(command)
            argv, env = _as_run(command, plan, server.base_url, tmp_path, folders)
            done = run_command(argv, env=env, drop_env=("OPENAI_API_KEY", "OPENAI_BASE_URL"), timeout=600)
            transcript.add(command, plan, done)
            wanted = EXPECT.get(command.where, "")
            if done.returncode != 0 or wanted not in done.console:
                failures.append(f"{command.where}: {command.text}\n  ran: {shlex.join(argv)}\n  exit "
                                f"{done.returncode}, wanted {wanted!r}\n{done.console[-2500:]}")
        transcript.mistakes(server.base_url)
    transcript.write(REPO / "docs" / "FIRST_HOUR.md" if os.environ.get("CRUX_WRITE_TRANSCRIPT") == "1" else None)
    assert not failures, "\n\n".join(failures)


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
