"""Sequential counting families: counters (up, up/down with load, mod-N), accumulator, clock divider."""
from __future__ import annotations

import random

from crux_program.data.families.base import Clocking, Design, PortSpec, bits, grid_value, indent, lit, module_text


def _design(fam, module, params, ports, summary, beh, cons, clocking, body) -> Design:
    """Assemble a sequential Design: clocking params and considerations first, the body indented once."""
    return Design(family=fam, module=module, params=params + clocking.params, ports=ports, summary=summary,
                  behaviour=beh, considerations=clocking.sentences("the state to 0") + cons,
                  verilog=module_text(module, ports, indent(body)), sequential=True)


def body_of(ck: Clocking, q: str, w: int, run: str) -> str:
    """Clocked block that clears `q` on reset and runs `run` otherwise."""
    return ck.always(f"{q} <= {lit(w, 0)};", run)


class Counter:
    """W-bit up counter with enable that wraps around."""

    name = "counter"
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        w = grid_value(rng, [2, 3, 4, 6, 8, 16])
        en, q = rng.choice([("en", "count"), ("enable", "q"), ("inc", "cnt")])
        module = rng.choice([f"counter{w}", "up_counter", "binary_counter"])
        ports = ck.ports() + (PortSpec(en, "input", 1, "count enable"), PortSpec(q, "output", w, "count", reg=True))
        body = body_of(ck, q, w, f"if ({en})\n    {q} <= {q} + {lit(w, 1)};")
        return _design(self.name, module, (("width", str(w)),), ports, f"a {bits(w)} up counter with enable",
                       (f"When `{en}` is 1, `{q}` increments by one each clock.",
                        f"When `{en}` is 0, `{q}` holds its value."),
                       (f"`{q}` wraps from {2 ** w - 1} to 0.",), ck, body)


class UpDownCounter:
    """W-bit up/down counter with enable and synchronous parallel load (load has priority)."""

    name = "updown_counter"
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        w = grid_value(rng, [3, 4, 8])
        up_high = rng.random() < 0.7
        dirn = "up" if up_high else "down"
        en, ld, d, q = rng.choice([("en", "load", "d", "q"), ("enable", "ld", "din", "count")])
        module = rng.choice(["updown_counter", f"udcounter{w}", "up_down_counter"])
        ports = ck.ports() + (PortSpec(en, "input", 1, "count enable"), PortSpec(dirn, "input", 1, "direction"),
                              PortSpec(ld, "input", 1, "load enable"), PortSpec(d, "input", w, "load value"),
                              PortSpec(q, "output", w, "count", reg=True))
        inc, dec = (f"{q} + {lit(w, 1)}", f"{q} - {lit(w, 1)}")
        run = (f"if ({ld})\n    {q} <= {d};\nelse if ({en})\n    {q} <= {dirn} ? {inc if up_high else dec} : "
               f"{dec if up_high else inc};")
        one, zero = ("counts up", "counts down") if up_high else ("counts down", "counts up")
        return _design(self.name, module, (("width", str(w)), ("dir_input", dirn)), ports,
                       f"a {bits(w)} up/down counter with load",
                       (f"When `{ld}` is 1, `{q}` loads `{d}` on the clock edge.",
                        f"Otherwise, when `{en}` is 1, `{q}` {one} by one if `{dirn}` is 1 and {zero} if it is 0.",
                        f"When neither `{ld}` nor `{en}` is 1, `{q}` holds."),
                       (f"`{ld}` has priority over `{en}`.", "The count wraps around in both directions."), ck, body_of(ck, q, w, run))


class ModNCounter:
    """Counts 0..N-1 with enable and a terminal-count flag."""

    name = "modn_counter"
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        n = grid_value(rng, [3, 5, 6, 7, 9, 10, 12])
        w = (n - 1).bit_length()
        en, q, tc = rng.choice([("en", "count", "tc"), ("enable", "q", "wrap"), ("tick", "value", "done")])
        module = rng.choice([f"mod{n}_counter", f"counter_mod{n}", "modn_counter"])
        ports = ck.ports() + (PortSpec(en, "input", 1, "count enable"), PortSpec(q, "output", w, "count", reg=True),
                              PortSpec(tc, "output", 1, "terminal count flag"))
        run = f"if ({en})\n    {q} <= ({q} == {lit(w, n - 1)}) ? {lit(w, 0)} : {q} + {lit(w, 1)};"
        body = body_of(ck, q, w, run) + f"\n\nassign {tc} = ({q} == {lit(w, n - 1)});"
        return _design(self.name, module, (("modulus", str(n)),), ports, f"a modulo-{n} counter",
                       (f"When `{en}` is 1, `{q}` counts 0, 1, ..., {n - 1} and then returns to 0.",
                        f"`{tc}` is 1 whenever `{q}` equals {n - 1}, regardless of `{en}`."),
                       (f"`{q}` never exceeds {n - 1}.", f"`{tc}` is combinational from `{q}`."), ck, body)


class Accumulator:
    """Adds a W-bit input into a wider running sum when enabled, with a synchronous clear."""

    name = "accumulator"
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        w = grid_value(rng, [4, 8])
        sw = w + rng.choice([0, 2, 4])
        en, clr, d, acc = rng.choice([("en", "clear", "d", "acc"), ("valid", "clr", "din", "sum"),
                                      ("add", "zero", "x", "total")])
        module = rng.choice(["accumulator", f"acc{sw}", "running_sum"])
        ports = ck.ports() + (PortSpec(en, "input", 1, "accumulate enable"), PortSpec(clr, "input", 1, "clear"),
                              PortSpec(d, "input", w, "value to add"), PortSpec(acc, "output", sw, "running sum", reg=True))
        pad = f"{{{sw - w}'d0, {d}}}" if sw > w else d
        run = f"if ({clr})\n    {acc} <= {lit(sw, 0)};\nelse if ({en})\n    {acc} <= {acc} + {pad};"
        return _design(self.name, module, (("in_width", str(w)), ("acc_width", str(sw))), ports,
                       f"a {bits(sw)} accumulator of {bits(w)} values",
                       (f"When `{clr}` is 1, `{acc}` becomes 0 on the clock edge.",
                        f"Otherwise, when `{en}` is 1, `{d}` (zero-extended) is added to `{acc}`."),
                       (f"`{clr}` has priority over `{en}`.", f"The sum wraps modulo 2^{sw}."), ck, body_of(ck, acc, sw, run))


class ClockDivider:
    """Divides the clock by 2N: the output toggles every N input clocks."""

    name = "clock_divider"
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        n = grid_value(rng, [1, 2, 3, 4, 5, 8])
        w = max(1, (n - 1).bit_length())
        out = rng.choice(["clk_out", "div_clk", "slow_clk"])
        module = rng.choice([f"clk_div{2 * n}", "clock_divider", f"divide_by_{2 * n}"])
        ports = ck.ports() + (PortSpec(out, "output", 1, f"clock divided by {2 * n}", reg=True),)
        reset = f"cnt <= {lit(w, 0)};\n{out} <= 1'b0;"
        run = (f"if (cnt == {lit(w, n - 1)}) begin\n    cnt <= {lit(w, 0)};\n    {out} <= ~{out};\nend else begin\n"
               f"    cnt <= cnt + {lit(w, 1)};\nend")
        body = f"reg [{w - 1}:0] cnt;\n\n" + ck.always(reset, run)
        return _design(self.name, module, (("divide_by", str(2 * n)),), ports, f"a divide-by-{2 * n} clock divider",
                       (f"An internal counter counts input clocks from 0 to {n - 1}.",
                        f"When the counter reaches {n - 1} it returns to 0 and `{out}` toggles, so `{out}` "
                        f"has a period of {2 * n} input clocks."),
                       (f"Reset also sets `{out}` to 0.",), ck, body)
