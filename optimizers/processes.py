"""Which process this is under `accelerate launch` / torchrun, read from the environment they set.

Files that every process would otherwise write (a run folder's key, a checkpoint folder moved aside) are
written by the main process only, and the others wait for it. Single-process runs never import accelerate.
"""
from __future__ import annotations

import os


def several_processes() -> bool:
    """True under a multi-process launcher (WORLD_SIZE > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def is_main_process() -> bool:
    """The process that writes shared files (rank 0, or the only one)."""
    return not several_processes() or int(os.environ.get("RANK", "0")) == 0


def wait_for_every_process() -> None:
    """A barrier across the launcher's processes (nothing to wait for in a single process)."""
    if several_processes():
        from accelerate import PartialState

        PartialState().wait_for_everyone()
