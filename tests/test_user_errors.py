"""A user's mistake ends with one message naming the file and line or the config key and the override that fixes
it, exit status 2, and no traceback (HYDRA_FULL_ERROR=1 shows it); the suggested override works."""
from __future__ import annotations

import json
import socket

import pytest

from tests.user_commands import run_py

# Each case: the command's overrides, and what the one message must say. {tmp} is the test's folder.
CASES = {
    "missing file": (["data=jsonl", "data.path={tmp}/nope.jsonl", "compiler=none"],
                     "JSONL problems file {tmp}/nope.jsonl not found: pass data.path="),
    "malformed line": (["data=jsonl", "data.path={tmp}/broken.jsonl", "compiler=none"],
                       "{tmp}/broken.jsonl:2: not a JSON object"),
    "missing field": (["data=jsonl", "data.path={tmp}/renamed.jsonl", "compiler=none"],
                      "{tmp}/renamed.jsonl:1: missing field(s) ['spec', 'reference']"),
    "missing value": (["lm=openai"], "lm.model has no value: add lm.model=..."),
    "served name without a server": (["lm=openai", "lm.model=NAME"], "add lm.api_base=http://HOST:PORT/v1"),
    "missing key": (["lm=openai", "lm.model=openai/gpt-4o-mini", "data=verilog_eval"],
                    "set the environment variable OPENAI_API_KEY"),
    "unreachable server": (["lm=openai", "lm.model=m", "lm.api_base=http://127.0.0.1:{port}/v1", "data=verilog_eval"],
                           "Cannot reach the server at lm.api_base=http://127.0.0.1:{port}/v1"),
    "empty split": (["data.synthetic.size=60", "compiler=none", "data.synthetic.out_dir={tmp}/syn"],
                    "data.synthetic.size=60 leaves the test_seen split(s) empty"),
    "bad benchmark path": (["data=rtllm", "data.path={tmp}/rtllm", "compiler=none"],
                           "benchmark folder {tmp}/rtllm not found"),
    "unknown task id": (["data=verilog_eval", "data.task_ids=[Prob000_nope]", "compiler=none"],
                        "data.task_ids: unknown task ids ['Prob000_nope']"),
}


def _files(tmp_path) -> None:
    good = {"task_id": "w", "spec": "Wire in to out.", "reference": "module w(input a, output b); assign b = a; endmodule"}
    (tmp_path / "broken.jsonl").write_text(json.dumps(good) + '\n{"task_id": "x", oops}\n')
    renamed = {"task_id": "w", "instruction": good["spec"], "output": good["reference"]}
    (tmp_path / "renamed.jsonl").write_text(json.dumps(renamed) + "\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_user_error_is_one_message_and_exit_2(tmp_path, case):
    _files(tmp_path)
    overrides, expected = CASES[case]
    fill = {"tmp": tmp_path, "port": _free_port()}
    done = run_py(*[o.format(**fill) for o in overrides], f"hydra.run.dir={tmp_path / 'run'}",
                  drop_env=("OPENAI_API_KEY",))
    assert done.returncode == 2, done.console[-3000:]
    assert expected.format(**fill) in done.stderr and "Traceback" not in done.console, done.console[-3000:]
    assert done.stderr.count("error: ") == 1
    log = (tmp_path / "run" / "run.log").read_text()
    assert expected.format(**fill) in log  # kept for whoever debugs the run later


def test_hydra_full_error_shows_the_traceback(tmp_path):
    done = run_py("data=jsonl", f"data.path={tmp_path}/nope.jsonl", "compiler=none", f"hydra.run.dir={tmp_path}/run",
                  env={"HYDRA_FULL_ERROR": "1"})
    assert done.returncode != 0 and "Traceback" in done.console and "UserPathError" in done.console
