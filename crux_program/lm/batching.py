"""Merge requests that arrive from many threads into batches run by one worker thread.

DSPy evaluates with a thread pool, and each thread asks its LM for one completion at a time. Running one
`generate` per request leaves the hardware idle; the batcher lets those threads block on a future while a
single worker collects whatever arrives within a short window (or until the batch is full) and runs it
as one call. The worker runs the batches one after another, so the model is never entered concurrently.

    batcher = RequestBatcher(run_batch=lambda jobs: [job * 2 for job in jobs], max_batch_size=16, window_s=0.02)
    batcher.submit(21).result()  # 42

The worker thread ends after `idle_s` without work and a new one starts with the next job. Why: a thread that
ran torch keeps its own OpenMP team, and while it lives libgomp counts more threads than cores and stops its
spin-waits, so every parallel region elsewhere pays a futex wake-up. An idle evaluation LM left alive made the
SFT steps that followed it in run.py 1.48x slower (`python -m benches.idle_lm_step_time`; docs/LM.md).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

_RETIRE = object()  # what an idle worker's wait returns when it should end
Job = TypeVar("Job")
Result = TypeVar("Result")


@dataclass
class BatchStats:
    """What the batcher has done: how many batch calls, and how many jobs each one held."""

    batch_sizes: list[int] = field(default_factory=list)

    @property
    def calls(self) -> int:
        """Number of times `run_batch` ran."""
        return len(self.batch_sizes)

    @property
    def jobs(self) -> int:
        """Number of jobs run in all."""
        return sum(self.batch_sizes)


class RequestBatcher(Generic[Job, Result]):
    """Collect jobs from any thread and run them in batches through `run_batch` on one worker thread.

    run_batch: takes the jobs of one batch (in arrival order) and returns one result per job, in the same
        order; an exception fails every job of that batch.
    max_batch_size: the most jobs one batch holds.
    window_s: after a job arrives, how long to wait for another before running the batch (sliding, at most
        5 windows from the first job; jobs already queued are taken at once; a full batch runs at once).
    idle_s: the worker thread ends after this long without a job (the module docstring says why); None: never.
    """

    def __init__(self, run_batch: Callable[[Sequence[Job]], Sequence[Result]], max_batch_size: int = 16,
                 window_s: float = 0.02, name: str = "lm-batcher", idle_s: float | None = 2.0) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        self._run_batch = run_batch
        self.max_batch_size = max_batch_size
        self.window_s = window_s
        self.idle_s = idle_s
        self.stats = BatchStats()
        self._queue: queue.Queue[tuple[Job, Future] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._closed = False
        self._name = name

    def submit(self, job: Job) -> Future:
        """Queue `job`; the returned future holds its result once its batch has run."""
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("This batcher is closed; build a new LM to generate again")
            if self._worker is None:  # started lazily, and again after an idle worker ended
                self._worker = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._worker.start()
            self._queue.put((job, future))
        return future

    def run(self, job: Job) -> Result:
        """Submit `job` and wait for its result (re-raising its batch's exception)."""
        return self.submit(job).result()

    def close(self) -> None:
        """Stop the worker after the queued jobs have run. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            worker = self._worker
            if worker is not None:  # a retired worker left an empty queue and needs no sentinel
                self._queue.put(None)
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=60)

    def _collect(self, first: tuple[Job, Future]) -> tuple[list[tuple[Job, Future]], bool]:
        """The batch that starts with `first`; the flag says the close sentinel was seen.

        The window slides: each arrival gives stragglers another `window_s`, up to 5 windows in all, because
        a pool's threads do not all start at once (on a loaded machine they trickle in over tens of ms).
        """
        batch = [first]
        start = time.monotonic()
        deadline = start + self.window_s
        while len(batch) < self.max_batch_size:
            timeout = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
            deadline = min(time.monotonic() + self.window_s, start + 5 * self.window_s)
        return batch, False

    @property
    def worker_alive(self) -> bool:
        """Whether a worker thread exists now (it ends after `idle_s` without work)."""
        with self._lock:
            return self._worker is not None

    def _next_or_retire(self):
        """The next queued item (None: the close sentinel), or `_RETIRE` once the queue stayed empty for idle_s.
        The worker gives up its slot under the lock, so a job submitted meanwhile is either taken here or starts
        a new worker, and `close` sends its sentinel only to a worker that still holds the slot."""
        while True:
            try:
                return self._queue.get(timeout=self.idle_s)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._worker = None
                        return _RETIRE

    def _loop(self) -> None:
        closing = False
        while not closing:
            first = self._next_or_retire()
            if first is _RETIRE:
                return
            if first is None:
                break
            batch, closing = self._collect(first)
            live = [(job, fut) for job, fut in batch if fut.set_running_or_notify_cancel()]
            if not live:
                continue
            try:
                results = list(self._run_batch([job for job, _ in live]))
                if len(results) != len(live):
                    raise RuntimeError(f"run_batch returned {len(results)} results for {len(live)} jobs")
            except BaseException as exc:  # the waiting threads must hear about any failure
                for _, fut in live:
                    fut.set_exception(exc)
                continue
            finally:
                self.stats.batch_sizes.append(len(live))
            for (_, fut), result in zip(live, results):
                fut.set_result(result)
        # Anything still queued after close fails loudly rather than hanging its caller.
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item[1].set_exception(RuntimeError("The batcher was closed before this request ran"))
