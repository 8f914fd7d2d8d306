"""keep_freed_memory: applies glibc's settings once and is safe to call again."""
from __future__ import annotations

import ctypes.util
import platform

import pytest

from optimizers import cpu_malloc


@pytest.mark.skipif(platform.system() != "Linux" or not platform.libc_ver()[0] == "glibc",
                    reason="mallopt is glibc's")
def test_applies_on_glibc_and_is_idempotent(monkeypatch):
    monkeypatch.setattr(cpu_malloc, "_applied", None)
    assert cpu_malloc.keep_freed_memory() is True
    assert cpu_malloc.keep_freed_memory() is True  # second call: remembered, not re-applied


def test_without_glibc_it_is_a_no_op(monkeypatch):
    monkeypatch.setattr(cpu_malloc, "_applied", None)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "/nonexistent/libc-not-here.so")
    assert cpu_malloc.keep_freed_memory() is False
    monkeypatch.setattr(cpu_malloc, "_applied", None)
