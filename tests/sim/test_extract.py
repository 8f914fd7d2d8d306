"""extract_code on the shapes model output takes."""
from __future__ import annotations

from sim.extract import extract_code

MOD = "module TopModule(input a, output b);\n  assign b = a;\nendmodule"


def test_fenced_verilog_with_prose():
    text = f"Sure! Here is the design.\n```verilog\n{MOD}\n```\nIt passes a through."
    assert extract_code(text).strip() == MOD


def test_systemverilog_and_bare_fences():
    assert extract_code(f"```systemverilog\n{MOD}\n```").strip() == MOD
    assert extract_code(f"```\n{MOD}\n```").strip() == MOD


def test_several_blocks_joined_and_drafts_superseded():
    helper = "module helper(input x, output y); assign y = ~x; endmodule"
    draft = "module TopModule(input a, output b); assign b = 0; endmodule"
    text = f"```verilog\n{helper}\n```\nDraft:\n```verilog\n{draft}\n```\nFixed:\n```verilog\n{MOD}\n```"
    code = extract_code(text)
    assert "helper" in code and "assign b = a" in code and "assign b = 0" not in code


def test_non_verilog_fences_ignored():
    text = f"```python\nprint('module x; endmodule')\n```\n```verilog\n{MOD}\n```"
    assert extract_code(text).strip() == MOD


def test_code_implementation_section():
    text = f"## Analysis\nThe module is simple.\n## Code Implementation\n{MOD}\n## Notes\nnone"
    assert extract_code(text).strip() == MOD


def test_bare_code_and_unterminated_fence():
    assert extract_code(MOD).strip() == MOD
    assert extract_code(f"```verilog\n{MOD}\n").strip() == MOD


def test_no_code():
    assert extract_code("") is None
    assert extract_code("I cannot do that.") is None
    assert extract_code("module TopModule(input a);") is None  # no endmodule: not a complete module


def test_think_block_ignored():
    text = f"<think>maybe module bad; endmodule</think>\n```verilog\n{MOD}\n```"
    assert extract_code(text).strip() == MOD
