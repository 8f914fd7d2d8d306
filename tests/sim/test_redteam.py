"""Red-team suite: every attack in `tests/sim/redteam/`, in every mode it targets, alone and (differential
mode) inside a group with honest members. In the testbench modes a group is judged member by member, each in
its own simulation, so there alone is the whole story.

Each attack must be judged non-pass with a status and feedback that say why, gain no partial credit over the
plain wrong design it carries, print nothing of the host's files, and create nothing outside its run folder (its
/tmp path and a canary folder outside /tmp are checked). In a group, the honest members still pass and a wrong
member keeps the verdict, mismatches and samples it has alone. The stall cases run one per child process with a
memory limit, so that a judge that hangs in-process fails this suite instead of hanging it; their verdict must
arrive within a small multiple of the timeout.

The honest controls run beside them: the reference passes in every mode, so does an answer with a debug
`$display`, one with a file-level `typedef enum`, and (dff8) ones reading their own struct members and generate
blocks by dotted names; two answers declaring the same file-level `typedef` pass in one group.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sim import SimConfig, SimResult, Status, Verifier
from sim.loaders import load_problems, reference_as_candidate
from tests.sim import redteam as rc

REPO = Path(__file__).resolve().parents[2]
TESTBENCH = SimConfig(mode="testbench", jobs=2, timeout_s=10, memory_mb=1024, max_output_bytes=200_000)
DIFFERENTIAL = SimConfig(mode="differential", jobs=1, timeout_s=15, diff_cycles=100, max_output_bytes=200_000)
CREDIT_SLACK = 0.05  # functional reward an attack may differ from its plain wrong design by (stimulus noise)
STALL_TIMEOUT_S = 3.0
STALL_BOUND_S = 2 * STALL_TIMEOUT_S + 3  # a stall costs its timeout once (slack: one more, and start-up)
STALL_KILL_S = 30.0  # the child is killed here: a judge that hangs fails this suite instead of hanging it
HONEST_HARNESS = "# the project's harness code (canary)\n"
STALL_MATRIX = ([(rc.VERILOG_EVAL, s) for s in rc.STALLS]
                + [(rc.DIFFERENTIAL, s) for s in ("macro_bomb", "macro_bomb_icarus_branch", "backslash_run",
                                                  "deep_begin")]
                + [(rc.RTLLM, s) for s in ("macro_bomb", "comment_openers")])


# -- fixtures -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """Where attacks try to write: /tmp/redteam_<token>_<case>, and a canary folder outside /tmp."""
    token = secrets.token_hex(4)
    try:
        outside = Path(tempfile.mkdtemp(prefix=f"redteam_{token}_", dir="/var/tmp"))
    except OSError:  # no writable /var/tmp: a folder of the test session (under the machine's temp folder)
        outside = tmp_path_factory.mktemp(f"redteam_{token}")
    (outside / "harness.py").write_text(HONEST_HARNESS)
    yield rc.Paths(token, str(outside))
    shutil.rmtree(outside, ignore_errors=True)
    for leaked in Path("/tmp").glob(f"redteam_{token}_*"):  # only what an attack of this run left
        shutil.rmtree(leaked, ignore_errors=True) if leaked.is_dir() else leaked.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def problems(verilog_eval_dir, rtllm_dir):
    """The problem each mode attacks."""
    by_id = {p.task_id: p for p in load_problems(verilog_eval_dir) + load_problems(rtllm_dir)}
    return {mode: by_id[target.task_id] for mode, target in rc.TARGETS.items()}


@dataclass(frozen=True)
class ModeVerdicts:
    """One mode's verdicts: each control and attack judged alone, and (differential) each group by its attack."""

    alone: dict[str, SimResult]
    group: dict[str, list[SimResult]] = field(default_factory=dict)


class Runs:
    """Every verdict of one mode, computed once on first use."""

    def __init__(self, problems, paths: rc.Paths) -> None:
        self.problems, self.paths = problems, paths
        self._cache: dict[str, ModeVerdicts] = {}

    def of(self, mode: str) -> ModeVerdicts:
        if mode not in self._cache:
            self._cache[mode] = (_differential_run if mode == rc.DIFFERENTIAL else _testbench_run)(
                self.problems[mode], mode, self.paths)
        return self._cache[mode]


@pytest.fixture(scope="module")
def runs(problems, paths):
    return Runs(problems, paths)


def _controls(problem, mode: str, paths: rc.Paths) -> dict[str, str]:
    honest = reference_as_candidate(problem)
    wrong = rc.Case("wrong", "control", rc.design(""), rc.ALL_MODES)
    controls = {"honest": rc.fenced(honest),
                "honest_debug": rc.fenced(rc.with_debug_print(honest, rc.DEBUG_PRINT[mode])),
                "honest_unit_typedef": rc.fenced(rc.with_unit_typedef(honest)),
                "wrong": rc.materialise(wrong, rc.TARGETS[mode], paths)}
    if mode in rc.CLOCKED:
        controls.update({name: rc.fenced(code) for name, code in {**rc.HONEST_DOTTED, **rc.LIMIT_DOTTED}.items()})
    return controls


def _testbench_run(problem, mode: str, paths: rc.Paths) -> ModeVerdicts:
    """Controls and attacks of one testbench mode, each judged alone, in one parallel batch."""
    controls = _controls(problem, mode, paths)
    cases = rc.cases_for(mode)
    texts = {**controls, **{c.name: rc.materialise(c, rc.TARGETS[mode], paths) for c in cases}}
    with Verifier(TESTBENCH) as verifier:
        results = verifier.check_many([(problem, text) for text in texts.values()])
    return ModeVerdicts(dict(zip(texts, results)))


def _judge_group(problem, texts: list[str]) -> list[SimResult]:
    with Verifier(DIFFERENTIAL) as verifier:  # a fresh verifier: no verdict cached from another group
        return verifier.check_group(problem, texts)


def _differential_run(problem, mode: str, paths: rc.Paths) -> ModeVerdicts:
    """Each control and attack alone, each attack that could reach its siblings (all but the escapes, which the
    jail answers alone) first in a group with three others, and the two honest answers that share a typedef."""
    controls = _controls(problem, mode, paths)
    controls["honest_sv"], controls["honest_sv_twin"] = rc.fenced(rc.HONEST_SV), rc.fenced(rc.HONEST_SV_TWIN)
    attacks = {c.name: rc.materialise(c, rc.TARGETS[mode], paths) for c in rc.cases_for(mode)}
    siblings = [controls["honest"], controls["honest_sv"], controls["wrong"]]
    jobs = {("alone", name): [text] for name, text in {**controls, **attacks}.items()}
    grouped = {c.name for c in rc.cases_for(mode) if c.grouped}
    jobs.update({("group", name): [text, *siblings] for name, text in attacks.items() if name in grouped})
    jobs[("group", "typedef_twins")] = [controls["honest_sv"], controls["honest_sv_twin"]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = dict(zip(jobs, pool.map(lambda texts: _judge_group(problem, texts), jobs.values())))
    return ModeVerdicts({name: v[0] for (kind, name), v in verdicts.items() if kind == "alone"},
                        {name: v for (kind, name), v in verdicts.items() if kind == "group"})


# -- helpers --------------------------------------------------------------------------------------------------
def _escaped(case: rc.Case, paths: rc.Paths) -> list[str]:
    """What this case managed to create or change outside its run folder."""
    found = [str(p) for p in Path("/tmp").glob(Path(paths.tmp(case.name)).name + "*")]
    outside = Path(paths.outside)
    found += [str(p) for p in outside.iterdir() if p.name.startswith(case.name)]
    if f"owned by {case.name}" in (outside / "harness.py").read_text():
        found.append(f"{outside}/harness.py (appended to)")
    return found


def _says_why(result: SimResult) -> str | None:
    """Why `result` does not explain itself; None when it does."""
    if not result.feedback.strip():
        return "empty feedback"
    if "harness failure" in result.feedback:
        return f"the judge crashed instead of judging: {result.feedback}"
    return None


def _check_attack(case: rc.Case, result: SimResult, wrong: SimResult, paths: rc.Paths) -> None:
    where = f"{case.name}: {result.status.value}: {result.feedback[:200]!r}"
    assert result.status in case.allowed, where
    assert _says_why(result) is None, f"{where}: {_says_why(result)}"
    assert result.rewards.functional <= wrong.rewards.functional + CREDIT_SLACK, (
        f"{where}: functional {result.rewards.functional:.3f} > the wrong design's {wrong.rewards.functional:.3f}")
    assert rc.SECRET_MARK not in result.log_tail + result.feedback, f"{where}: /etc/group was read into the log"
    assert not _escaped(case, paths), f"{where}: wrote outside its run folder: {_escaped(case, paths)}"


def _case_ids(mode: str, grouped_only: bool = False) -> list:
    return [pytest.param(mode, c, id=f"{mode}-{c.name}") for c in rc.cases_for(mode) if c.grouped or not grouped_only]


# -- tests ----------------------------------------------------------------------------------------------------
def test_a_generate_block_read_from_outside_is_refused_as_documented(runs):
    """The screen's known limit: `g[7].b` from outside the loop is refused (it cannot tell whether the block will
    exist after elaboration), with a reason a user can act on."""
    verdict = runs.of(rc.VERILOG_EVAL).alone["limit_generate_reference"]
    assert verdict.status is Status.RUNTIME_ERROR and "hierarchical name" in verdict.feedback, verdict.feedback


@pytest.mark.parametrize("mode", [rc.VERILOG_EVAL, rc.RTLLM, rc.DIFFERENTIAL])
def test_honest_controls_pass(runs, mode):
    alone = runs.of(mode).alone
    assert alone["wrong"].status is Status.MISMATCH, (alone["wrong"].status, alone["wrong"].feedback)
    names = [name for name in alone if name.startswith("honest")]
    for name in names:
        assert alone[name].status is Status.PASS, (name, alone[name].status, alone[name].feedback)


def test_two_honest_answers_sharing_a_typedef_pass_in_one_group(runs):
    twins = runs.of(rc.DIFFERENTIAL).group["typedef_twins"]
    assert [r.status for r in twins] == [Status.PASS, Status.PASS], [r.feedback for r in twins]


@pytest.mark.parametrize("mode, case", _case_ids(rc.VERILOG_EVAL) + _case_ids(rc.RTLLM) + _case_ids(rc.DIFFERENTIAL))
def test_attack_alone_is_not_a_pass(runs, paths, mode, case):
    alone = runs.of(mode).alone
    _check_attack(case, alone[case.name], alone["wrong"], paths)


@pytest.mark.parametrize("mode, case", _case_ids(rc.DIFFERENTIAL, grouped_only=True))
def test_attack_leaves_its_group_as_alone(runs, paths, mode, case):
    run = runs.of(mode)
    attack, honest, honest_sv, wrong = run.group[case.name]
    _check_attack(case, attack, run.alone["wrong"], paths)
    assert honest.status is Status.PASS, (case.name, "honest reference", honest.status, honest.feedback)
    alone = run.alone["wrong"]
    assert (wrong.status, wrong.mismatches, wrong.samples) == (alone.status, alone.mismatches, alone.samples), (
        case.name, "wrong member", wrong.status, wrong.mismatches, wrong.samples, wrong.feedback)
    assert honest_sv.status is Status.PASS, (case.name, "honest SystemVerilog", honest_sv.status, honest_sv.feedback)


@pytest.mark.parametrize("mode", [rc.VERILOG_EVAL, rc.RTLLM, rc.DIFFERENTIAL])
def test_nothing_outside_the_run_folders(runs, paths, mode):
    """After every attack of a mode: the canary folder holds only its harness file, unchanged, and no attack's
    /tmp path exists."""
    runs.of(mode)
    outside = Path(paths.outside)
    assert sorted(p.name for p in outside.iterdir()) == ["harness.py"]
    assert (outside / "harness.py").read_text() == HONEST_HARNESS
    assert not list(Path("/tmp").glob(f"redteam_{paths.token}_*"))


@pytest.mark.parametrize("name", sorted(rc.STEERING))
def test_candidate_cannot_steer_the_testbench_stimulus(problems, name):
    """Drawing from the simulator's random generator must not change the values the testbench draws: a design
    that could choose them could make its own mistakes invisible. The same half-wrong design, with and without
    the draws, gets the same verdict and counts (or the draws are refused)."""
    problem = problems[rc.VERILOG_EVAL]
    with Verifier(TESTBENCH) as verifier:
        plain, steering = verifier.check_many([(problem, rc.fenced(rc.HALF_WRONG)),
                                               (problem, rc.fenced(rc.STEERING[name]))])
    assert plain.status is Status.MISMATCH and 0 < plain.mismatches < plain.samples, (plain.status, plain.feedback)
    if steering.status is Status.RUNTIME_ERROR and steering.feedback.startswith("refused"):
        return
    assert (steering.status, steering.mismatches, steering.samples) == (plain.status, plain.mismatches,
                                                                        plain.samples), steering.feedback


# -- stalls ---------------------------------------------------------------------------------------------------
CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a bomb fails here, not on the machine
from sim import SimConfig, Verifier
from sim.loaders import load_problems
from tests.sim.redteam import TARGETS, stall_completion
folder, mode, name, timeout = sys.argv[1:5]
target = TARGETS[mode]
problem = next(p for p in load_problems(folder) if p.task_id == target.task_id)
text = stall_completion(name, target)
config = SimConfig(mode="differential" if mode == "differential" else "testbench", jobs=1, timeout_s=float(timeout),
                   diff_cycles=50)
start = time.monotonic()
with Verifier(config) as verifier:
    result = verifier.check(problem, text)
print(json.dumps({"status": result.status.value, "feedback": result.feedback, "log": result.log_tail,
                  "seconds": time.monotonic() - start}))
"""


@dataclass(frozen=True)
class ChildVerdict:
    """What a child process judged (`error`: why no verdict came, and then nothing else is meaningful)."""

    status: Status = Status.RUNTIME_ERROR
    feedback: str = ""
    log: str = ""
    seconds: float = 0.0
    error: str | None = None


def _stall(folder: Path, mode: str, name: str, env: dict[str, str] | None = None) -> ChildVerdict:
    """Judge one stall case in a child process (environment `env`); its verdict, or why none came."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(folder), mode, name, str(STALL_TIMEOUT_S)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env=env)
    try:
        out, err = proc.communicate(timeout=STALL_KILL_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the child's own group: the judge and what it started
        proc.communicate()
        return ChildVerdict(error=f"no verdict within {STALL_KILL_S:g} s (killed)")
    lines = out.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return ChildVerdict(error=f"child exited {proc.returncode}: {err.strip()[-500:]}")
    data = json.loads(lines[-1])
    return ChildVerdict(Status(data["status"]), data["feedback"], data["log"], data["seconds"])


@pytest.fixture(scope="module")
def stalls(verilog_eval_dir, rtllm_dir):
    folders = {rc.VERILOG_EVAL: verilog_eval_dir, rc.DIFFERENTIAL: verilog_eval_dir, rc.RTLLM: rtllm_dir}
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = pool.map(lambda job: _stall(folders[job[0]], *job), STALL_MATRIX)
        return dict(zip(STALL_MATRIX, done))


@pytest.mark.parametrize("mode, name", [pytest.param(m, s, id=f"{m}-{s}") for m, s in STALL_MATRIX])
def test_stall_costs_at_most_its_timeout(stalls, mode, name):
    verdict = stalls[(mode, name)]
    assert verdict.error is None, verdict.error
    assert verdict.seconds <= STALL_BOUND_S, f"{name}: verdict after {verdict.seconds:.1f} s"
    assert verdict.status in rc.NON_PASS_OR_TIMEOUT, verdict
    assert verdict.feedback.strip() and "harness failure" not in verdict.feedback, (
        f"{name}: the judge must fail closed with a reason, not crash: {verdict.feedback[:200]}")


def test_the_harness_environment_is_not_shown_to_the_candidate(verilog_eval_dir):
    """The judge's environment (API keys, endpoints) must not reach a candidate: one that includes
    /proc/self/environ may find nothing of it quoted in its verdict. Every dotted word the verdict shows must
    come from the candidate's own text or name a file of the run."""
    env = {"REDTEAM_MARKER": f"redteam.{secrets.token_hex(4)}.environment", **os.environ}
    verdict = _stall(verilog_eval_dir, rc.VERILOG_EVAL, "include_environment", env=env)
    assert verdict.error is None, verdict.error
    assert verdict.status in rc.NON_PASS, verdict
    own = rc.stall_completion("include_environment", rc.TARGETS[rc.VERILOG_EVAL])
    shown = re.findall(r"[\w-]+(?:\.[\w-]+)+", verdict.feedback + "\n" + verdict.log)
    leaked = [w for w in shown if w not in own and not re.fullmatch(r"[\w-]+\.(?:sv|v|vvp|pre|txt)", w)]
    assert not leaked, f"the environment leaked into the verdict: {leaked[:5]} in {verdict.feedback[:200]!r}"
