"""`UserError`: a mistake the person running a command can fix (a path, a line of their file, a config key).

run.py ends such a run with the message alone and exit status 2, without a traceback (`HYDRA_FULL_ERROR=1`
shows it). The message names the file and line or the config key, and the override or command that fixes it.
It is a ValueError, so code that already catches ValueError keeps working.
"""
from __future__ import annotations


class UserError(ValueError):
    """A user's mistake, with a message that says where it is and what to run instead."""


class UserPathError(UserError, FileNotFoundError):
    """A file or folder the user named is not there (also a FileNotFoundError, for callers that catch that)."""


def user_error_in(exc: BaseException) -> Exception | None:
    """The UserError that caused `exc` (directly or through wrappers such as Hydra's InstantiationException), or
    the judge's refusal to run untrusted code where its jail cannot start (its message names the fix)."""
    from sim.isolation import IsolationUnavailable

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (UserError, IsolationUnavailable)):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
