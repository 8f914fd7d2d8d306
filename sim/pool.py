"""A process pool over all cores that survives a crashed worker.

`concurrent.futures.ProcessPoolExecutor` marks the whole pool broken when one worker dies (a segfaulting
simulator binding, the OOM killer): every pending future then fails, the culprit's and its innocent neighbours'
alike. `ResilientPool` rebuilds the executor and re-runs each item that was lost ALONE, in a one-worker process
of its own, so a crash there is that item's doing: it is tried up to `max_attempts` times and then reported
through `on_crash`, while its neighbours simply finish. Several threads may share one pool (GRPO scores groups
from worker threads): only the executor that broke is rebuilt, and work another thread's rebuild cancelled is
submitted again.
"""
from __future__ import annotations

import multiprocessing
import signal
import threading
from concurrent.futures import (FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, ThreadPoolExecutor,
                                as_completed, wait)
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterator, Sequence


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _worker_init() -> None:
    """Ctrl-C is the parent's to handle (it reaches the whole foreground group, workers too); SIGTERM from the
    parent's `terminate` becomes an exception, so `run_sandboxed` kills the simulation it is waiting on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _fork_executor(workers: int) -> ProcessPoolExecutor:
    # fork: cheap to start, and callers need no `if __name__ == "__main__"` guard (forkserver and spawn re-import
    # the caller's main module). Workers only run subprocesses and pyslang, so locks held by parent threads at
    # fork time are never taken in them.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_worker_init)


class ResilientPool:
    """Run `fn(item)` for many items over `workers` processes; yields (index, value) as they finish."""

    def __init__(self, workers: int, max_attempts: int = 2) -> None:
        self.workers = max(1, workers)
        self.max_attempts = max(1, max_attempts)
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.crashes = 0  # worker deaths seen (shared pool and lone runs)
        self._lone: set[ProcessPoolExecutor] = set()  # one-worker executors of items re-run alone
        self._epoch = 0  # incremented by terminate(): lone runs started before it make no new attempt

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = _fork_executor(self.workers)
            return self._executor

    def _reset(self, broken: ProcessPoolExecutor | None = None) -> None:
        """Shut the executor down (only if it is still `broken`, when given: another thread may have rebuilt it)."""
        with self._lock:
            if self._executor is not None and (broken is None or self._executor is broken):
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None

    def _count_crash(self) -> None:
        with self._lock:
            self.crashes += 1

    def imap(self, fn: Callable[[Any], Any], items: Sequence[Any],
             on_crash: Callable[[Any, BaseException], Any]) -> Iterator[tuple[int, Any]]:
        """Yield (index, fn(item)) in completion order; a crash result comes from on_crash(item, exc)."""
        try:
            yield from self._imap(fn, items, on_crash)
        except KeyboardInterrupt:  # stop every simulation now, not when each one's wall timeout comes
            self.terminate()
            raise

    def _imap(self, fn: Callable[[Any], Any], items: Sequence[Any],
              on_crash: Callable[[Any, BaseException], Any]) -> Iterator[tuple[int, Any]]:
        pending = list(range(len(items)))
        lost: list[int] = []  # their worker died in the shared pool: re-run alone
        while pending:
            futures: dict[Future, int] = {}
            executor = self._pool()
            try:
                for i in pending:
                    futures[executor.submit(fn, items[i])] = i
            except (BrokenProcessPool, RuntimeError):  # RuntimeError: shut down by another thread's reset
                self._reset(executor)
            submitted = set(futures.values())
            pending = [i for i in pending if i not in submitted]  # submitted again next round
            broken = False
            not_done = set(futures)
            while not_done:
                done, not_done = wait(not_done, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = futures[fut]
                    try:
                        value = fut.result()
                    except CancelledError:  # another thread's reset cancelled it before it ran
                        pending.append(i)
                        continue
                    except BrokenProcessPool:
                        broken = True
                        lost.append(i)
                        continue
                    except Exception as exc:  # a harness bug on one item must not stop the others
                        yield i, on_crash(items[i], exc)
                        continue
                    yield i, value
            if broken:
                self._count_crash()
                self._reset(executor)
        if lost:
            yield from self._alone(fn, items, lost, on_crash)

    def _alone(self, fn: Callable[[Any], Any], items: Sequence[Any], indices: list[int],
               on_crash: Callable[[Any, BaseException], Any]) -> Iterator[tuple[int, Any]]:
        """Run each item in a one-worker process of its own (up to `workers` at once): a death is its own.

        These runs stop at once when the pool is terminated (Ctrl-C: `imap` calls `terminate()`) or when this
        generator is left early (closed, or an exception in it): their workers are terminated like the
        shared pool's, and an item whose worker was stopped that way is not tried again."""
        epoch, stop, mine = self._epoch, threading.Event(), set()

        def one(i: int) -> tuple[int, Any]:
            error: BaseException | None = None
            for _ in range(self.max_attempts):
                with self._lock:
                    if stop.is_set() or self._epoch != epoch:  # stopped: no new attempt
                        break
                    executor = _fork_executor(1)
                    self._lone.add(executor)
                    mine.add(executor)
                try:
                    return i, executor.submit(fn, items[i]).result()
                except (BrokenProcessPool, SystemExit) as exc:  # SystemExit: the worker's, when stopped
                    if not stop.is_set() and self._epoch == epoch:  # a real crash, not a worker we stopped
                        self._count_crash()
                    error = exc
                except Exception as exc:
                    return i, on_crash(items[i], exc)
                finally:
                    with self._lock:
                        self._lone.discard(executor)
                        mine.discard(executor)
                    executor.shutdown(wait=True)
            return i, on_crash(items[i], error or RuntimeError("the pool was terminated"))

        threads = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="sim-alone")
        try:
            for fut in as_completed([threads.submit(one, i) for i in indices]):
                yield fut.result()
        except BaseException:  # Ctrl-C here, or the consumer closing the generator: stop these runs now
            with self._lock:
                stop.set()
                running = list(mine)
            for executor in running:
                _terminate_workers(executor)
            raise
        finally:
            threads.shutdown(wait=True, cancel_futures=True)  # quick: their workers are done or stopped

    def close(self) -> None:
        """Stop the workers."""
        self._reset()

    def terminate(self) -> None:
        """Stop the workers now, the shared pool's and any running an item alone: each kills the simulation
        it is running (its process group) and exits."""
        with self._lock:
            executors = [e for e in (self._executor, *self._lone) if e is not None]
            self._executor, self._epoch = None, self._epoch + 1
        for executor in executors:
            _terminate_workers(executor)


def _terminate_workers(executor: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor has no public terminate before Python 3.14 (`terminate_workers`).
    workers = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        if proc.is_alive():
            proc.terminate()
    for proc in workers:
        proc.join(timeout=5)
