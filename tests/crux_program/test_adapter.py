"""The program's adapter: ChatAdapter's messages, with typed output fields described by their shape and a Module
Interface written as a Verilog module header."""
from __future__ import annotations

from typing import Literal, Optional

import dspy
import pydantic

from crux_program.adapter import CruxChatAdapter, compact_shape
from crux_program.crux import ModuleInterface
from crux_program.modules import default_adapter
from crux_program.signatures import SpecToCrux, SpecToCruxAndVerilog, SpecToVerilog

ANSWER = {
    "interface": ModuleInterface(module_name="inv", ports=[{"name": "a", "direction": "input"},
                                                           {"name": "y", "direction": "output", "width": "4"}]),
    "core_functions": ["y is the inverse of a."],
    "key_considerations": ["Purely combinational."],
    "verilog": "module inv(input a, output [3:0] y); assign y = ~a; endmodule",
}


def _system(adapter: dspy.Adapter, signature) -> str:
    return adapter.format(signature, demos=[], inputs={"spec": "Invert a."})[0]["content"]


def test_the_interface_shape_names_every_field_and_the_allowed_directions() -> None:
    shape = compact_shape(pydantic.TypeAdapter(ModuleInterface).json_schema())
    assert shape == ('{"module_name": string, "parameters": [{"name": string, "default": string, '
                     '"description": string}], "ports": [{"name": string, "direction": "input" | "output" | '
                     '"inout", "width": string, "description": string}]}')


def test_shapes_of_unions_literals_and_scalars() -> None:
    class Row(pydantic.BaseModel):
        kind: Literal["a", "b"]
        count: int
        ratio: Optional[float] = None
        tags: list[str] = []
        flag: bool = False

    assert compact_shape(pydantic.TypeAdapter(Row).json_schema()) == (
        '{"kind": "a" | "b", "count": integer, "ratio": number | null, "tags": [string], "flag": true | false}')
    assert compact_shape(pydantic.TypeAdapter(list[str]).json_schema()) == "[string]"
    assert compact_shape({"type": "object"}) == "{...}"


def test_the_system_message_is_ChatAdapters_without_the_json_schema() -> None:
    ours, theirs = _system(CruxChatAdapter(), SpecToCruxAndVerilog), _system(dspy.ChatAdapter(), SpecToCruxAndVerilog)
    assert "$defs" in theirs and "$defs" not in ours and "JSON schema" not in ours
    assert len(ours) < len(theirs) / 1.5
    assert "a Verilog module header" in ours                  # the interface's note
    assert '"name": string' not in ours and "[string]" in ours  # the lists' notes are JSON shapes
    # outside the type notes, the two messages are the same text
    strip = lambda text: [line for line in text.splitlines() if "# note:" not in line]  # noqa: E731
    assert strip(ours) == strip(theirs)


def test_text_only_signatures_render_exactly_as_ChatAdapter() -> None:
    assert _system(CruxChatAdapter(), SpecToVerilog) == _system(dspy.ChatAdapter(), SpecToVerilog)


def test_what_it_writes_it_reads_back() -> None:
    adapter = default_adapter()
    assert isinstance(adapter, CruxChatAdapter) and adapter.use_json_adapter_fallback is False
    text = adapter.format_assistant_message_content(SpecToCruxAndVerilog, ANSWER)
    assert adapter.parse(SpecToCruxAndVerilog, text) == ANSWER
    crux_only = {k: ANSWER[k] for k in ("interface", "core_functions", "key_considerations")}
    assert adapter.parse(SpecToCrux, adapter.format_assistant_message_content(SpecToCrux, crux_only)) == crux_only


def test_the_interface_is_written_as_a_module_header_and_json_still_reads() -> None:
    adapter = default_adapter()
    text = adapter.format_assistant_message_content(SpecToCruxAndVerilog, ANSWER)
    assert "[[ ## interface ## ]]\nmodule inv (\n    input a,\n    output [3:0] y\n);" in text
    assert '"module_name"' not in text
    as_json = text.replace(text.split("[[ ## core_functions ## ]]")[0],
                           "[[ ## interface ## ]]\n" + ANSWER["interface"].model_dump_json() + "\n\n")
    assert adapter.parse(SpecToCruxAndVerilog, as_json) == ANSWER


def test_an_unreadable_interface_is_a_parse_error_naming_the_field() -> None:
    import pytest
    from dspy.utils.exceptions import AdapterParseError

    text = default_adapter().format_assistant_message_content(SpecToCruxAndVerilog, ANSWER)
    broken = text.replace("module inv (", "module inv (\n    wire q,")
    with pytest.raises(AdapterParseError, match="interface"):
        default_adapter().parse(SpecToCruxAndVerilog, broken)
