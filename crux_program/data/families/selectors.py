"""Combinational selection families: mux, decoder, priority encoder, comparator."""
from __future__ import annotations

import random

from crux_program.data.families.base import Design, PortSpec, bits, grid_value, indent, lit, module_text


class Mux:
    """N-to-1 multiplexer of W-bit inputs."""

    name = "mux"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        n = rng.choice([2, 3, 4])
        w = grid_value(rng, [1, 2, 4, 8, 16])
        sw = 1 if n == 2 else 2
        names = rng.choice([["a", "b", "c", "d"], ["in0", "in1", "in2", "in3"], ["d0", "d1", "d2", "d3"]])[:n]
        sel, out = rng.choice([("sel", "y"), ("sel", "out"), ("s", "dout")])
        module = rng.choice([f"mux{n}", f"mux{n}to1", "data_mux"])
        ports = tuple(PortSpec(x, "input", w, f"data input {i}") for i, x in enumerate(names))
        ports += (PortSpec(sel, "input", sw, "select"), PortSpec(out, "output", w, "selected data", reg=True))
        cases = "\n".join(f"{lit(sw, i)}: {out} = {x};" for i, x in enumerate(names))
        default = f"\ndefault: {out} = {lit(w, 0)};" if n == 3 else ""
        body = indent(f"always @(*) begin\n    case ({sel})\n{indent(cases + default, 2)}\n    endcase\nend")
        picks = ", ".join(f"`{x}` when `{sel}` is {i}" for i, x in enumerate(names))
        cons = ("Purely combinational: the output follows the inputs with no clock.",)
        if n == 3:
            cons += (f"When `{sel}` is 3 the output is 0.",)
        return Design(
            family=self.name, module=module, params=(("inputs", str(n)), ("width", str(w))),
            ports=ports, summary=f"a {n}-to-1 multiplexer of {bits(w)} values",
            behaviour=(f"`{out}` equals {picks}.",), considerations=cons,
            verilog=module_text(module, ports, body), sequential=False,
        )


class Decoder:
    """N-to-2^N one-hot decoder with enable; outputs active high or active low."""

    name = "decoder"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        n = rng.choice([1, 2, 3, 4])
        low = rng.random() < 0.3
        src, en, out = rng.choice([("a", "en", "y"), ("sel", "enable", "out"), ("addr", "en", "dec")])
        module = rng.choice([f"decoder{n}to{2 ** n}", "decoder", "onehot_decoder"])
        ports = (
            PortSpec(src, "input", n, "binary code"),
            PortSpec(en, "input", 1, "enable"),
            PortSpec(out, "output", 2 ** n, "one-hot outputs" + (" (active low)" if low else "")),
        )
        one = f"({lit(2 ** n, 1)} << {src})"
        expr = f"{en} ? ~{one} : {{{2 ** n}{{1'b1}}}}" if low else f"{en} ? {one} : {lit(2 ** n, 0)}"
        body = indent(f"assign {out} = {expr};")
        if low:
            beh = (f"When `{en}` is 1, bit `{src}` of `{out}` is 0 and every other bit is 1.",
                   f"When `{en}` is 0, every bit of `{out}` is 1.")
        else:
            beh = (f"When `{en}` is 1, bit `{src}` of `{out}` is 1 and every other bit is 0.",
                   f"When `{en}` is 0, `{out}` is all zeros.")
        return Design(
            family=self.name, module=module, params=(("bits", str(n)), ("active", "low" if low else "high")),
            ports=ports, summary=f"a {n}-to-{2 ** n} decoder with enable",
            behaviour=beh, considerations=("Purely combinational.",),
            verilog=module_text(module, ports, body), sequential=False,
        )


class PriorityEncoder:
    """W-bit request vector -> index of the highest (or lowest) set bit, plus a valid flag."""

    name = "priority_encoder"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        w = rng.choice([4, 8, 16])
        msb = rng.random() < 0.5
        iw = w.bit_length() - 1
        req, idx, valid = rng.choice([("req", "idx", "valid"), ("in", "pos", "found"), ("d", "code", "v")])
        module = rng.choice([f"prio_enc{w}", "priority_encoder", f"penc{w}"])
        ports = (
            PortSpec(req, "input", w, "request bits"),
            PortSpec(idx, "output", iw, "index of the winning bit", reg=True),
            PortSpec(valid, "output", 1, "1 when any bit is set"),
        )
        loop = f"for (i = 0; i < {w}; i = i + 1)" if msb else f"for (i = {w - 1}; i >= 0; i = i - 1)"
        body = indent(f"integer i;\n\nassign {valid} = |{req};\n\nalways @(*) begin\n    {idx} = {lit(iw, 0)};\n"
                      f"    {loop}  // the last set bit visited wins\n        if ({req}[i]) {idx} = i[{iw - 1}:0];\nend")
        side = "highest" if msb else "lowest"
        return Design(
            family=self.name, module=module, params=(("width", str(w)), ("priority", "msb" if msb else "lsb")),
            ports=ports, summary=f"a {w}-bit priority encoder",
            behaviour=(f"`{idx}` is the position of the {side}-numbered set bit of `{req}`.",
                       f"`{valid}` is 1 when any bit of `{req}` is set."),
            considerations=(f"When no bit is set, `{idx}` is 0 and `{valid}` is 0.", "Purely combinational."),
            verilog=module_text(module, ports, body), sequential=False,
        )


class Comparator:
    """Two W-bit operands, signed or unsigned, -> eq / lt / gt flags."""

    name = "comparator"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        w = grid_value(rng, [2, 4, 8, 16])
        signed = rng.random() < 0.4
        a, b = rng.choice([("a", "b"), ("x", "y"), ("lhs", "rhs")])
        eq, lt, gt = rng.choice([("eq", "lt", "gt"), ("equal", "less", "greater"), ("a_eq_b", "a_lt_b", "a_gt_b")])
        module = rng.choice([f"cmp{w}", "comparator", f"{'s' if signed else 'u'}comp{w}"])
        ports = (PortSpec(a, "input", w, "first operand"), PortSpec(b, "input", w, "second operand"),
                 PortSpec(eq, "output", 1, "equal flag"), PortSpec(lt, "output", 1, "less-than flag"),
                 PortSpec(gt, "output", 1, "greater-than flag"))
        sa, sb = (f"$signed({a})", f"$signed({b})") if signed else (a, b)
        body = indent(f"assign {eq} = ({a} == {b});\nassign {lt} = ({sa} < {sb});\nassign {gt} = ({sa} > {sb});")
        kind = "two's-complement signed" if signed else "unsigned"
        return Design(
            family=self.name, module=module, params=(("width", str(w)), ("signed", str(int(signed)))),
            ports=ports, summary=f"a {bits(w)} {kind} magnitude comparator",
            behaviour=(f"`{eq}` is 1 when `{a}` equals `{b}`.", f"`{lt}` is 1 when `{a}` is less than `{b}`.",
                       f"`{gt}` is 1 when `{a}` is greater than `{b}`."),
            considerations=(f"Operands are compared as {kind} numbers.", "Exactly one flag is 1 at a time."),
            verilog=module_text(module, ports, body), sequential=False,
        )
