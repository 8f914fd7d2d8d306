"""One summary line instead of one DSPy warning per truncated answer.

DSPy logs "LM response was truncated; increase max_tokens ..." on `dspy.clients.lm` for every answer that
stops at `max_tokens`. An untrained or half-trained model hits that on nearly every sample, so an evaluation of
40 problems printed 40+ identical lines and buried the progress bar and the results table. Inside
`collapse_truncation_warnings()` those records are counted instead, and one line with the count is logged when
the block ends. Other warnings on that logger pass through untouched.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

DSPY_LM_LOGGER = "dspy.clients.lm"
_PREFIX = "LM response was truncated"

log = logging.getLogger(__name__)


class TruncationCounter(logging.Filter):
    """A logging filter that drops DSPy's truncation warnings and counts them (thread-safe)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(_PREFIX):
            with self._lock:
                self.count += 1
            return False
        return True


@contextmanager
def collapse_truncation_warnings() -> Iterator[TruncationCounter]:
    """Count DSPy's per-answer truncation warnings inside the block; log one summary line at its end."""
    counter = TruncationCounter()
    logger = logging.getLogger(DSPY_LM_LOGGER)
    logger.addFilter(counter)
    try:
        yield counter
    finally:
        logger.removeFilter(counter)
        if counter.count:
            log.warning("%d LM answers stopped at max_tokens (normal for an untrained model; otherwise raise "
                        "lm.max_tokens)", counter.count)
