"""RequestBatcher: jobs from many threads run together, in order, and failures reach every waiting caller."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from crux_program.lm.batching import RequestBatcher


def _doubling(record: list[list[int]]):
    def run_batch(jobs):
        record.append(list(jobs))
        return [job * 2 for job in jobs]
    return run_batch


def test_concurrent_jobs_share_one_batch_and_keep_their_results():
    batches: list[list[int]] = []
    batcher = RequestBatcher(_doubling(batches), max_batch_size=16, window_s=1.0)
    barrier = threading.Barrier(8)

    def call(i):
        barrier.wait()
        return batcher.run(i)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(8)))
    batcher.close()
    assert results == [2 * i for i in range(8)]
    assert len(batches) == 1 and sorted(batches[0]) == list(range(8))
    assert batcher.stats.calls == 1 and batcher.stats.jobs == 8


def test_batches_never_exceed_the_limit():
    batches: list[list[int]] = []
    batcher = RequestBatcher(_doubling(batches), max_batch_size=3, window_s=0.2)
    futures = [batcher.submit(i) for i in range(10)]
    assert [f.result(timeout=10) for f in futures] == [2 * i for i in range(10)]
    batcher.close()
    assert max(len(b) for b in batches) <= 3 and sum(len(b) for b in batches) == 10
    assert [job for b in batches for job in b] == list(range(10))  # arrival order kept


def test_a_failing_batch_fails_its_callers_and_the_batcher_goes_on():
    def run_batch(jobs):
        if "bad" in jobs:
            raise ValueError("model exploded")
        return [j.upper() for j in jobs]

    batcher = RequestBatcher(run_batch, max_batch_size=4, window_s=0.0)
    with pytest.raises(ValueError, match="model exploded"):
        batcher.run("bad")
    assert batcher.run("ok") == "OK"
    batcher.close()


def test_wrong_result_count_is_an_error_not_a_hang():
    batcher = RequestBatcher(lambda jobs: [], max_batch_size=2, window_s=0.0)
    with pytest.raises(RuntimeError, match="returned 0 results for 1 jobs"):
        batcher.run(1)
    batcher.close()


def test_submit_after_close_is_refused():
    batcher = RequestBatcher(lambda jobs: list(jobs), window_s=0.0)
    assert batcher.run(5) == 5
    batcher.close()
    batcher.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        batcher.submit(1)


def test_an_idle_worker_ends_and_the_next_job_starts_another():
    """A thread that ran torch keeps an OpenMP team alive and slows every other thread's torch work (module
    docstring), so the worker ends when idle; jobs after that still run, and close still works."""
    import threading
    import time

    batcher = RequestBatcher(lambda jobs: [j * 2 for j in jobs], window_s=0.001, idle_s=0.05)
    assert batcher.run(1) == 2 and batcher.worker_alive
    deadline = time.monotonic() + 5
    while batcher.worker_alive and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not batcher.worker_alive
    assert not [t for t in threading.enumerate() if t.name == "lm-batcher"]
    assert batcher.run(21) == 42, "a new worker takes the next job"
    # many jobs from many threads, with the worker retiring between bursts: none is lost
    results = []
    for burst in range(5):
        threads = [threading.Thread(target=lambda k=k: results.append(batcher.run(k))) for k in range(8)]
        [t.start() for t in threads]
        [t.join(5) for t in threads]
        time.sleep(0.06 if burst % 2 else 0.0)
    assert sorted(results) == sorted([2 * k for k in range(8)] * 5)
    batcher.close()
    time.sleep(0.1)
    batcher.close()  # idempotent after the worker retired
    with pytest.raises(RuntimeError, match="closed"):
        batcher.submit(1)
