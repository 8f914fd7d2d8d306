"""CRUX render/parse: exact round trips over generated values, and the released model's looser format."""
from __future__ import annotations

import random
import string

import pytest

from crux_program.crux import Crux, CruxParseError, ModuleInterface, Parameter, Port, split_crux_and_code

ODD = string.ascii_letters + string.digits + " :-*#`|[](){}<>=+/\\'\"_.,;!?$%&~^@\t" + "éß→✓中"
EXPRESSIONS = ["1", "8", "WIDTH", "2*N", "[7:0]", "[WIDTH-1:0]", "$clog2(DEPTH)", "N + 1", "a ? b : c", "(8 bits)"]


def _identifier(rng: random.Random) -> str:
    return rng.choice(string.ascii_letters + "_") + "".join(rng.choices(string.ascii_letters + string.digits + "_$", k=rng.randint(0, 8)))


def _text(rng: random.Random, max_len: int = 40) -> str:
    text = "".join(rng.choices(ODD, k=rng.randint(0, max_len)))
    if rng.random() < 0.2:  # text that looks like markup of the format itself
        text = rng.choice(["## Core Functions", "- input x (1 bit): y", "Ports:", "1. item", "**bold**: z", "] q: (", "x bits)"]) + text
    return text


def _crux(rng: random.Random) -> Crux:
    params = [Parameter(name=_identifier(rng), default=rng.choice(EXPRESSIONS + [""]), description=_text(rng))
              for _ in range(rng.randint(0, 3))]
    ports = [Port(name=_identifier(rng), direction=rng.choice(["input", "output", "inout"]),
                  width=rng.choice(EXPRESSIONS), description=_text(rng)) for _ in range(rng.randint(0, 6))]
    return Crux(interface=ModuleInterface(module_name=_identifier(rng), parameters=params, ports=ports),
                core_functions=[_text(rng, 80) for _ in range(rng.randint(0, 5))],
                key_considerations=[_text(rng, 80) for _ in range(rng.randint(0, 4))])


def test_round_trip_over_generated_values() -> None:
    rng = random.Random(1234)
    for _ in range(1500):
        crux = _crux(rng)
        text = crux.to_markdown()
        assert Crux.from_markdown(text) == crux, text
        assert Crux.from_markdown(text).to_markdown() == text


def test_markdown_is_compact_and_readable() -> None:
    crux = Crux(interface=ModuleInterface(module_name="counter", parameters=[Parameter(name="WIDTH", default="8", description="count width")],
                                          ports=[Port(name="clk", direction="input", description="clock"),
                                                 Port(name="q", direction="output", width="WIDTH")]),
                core_functions=["q increments on each rising clk edge"], key_considerations=["no reset"])
    assert crux.to_markdown() == (
        "## Module Interface\nModule: counter\nParameters:\n- WIDTH = 8: count width\nPorts:\n"
        "- input clk (1 bit): clock\n- output q (WIDTH bits)\n\n## Core Functions\n"
        "- q increments on each rising clk edge\n\n## Key Considerations\n- no reset")


def test_values_are_normalised_at_construction() -> None:
    port = Port(name=" `data` ", direction="In", width=8, description="two\nlines")
    assert (port.name, port.direction, port.width, port.description) == ("data", "input", "8", "two lines")
    assert Parameter(name="P", default="a ? b : c").default == "a ? b :c"
    with pytest.raises(ValueError, match="Verilog identifier"):
        Port(name="8bad", direction="input")


@pytest.mark.parametrize("missing", ["## Module Interface", "## Core Functions", "## Key Considerations"])
def test_parse_error_names_the_missing_section(missing: str) -> None:
    text = "## Module Interface\nModule: m\nPorts:\n- input a (1 bit)\n\n## Core Functions\n- f\n\n## Key Considerations\n- k"
    broken = text.replace(missing, "## Something Else")
    with pytest.raises(CruxParseError, match=missing):
        Crux.from_markdown(broken)


def test_parse_error_when_module_name_is_missing() -> None:
    with pytest.raises(CruxParseError, match="names no module"):
        Crux.from_markdown("## Module Interface\nPorts:\n- input a (1 bit)\n## Core Functions\n- f\n## Key Considerations\n- k")


RELEASED_STYLE = """### 1. Module Interface
**Module Name:** `adder`
**Parameters:**
- `WIDTH` = 8: operand width
**Ports:**
| Port | Direction | Width | Description |
|------|-----------|-------|-------------|
| `a` | input | WIDTH | first operand |
| b | input | [WIDTH-1:0] | second operand |
| `sum[8:0]` | output | | the sum |

### 2. Core Functions
1. **Addition**: sum = a + b,
   including the carry
2. Purely combinational

### 3. Key Considerations
- **Overflow**: the carry lands in sum[8]

## Code Implementation
```verilog
module adder #(parameter WIDTH = 8) (input [WIDTH-1:0] a, b, output [WIDTH:0] sum);
  assign sum = a + b;
endmodule
```
"""


def test_split_released_model_answer() -> None:
    crux, code = split_crux_and_code(RELEASED_STYLE)
    assert code is not None and code.startswith("module adder") and code.rstrip().endswith("endmodule")
    assert crux is not None
    iface = crux.interface
    assert iface.module_name == "adder"
    assert [(p.name, p.default) for p in iface.parameters] == [("WIDTH", "8")]
    assert [(p.name, p.direction, p.width) for p in iface.ports] == [
        ("a", "input", "WIDTH"), ("b", "input", "[WIDTH-1:0]"), ("sum", "output", "[8:0]")]
    assert crux.core_functions == ["Addition: sum = a + b, including the carry", "Purely combinational"]
    assert crux.key_considerations == ["Overflow: the carry lands in sum[8]"]


def test_loose_lists_with_input_and_output_groups() -> None:
    text = """## Module Interface
- Module: `shift_reg`
### Inputs
- `clk`: clock
- **rst_n** (1-bit): active-low reset
### Outputs
- q (8-bit) - register value
- input [W-1:0] d: data (a Verilog-style item)
## Core Functions
- Shift left on each clock
## Key Considerations
- Reset is asynchronous"""
    crux = Crux.from_markdown(text)
    assert crux.interface.module_name == "shift_reg"
    assert [(p.name, p.direction, p.width, p.description) for p in crux.interface.ports] == [
        ("clk", "input", "1", "clock"), ("rst_n", "input", "1", "active-low reset"),
        ("q", "output", "8", "register value"), ("d", "input", "[W-1:0]", "data (a Verilog-style item)")]


def test_split_without_code_or_crux() -> None:
    assert split_crux_and_code("just words") == (None, None)
    crux, code = split_crux_and_code("Here:\n```verilog\nmodule m; endmodule\n```")
    assert crux is None and code == "module m; endmodule\n"


def test_missing_parts() -> None:
    crux = Crux(interface=ModuleInterface(module_name="m"), core_functions=["f"])
    assert crux.missing_parts() == ["ports", "key_considerations"]


def test_tables_for_parameters_and_ports_and_bold_headings() -> None:
    tables = """## 1. Module Interface
Module `TopModule` is defined as follows.
| Parameter | Default | Description |
|---|---|---|
| N | 4 | stages |
| Signal | I/O | Bits | Description |
|---|---|---|---|
| clk | Input | 1 | clock |
| out | Output | N | result |
| a, b | Input | 1 | not one identifier: skipped |
## 2. Core Functions
Shift data through N stages.
## 3. Key Considerations
* none"""
    crux = Crux.from_markdown(tables)
    assert [(p.name, p.default) for p in crux.interface.parameters] == [("N", "4")]
    assert [(p.name, p.direction, p.width) for p in crux.interface.ports] == [("clk", "input", "1"), ("out", "output", "N")]
    assert crux.core_functions == ["Shift data through N stages."]
    bold = """**Module Interface**
- Module name: `TopModule`
- Ports:
  - `clk` (input): Clock signal
  - **data** (input, 8 bits) – data in
**Core Functions**
1. Pass data through
**Key Considerations**
1. None"""
    crux = Crux.from_markdown(bold)
    assert [(p.name, p.direction, p.width, p.description) for p in crux.interface.ports] == [
        ("clk", "input", "1", "Clock signal"), ("data", "input", "8", "data in")]
