"""The verdict cache (memory and disk) and the crash-surviving pool."""
from __future__ import annotations

import os

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
    monkeypatch.undo()
    monkeypatch.setattr(sim.cache, "simulator_version", lambda: "Icarus Verilog version 12.0")
    assert cache_key(fp, "x", "testbench", SimConfig()) != base


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
