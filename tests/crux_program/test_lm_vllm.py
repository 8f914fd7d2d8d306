"""vLLM is optional: never imported unless chosen, and a clear instruction when it is chosen but missing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crux_program.lm import LMConfig, build_lm


def test_missing_vllm_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # make `import vllm` fail even where it is installed
    with pytest.raises(ImportError, match=r"pip install 'crux-compiler\[vllm\]' on a CUDA machine") as info:
        build_lm(LMConfig(kind="vllm", model="/models/some-folder"))
    assert "lm=openai" in str(info.value)  # and the alternative: a served model


def test_other_backends_never_import_vllm():
    code = ("import sys; import crux_program.lm, crux_program.lm.factory, crux_program.lm.openai_compat; "
            "print('vllm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"
