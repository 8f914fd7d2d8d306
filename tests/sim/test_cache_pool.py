"""The verdict cache (memory and disk) and the crash-surviving pool."""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from sim import SimConfig, Status, Verifier
from sim.cache import VerdictCache, cache_key, problem_fingerprint
from sim.loaders import load_problems, reference_as_candidate
from sim.pool import ResilientPool
from sim.result import SimResult


def _problem(verilog_eval_dir, task_id="Prob034_dff8"):
    return next(p for p in load_problems(verilog_eval_dir) if p.task_id == task_id)


def test_same_code_simulated_once_and_reused_from_disk(verilog_eval_dir, tmp_path):
    p = _problem(verilog_eval_dir)
    ref = reference_as_candidate(p)
    wrapped = f"Here you go:\n```verilog\n{ref}\n```"
    config = SimConfig(jobs=1, cache_dir=tmp_path / "cache")
    with Verifier(config) as v:
        first = v.check_many([(p, ref), (p, wrapped), (p, ref)])  # one extracted code -> one simulation
        assert v.cache.misses == 1 and all(r.passed for r in first)
        again = v.check(p, ref)
        assert v.cache.hits == 1 and again == first[0]
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 1
    with Verifier(config) as fresh:
        assert fresh.check(p, wrapped) == first[0] and fresh.cache.hits == 1


def test_cache_key_depends_on_code_problem_and_config(verilog_eval_dir):
    a, b = _problem(verilog_eval_dir), _problem(verilog_eval_dir, "Prob001_zero")
    fa, fb = problem_fingerprint(a), problem_fingerprint(b)
    base = cache_key(fa, "x", "testbench", SimConfig())
    assert base != cache_key(fb, "x", "testbench", SimConfig())
    assert base != cache_key(fa, "y", "testbench", SimConfig())
    assert base != cache_key(fa, "x", "testbench", SimConfig(timeout_s=5))
    assert base == cache_key(fa, "x", "testbench", SimConfig(jobs=7))  # jobs cannot change a verdict


def test_cache_key_changes_with_the_judge(verilog_eval_dir, monkeypatch):
    """A new screen or pass rule (JUDGE_VERSION) or another Icarus must not reuse old verdicts from disk."""
    import sim.cache

    fp = problem_fingerprint(_problem(verilog_eval_dir))
    base = cache_key(fp, "x", "testbench", SimConfig())
    assert sim.cache.simulator_version().startswith("Icarus Verilog version")
    monkeypatch.setattr(sim.cache, "JUDGE_VERSION", sim.cache.JUDGE_VERSION + 1)
    assert cache_key(fp, "x", "testbench", SimConfig()) != base
    # another Icarus build: tests/sim/test_icarus_build.py


def test_unreadable_disk_entry_is_a_miss(tmp_path):
    cache = VerdictCache(tmp_path)
    cache.put("ab" * 32, SimResult("t", Status.PASS))
    (tmp_path / "ab" / f"{'ab' * 32}.json").write_text("{broken")
    assert VerdictCache(tmp_path).get("ab" * 32) is None
    (tmp_path / "ab" / f"{'ab' * 32}.json").write_text('["a list, not an entry"]')
    assert VerdictCache(tmp_path).get("ab" * 32) is None


def _work(x: int) -> int:
    if x == 3:
        os._exit(1)  # a worker dying abruptly, as a segfaulting simulator binding would
    if x == 5:
        raise ValueError("harness bug")
    return x * x


def test_pool_survives_a_crashed_worker():
    pool = ResilientPool(workers=2, max_attempts=2)
    try:
        got = dict(pool.imap(_work, list(range(8)), on_crash=lambda item, exc: f"crash:{item}"))
    finally:
        pool.close()
    assert got[3] == "crash:3" and got[5] == "crash:5"
    assert all(got[i] == i * i for i in range(8) if i not in (3, 5))
    assert pool.crashes >= 1


def test_check_many_keeps_input_order(verilog_eval_dir):
    problems = load_problems(verilog_eval_dir)[:12]
    items = [(p, reference_as_candidate(p)) for p in problems] + [(problems[0], "no code at all")]
    with Verifier(SimConfig(jobs=2)) as v:
        results = v.check_many(items)
    assert [r.task_id for r in results] == [p.task_id for p, _ in items]
    assert results[-1].status is Status.NO_CODE and all(r.passed for r in results[:-1])


def test_threads_sharing_a_pool_lose_nothing_to_each_others_crashes():
    """GRPO scores groups from several threads through one pool: a worker crash in one thread's batch
    rebuilds the pool, and the other thread's work is resubmitted, not reported as a crash or an error."""
    import threading

    pool = ResilientPool(workers=2, max_attempts=2)
    results: dict[str, dict] = {}

    def run(name: str, items: list[int]) -> None:
        results[name] = dict(pool.imap(_work, items, on_crash=lambda item, exc: f"crash:{item}"))

    try:
        threads = [threading.Thread(target=run, args=("crashy", [3, 0, 1, 3, 2])),
                   threading.Thread(target=run, args=("clean", [6, 7, 8, 9, 10, 11, 12, 13]))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        pool.close()
    assert results["clean"] == {i: x * x for i, x in enumerate([6, 7, 8, 9, 10, 11, 12, 13])}
    assert results["crashy"][0] == "crash:3" and results["crashy"][2] == 1


def _crash_then_hang(folder: str) -> int:
    """Kills its worker in the shared pool; re-run alone, writes its pid and hangs (a stuck simulation)."""
    marker = Path(folder) / "crashed"
    if not marker.exists():
        marker.write_text("")
        os._exit(1)
    (Path(folder) / "alone.pid").write_text(str(os.getpid()))
    time.sleep(120)
    return 0


def _gone(pid: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.05)
    return False


def _when_alone_runs(folder: Path, action) -> threading.Thread:
    def wait_then_act():
        deadline = time.monotonic() + 60
        while not (folder / "alone.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        action()

    thread = threading.Thread(target=wait_then_act, daemon=True)
    thread.start()
    return thread


def test_ctrl_c_stops_an_item_rerun_alone_at_once(tmp_path):
    """An item re-run alone after a worker crash is stopped by Ctrl-C now, not when it ends by itself."""
    pool = ResilientPool(workers=1, max_attempts=2)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # CI may start us with SIGINT ignored
    started = time.monotonic()
    try:
        _when_alone_runs(tmp_path, lambda: os.kill(os.getpid(), signal.SIGINT))
        with pytest.raises(KeyboardInterrupt):
            list(pool.imap(_crash_then_hang, [str(tmp_path)], on_crash=lambda item, exc: "crash"))
    finally:
        signal.signal(signal.SIGINT, previous)
        pool.close()
    assert time.monotonic() - started < 60
    assert _gone(int((tmp_path / "alone.pid").read_text()))


def test_terminate_from_another_thread_ends_a_lone_run_as_a_crash(tmp_path):
    pool = ResilientPool(workers=1, max_attempts=2)
    _when_alone_runs(tmp_path, pool.terminate)
    started = time.monotonic()
    try:
        got = list(pool.imap(_crash_then_hang, [str(tmp_path)], on_crash=lambda item, exc: "crash"))
    finally:
        pool.close()
    assert got == [(0, "crash")] and time.monotonic() - started < 60
    assert pool.crashes == 1  # the shared pool's crash; the terminated lone worker is not counted, nor retried
    assert _gone(int((tmp_path / "alone.pid").read_text()))
