"""Helpers for tests that press Ctrl-C on a child process."""
from __future__ import annotations

import signal


def sigint_as_in_a_terminal() -> None:
    """`preexec_fn` that gives the child SIGINT's default action, as a terminal's foreground job has.

    A job started in the background by a non-interactive shell (a CI script run with `&` or under nohup) inherits
    SIGINT *ignored*; Python then never raises KeyboardInterrupt and the Ctrl-C under test would do nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
