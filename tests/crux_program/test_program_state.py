"""program.state loads what every compiler writes (its folder or its program.json) and what program.save() writes;
a state for another program, or a checkpoint without a local LM, is refused with what to pass instead."""
from __future__ import annotations

import dspy
import pytest

from crux_program.errors import UserError
from crux_program.evaluation.program_state import load_program_state
from crux_program.modules import CruxPipeline, DirectVerilog
from optimizers.artifacts import save_compiled


def _compiled(tmp_path, **manifest):
    program = CruxPipeline()
    program.spec_to_crux.signature = program.spec_to_crux.signature.with_instructions("Tuned CRUX instructions.")
    program.crux_to_verilog.demos = [dspy.Example(spec="s", crux_markdown="c", verilog="module m; endmodule")]
    save_compiled(program, tmp_path / "compiler", compiler="bootstrap", **manifest)
    return tmp_path / "compiler"


@pytest.mark.parametrize("target", ["folder", "program.json"])
def test_a_compilers_output_round_trips(tmp_path, target):
    folder = _compiled(tmp_path)
    state = folder if target == "folder" else folder / "program.json"
    loaded = load_program_state(CruxPipeline(), str(state), lm=None)
    assert loaded.spec_to_crux.signature.instructions == "Tuned CRUX instructions."
    assert len(loaded.crux_to_verilog.demos) == 1


def test_a_program_save_file_loads_too(tmp_path):
    program = DirectVerilog()
    program.spec_to_verilog.signature = program.spec_to_verilog.signature.with_instructions("Saved by hand.")
    program.save(str(tmp_path / "direct.json"))
    loaded = load_program_state(DirectVerilog(), str(tmp_path / "direct.json"), lm=None)
    assert loaded.spec_to_verilog.signature.instructions == "Saved by hand."


def test_a_state_of_another_program_says_which_program_to_choose(tmp_path):
    with pytest.raises(UserError, match="add program=crux"):
        load_program_state(DirectVerilog(), str(_compiled(tmp_path)), lm=None)


def test_a_checkpoint_needs_a_local_lm(tmp_path):
    folder = _compiled(tmp_path, model_path=tmp_path / "checkpoint")
    with pytest.raises(UserError, match="lm=tiny, or lm=hf"):
        load_program_state(CruxPipeline(), str(folder), lm=dspy.LM("openai/served", api_base="http://127.0.0.1:9/v1"))


def test_a_missing_or_unreadable_state_names_what_is_accepted(tmp_path):
    with pytest.raises(UserError, match="no such file or folder.*RUN/compiler"):
        load_program_state(CruxPipeline(), str(tmp_path / "nope"), lm=None)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(UserError, match="not a JSON program state"):
        load_program_state(CruxPipeline(), str(tmp_path / "bad.json"), lm=None)
