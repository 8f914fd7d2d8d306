"""A process pool over all cores that survives a crashed worker.

`concurrent.futures.ProcessPoolExecutor` marks the whole pool broken when one worker dies (a segfaulting
simulator binding, the OOM killer): every pending future then fails. `ResilientPool` rebuilds the executor
and resubmits what was lost; an item whose worker dies `max_attempts` times is reported through `on_crash`
instead of stopping the run.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterator, Sequence


class ResilientPool:
    """Run `fn(item)` for many items over `workers` processes; yields (index, value) as they finish."""

    def __init__(self, workers: int, max_attempts: int = 2) -> None:
        self.workers = max(1, workers)
        self.max_attempts = max_attempts
        self._executor: ProcessPoolExecutor | None = None
        self.crashes = 0

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # fork: cheap to start, and callers need no `if __name__ == "__main__"` guard (forkserver and
            # spawn re-import the caller's main module). Workers only run subprocesses and pyslang, so
            # locks held by parent threads at fork time are never taken in them.
            ctx = multiprocessing.get_context("fork")
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._executor

    def _reset(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = None

    def imap(self, fn: Callable[[Any], Any], items: Sequence[Any],
             on_crash: Callable[[Any, BaseException], Any]) -> Iterator[tuple[int, Any]]:
        """Yield (index, fn(item)) in completion order; a crash result comes from on_crash(item, exc)."""
        attempts = [0] * len(items)
        pending = list(range(len(items)))
        while pending:
            futures: dict[Future, int] = {}
            try:
                for i in pending:
                    futures[self._pool().submit(fn, items[i])] = i
                    attempts[i] += 1
            except BrokenProcessPool:
                self._reset()
            submitted = set(futures.values())
            pending = [i for i in pending if i not in submitted]  # retried in the next round
            broken = False
            not_done = set(futures)
            while not_done:
                done, not_done = wait(not_done, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = futures[fut]
                    try:
                        value = fut.result()
                    except BrokenProcessPool as exc:
                        broken = True
                        if attempts[i] >= self.max_attempts:
                            yield i, on_crash(items[i], exc)
                        else:
                            pending.append(i)
                        continue
                    except Exception as exc:  # a harness bug on one item must not stop the others
                        yield i, on_crash(items[i], exc)
                        continue
                    yield i, value
            if broken:
                self.crashes += 1
                self._reset()

    def close(self) -> None:
        """Stop the workers."""
        self._reset()
