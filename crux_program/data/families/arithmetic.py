"""Combinational arithmetic families: adder, adder/subtractor, ALU."""
from __future__ import annotations

import random

from crux_program.data.families.base import Design, PortSpec, bits, grid_value, indent, lit, module_text


class Adder:
    """W-bit adder with optional carry-in and a carry-out."""

    name = "adder"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        w = grid_value(rng, [2, 4, 8, 12, 16])
        cin = rng.random() < 0.5
        a, b, s, co = rng.choice([("a", "b", "sum", "cout"), ("x", "y", "s", "carry"), ("op_a", "op_b", "result", "co")])
        module = rng.choice([f"adder{w}", "ripple_adder", f"add{w}"])
        ports = (PortSpec(a, "input", w, "first operand"), PortSpec(b, "input", w, "second operand"))
        if cin:
            ports += (PortSpec("cin", "input", 1, "carry in"),)
        ports += (PortSpec(s, "output", w, "sum"), PortSpec(co, "output", 1, "carry out"))
        extra = " + cin" if cin else ""
        body = indent(f"assign {{{co}, {s}}} = {a} + {b}{extra};")
        what = f"`{a}` + `{b}`" + (" + `cin`" if cin else "")
        return Design(
            family=self.name, module=module, params=(("width", str(w)), ("carry_in", str(int(cin)))),
            ports=ports, summary=f"a {bits(w)} unsigned adder" + (" with carry in" if cin else ""),
            behaviour=(f"`{s}` is the low {w} bits of {what}.", f"`{co}` is the carry out of that addition."),
            considerations=("Purely combinational.", "Overflow beyond the carry bit cannot happen."),
            verilog=module_text(module, ports, body), sequential=False,
        )


class AddSub:
    """W-bit adder/subtractor: a mode input picks a+b or a-b; carry/borrow out."""

    name = "addsub"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        w = grid_value(rng, [4, 8, 16])
        sub_high = rng.random() < 0.7  # mode=1 means subtract (else mode=1 means add)
        mode = rng.choice(["sub", "mode", "op"])
        a, b, r, c = rng.choice([("a", "b", "y", "carry"), ("x", "y", "result", "cout"), ("a", "b", "res", "c")])
        module = rng.choice([f"addsub{w}", "add_sub", "adder_subtractor"])
        ports = (PortSpec(a, "input", w, "first operand"), PortSpec(b, "input", w, "second operand"),
                 PortSpec(mode, "input", 1, "operation select"),
                 PortSpec(r, "output", w, "result"), PortSpec(c, "output", 1, "carry or borrow out"))
        sub_cond = mode if sub_high else f"!{mode}"
        body = indent(f"assign {{{c}, {r}}} = {sub_cond} ? {{1'b0, {a}}} - {{1'b0, {b}}} : {{1'b0, {a}}} + {{1'b0, {b}}};")
        s1, s0 = ("subtracts", "adds") if sub_high else ("adds", "subtracts")
        return Design(
            family=self.name, module=module, params=(("width", str(w)), ("sub_when", "1" if sub_high else "0")),
            ports=ports, summary=f"a {bits(w)} adder/subtractor",
            behaviour=(f"When `{mode}` is 1 the module {s1}; when it is 0 it {s0}: `{a}` + `{b}` or `{a}` - `{b}`.",
                       f"`{r}` holds the low {w} bits of the result.",
                       f"`{c}` is bit {w} of the {w + 1}-bit result (carry for add, borrow for subtract)."),
            considerations=("Operands are unsigned and zero-extended to one extra bit.", "Purely combinational."),
            verilog=module_text(module, ports, body), sequential=False,
        )


_ALU_OPS = {
    "add": ("{a} + {b}", "`{a}` + `{b}`"),
    "sub": ("{a} - {b}", "`{a}` - `{b}`"),
    "and": ("{a} & {b}", "bitwise AND of `{a}` and `{b}`"),
    "or": ("{a} | {b}", "bitwise OR of `{a}` and `{b}`"),
    "xor": ("{a} ^ {b}", "bitwise XOR of `{a}` and `{b}`"),
    "not": ("~{a}", "bitwise NOT of `{a}`"),
    "pass": ("{a}", "`{a}` unchanged"),
    "shl": ("{a} << 1", "`{a}` shifted left by one"),
}


class Alu:
    """W-bit ALU: a 2-bit op code picks one of four operations (the set and encoding vary); zero flag."""

    name = "alu"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        w = grid_value(rng, [4, 8, 16])
        ops = rng.sample(sorted(_ALU_OPS), 4)
        a, b, op, y, z = rng.choice([("a", "b", "op", "y", "zero"), ("x", "y", "opcode", "result", "z"),
                                     ("src_a", "src_b", "alu_op", "out", "zero_flag")])
        module = rng.choice(["alu", f"alu{w}", "simple_alu"])
        ports = (PortSpec(a, "input", w, "operand A"), PortSpec(b, "input", w, "operand B"),
                 PortSpec(op, "input", 2, "operation code"), PortSpec(y, "output", w, "result", reg=True),
                 PortSpec(z, "output", 1, "1 when the result is zero"))
        cases = "\n".join(f"2'd{i}: {y} = {_ALU_OPS[o][0].format(a=a, b=b)};" for i, o in enumerate(ops))
        body = indent(f"always @(*) begin\n    case ({op})\n{indent(cases, 2)}\n    endcase\nend\n\n"
                      f"assign {z} = ({y} == {lit(w, 0)});")
        table = "; ".join(f"`{op}` = {i}: {_ALU_OPS[o][1].format(a=a, b=b)}" for i, o in enumerate(ops))
        return Design(
            family=self.name, module=module, params=(("width", str(w)), ("ops", ",".join(ops))),
            ports=ports, summary=f"a {bits(w)} ALU with a 2-bit operation code",
            behaviour=(f"`{y}` is selected by `{op}`: {table}.", f"`{z}` is 1 when `{y}` is zero."),
            considerations=(f"Results are truncated to {w} bits.", "Purely combinational."),
            verilog=module_text(module, ports, body), sequential=False,
        )
