"""The DSPy signatures of the CRUX program. Each docstring is the instruction the model sees.

Field types are chosen for what a small model can emit and the ChatAdapter can parse back:
- `interface` is a pydantic `ModuleInterface`: the program's adapter writes and reads it as a Verilog module
  header (`crux_program.interface_header`; the JSON value is read too), validated by the model's validators
  (directions like "in"/"Input" and numeric widths are normalised);
- `core_functions` / `key_considerations` are `list[str]`: a JSON array of short sentences;
- `crux` going into `CruxToVerilog` is the rendered markdown (`Crux.to_markdown()`), so CRUX text from any
  source (another model, a person, the released model's format) can drive code generation;
- `verilog` is plain text; the simulator's extractor tolerates fences and chatter around the module.
Keep these stable: SFT renders its training examples with the same adapter, so a change here changes
training and inference together.
"""
from __future__ import annotations

import dspy

from crux_program.crux import ModuleInterface


class SpecToCrux(dspy.Signature):
    """Read the hardware design specification and write its CRUX, a structured plan for the Verilog module.
    interface: the exact module name, parameters with default values, and every port with direction and bit width.
    core_functions: one behaviour per item (data flow, state transitions, how each output is computed).
    key_considerations: reset policy, clock edges and timing, edge cases, and choices the spec leaves open."""

    spec: str = dspy.InputField(desc="natural-language specification of the module")
    interface: ModuleInterface = dspy.OutputField(desc="module name, parameters and ports")
    core_functions: list[str] = dspy.OutputField(desc="short sentences, one behaviour each")
    key_considerations: list[str] = dspy.OutputField(desc="short sentences, one consideration each")


class CruxToVerilog(dspy.Signature):
    """Write the synthesizable Verilog module that implements the specification, following the CRUX plan.
    Use exactly the module name, parameters and ports of the CRUX's Module Interface.
    Answer with the complete code, from `module` to `endmodule`."""

    spec: str = dspy.InputField(desc="natural-language specification of the module")
    crux: str = dspy.InputField(desc="CRUX plan: Module Interface, Core Functions, Key Considerations")
    verilog: str = dspy.OutputField(desc="complete Verilog source")


class SpecToCruxAndVerilog(dspy.Signature):
    """Read the hardware design specification, write its CRUX (a structured plan), then the Verilog module.
    interface: the exact module name, parameters with default values, and every port with direction and bit width.
    core_functions: one behaviour per item (data flow, state transitions, how each output is computed).
    key_considerations: reset policy, clock edges and timing, edge cases, and choices the spec leaves open.
    verilog: the complete code, from `module` to `endmodule`, with exactly the interface's name and ports."""

    spec: str = dspy.InputField(desc="natural-language specification of the module")
    interface: ModuleInterface = dspy.OutputField(desc="module name, parameters and ports")
    core_functions: list[str] = dspy.OutputField(desc="short sentences, one behaviour each")
    key_considerations: list[str] = dspy.OutputField(desc="short sentences, one consideration each")
    verilog: str = dspy.OutputField(desc="complete Verilog source")


class SpecToVerilog(dspy.Signature):
    """Write the synthesizable Verilog module that implements the hardware design specification.
    Use exactly the module name and ports the specification gives.
    Answer with the complete code, from `module` to `endmodule`."""

    spec: str = dspy.InputField(desc="natural-language specification of the module")
    verilog: str = dspy.OutputField(desc="complete Verilog source")


class RepairVerilog(dspy.Signature):
    """The previous Verilog for this specification failed in simulation. Read the simulator's feedback
    (the first compile error or the first mismatching output and cycle), find the cause, and write the
    corrected module. Keep the module name and ports. Answer with the complete code, from `module` to `endmodule`."""

    spec: str = dspy.InputField(desc="natural-language specification of the module")
    previous_verilog: str = dspy.InputField(desc="the code that failed")
    feedback: str = dspy.InputField(desc="what the simulator reported")
    verilog: str = dspy.OutputField(desc="complete corrected Verilog source")
