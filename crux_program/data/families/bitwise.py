"""Combinational bit-manipulation families: parity, barrel shifter, bit reversal, popcount, Gray code."""
from __future__ import annotations

import random

from crux_program.data.families.base import Design, PortSpec, bits, grid_value, indent, module_text

_PURE = "Purely combinational."


class Parity:
    """Even or odd parity bit of a W-bit word."""

    name = "parity"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        w = grid_value(rng, [2, 3, 4, 5, 7, 8, 9, 16])
        odd = rng.random() < 0.5
        d, p = rng.choice([("data", "parity"), ("d", "p"), ("in", "par")])
        module = rng.choice([f"{'odd' if odd else 'even'}_parity", f"parity{w}", "parity_gen"])
        ports = (PortSpec(d, "input", w, "data word"), PortSpec(p, "output", 1, f"{'odd' if odd else 'even'} parity bit"))
        body = indent(f"assign {p} = {'~' if odd else ''}^{d};")
        rule = ("1 when `{d}` has an even number of ones, so that data plus parity has an odd count" if odd
                else "1 when `{d}` has an odd number of ones, so that data plus parity has an even count")
        return Design(
            family=self.name, module=module, params=(("width", str(w)), ("parity", "odd" if odd else "even")),
            ports=ports, summary=f"a {'odd' if odd else 'even'} parity generator for {bits(w)} data",
            behaviour=(f"`{p}` is " + rule.format(d=d) + ".",), considerations=(_PURE,),
            verilog=module_text(module, ports, body), sequential=False,
        )


class BarrelShifter:
    """W-bit barrel shifter: logical shift or rotate, left or right, by a variable amount."""

    name = "barrel_shifter"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        w = rng.choice([4, 8, 16])
        sw = w.bit_length() - 1
        left = rng.random() < 0.5
        rotate = rng.random() < 0.5
        d, sh, y = rng.choice([("data", "shamt", "out"), ("in", "amt", "y"), ("a", "shift", "result")])
        module = rng.choice(["barrel_shifter", f"{'rot' if rotate else 'shift'}{'l' if left else 'r'}{w}", "shifter"])
        ports = (PortSpec(d, "input", w, "data"), PortSpec(sh, "input", sw, "shift amount"),
                 PortSpec(y, "output", w, "shifted data"))
        op, back = ("<<", ">>") if left else (">>", "<<")
        expr = f"({d} {op} {sh}) | ({d} {back} ({w} - {sh}))" if rotate else f"{d} {op} {sh}"
        body = indent(f"assign {y} = {expr};")
        side = "left" if left else "right"
        what = f"rotated {side}" if rotate else f"logically shifted {side}"
        cons = ("Bits shifted out re-enter at the other end." if rotate else "Vacated bits are filled with zeros.",
                f"A shift amount of 0 leaves `{d}` unchanged.", _PURE)
        return Design(
            family=self.name, module=module,
            params=(("width", str(w)), ("dir", side), ("mode", "rotate" if rotate else "shift")),
            ports=ports, summary=f"a {bits(w)} barrel shifter",
            behaviour=(f"`{y}` is `{d}` {what} by `{sh}` positions.",),
            considerations=cons, verilog=module_text(module, ports, body), sequential=False,
        )


class BitReverse:
    """Reverses the bit order of a W-bit word."""

    name = "bit_reverse"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        w = grid_value(rng, [3, 4, 5, 6, 8, 12, 16])
        d, y = rng.choice([("in", "out"), ("data", "rev"), ("a", "y")])
        module = rng.choice(["bit_reverse", f"reverse{w}", "bitrev"])
        ports = (PortSpec(d, "input", w, "data"), PortSpec(y, "output", w, "reversed data", reg=True))
        body = indent(f"integer i;\n\nalways @(*) begin\n    for (i = 0; i < {w}; i = i + 1)\n"
                      f"        {y}[i] = {d}[{w - 1} - i];\nend")
        return Design(
            family=self.name, module=module, params=(("width", str(w)),),
            ports=ports, summary=f"a {bits(w)} bit-order reverser",
            behaviour=(f"Bit i of `{y}` equals bit {w - 1}-i of `{d}`.",),
            considerations=(f"`{d}`[0] ends up in `{y}`[{w - 1}].", _PURE),
            verilog=module_text(module, ports, body), sequential=False,
        )


class Popcount:
    """Counts the ones in a W-bit word."""

    name = "popcount"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        w = grid_value(rng, [3, 4, 5, 7, 8, 12, 16])
        cw = w.bit_length()
        d, c = rng.choice([("in", "count"), ("data", "ones"), ("a", "cnt")])
        module = rng.choice(["popcount", f"popcount{w}", "ones_counter"])
        ports = (PortSpec(d, "input", w, "data"), PortSpec(c, "output", cw, "number of ones", reg=True))
        body = indent(f"integer i;\n\nalways @(*) begin\n    {c} = {cw}'d0;\n    for (i = 0; i < {w}; i = i + 1)\n"
                      f"        {c} = {c} + {d}[i];\nend")
        return Design(
            family=self.name, module=module, params=(("width", str(w)),),
            ports=ports, summary=f"a population counter for {bits(w)} words",
            behaviour=(f"`{c}` is the number of bits of `{d}` that are 1.",),
            considerations=(f"`{c}` has {cw} bits so the count {w} fits.", _PURE),
            verilog=module_text(module, ports, body), sequential=False,
        )


class GrayCode:
    """Binary-to-Gray or Gray-to-binary converter."""

    name = "gray_code"
    sequential = False

    def build(self, rng: random.Random) -> Design:
        w = rng.choice([3, 4, 5, 6, 8])
        to_gray = rng.random() < 0.5
        d, y = rng.choice([("bin", "gray"), ("in", "out")] if to_gray else [("gray", "bin"), ("in", "out")])
        module = rng.choice(["bin2gray", f"bin_to_gray{w}"] if to_gray else ["gray2bin", f"gray_to_bin{w}"])
        ports = (PortSpec(d, "input", w, "binary value" if to_gray else "Gray-coded value"),
                 PortSpec(y, "output", w, "Gray-coded value" if to_gray else "binary value", reg=not to_gray))
        if to_gray:
            body = indent(f"assign {y} = {d} ^ ({d} >> 1);")
            beh = (f"`{y}` is `{d}` XOR (`{d}` shifted right by one).",)
        else:
            body = indent(f"integer i;\n\nalways @(*) begin\n    {y}[{w - 1}] = {d}[{w - 1}];\n"
                          f"    for (i = {w - 2}; i >= 0; i = i - 1)\n        {y}[i] = {y}[i + 1] ^ {d}[i];\nend")
            beh = (f"The top bit of `{y}` equals the top bit of `{d}`.",
                   f"Each lower bit i of `{y}` is `{y}`[i+1] XOR `{d}`[i].")
        return Design(
            family=self.name, module=module, params=(("width", str(w)), ("to", "gray" if to_gray else "binary")),
            ports=ports, summary=f"a {bits(w)} {'binary-to-Gray' if to_gray else 'Gray-to-binary'} converter",
            behaviour=beh, considerations=(_PURE,),
            verilog=module_text(module, ports, body), sequential=False,
        )
