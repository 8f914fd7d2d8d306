"""Sequential signal-conditioning families: shift register, edge detector, pulse stretcher, debouncer."""
from __future__ import annotations

import random

from crux_program.data.families.base import Clocking, Design, PortSpec, bits, grid_value, indent, lit, module_text


def _design(fam, module, params, ports, summary, beh, cons, clocking, body, cleared="the state to 0") -> Design:
    """Assemble a sequential Design; `cleared` says what the reset clears, for the considerations."""
    return Design(family=fam, module=module, params=params + clocking.params, ports=ports, summary=summary,
                  behaviour=beh, considerations=clocking.sentences(cleared) + cons,
                  verilog=module_text(module, ports, indent(body)), sequential=True)


class ShiftRegister:
    """W-bit serial-in parallel-out shift register with enable; shifts left or right."""

    name = "shift_register"
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        w = grid_value(rng, [3, 4, 5, 8, 16])
        left = rng.random() < 0.5
        en, sin, q = rng.choice([("en", "din", "q"), ("shift", "serial_in", "data"), ("enable", "sin", "sr")])
        module = rng.choice([f"shift_reg{w}", "sipo", "shift_register"])
        ports = ck.ports() + (PortSpec(en, "input", 1, "shift enable"), PortSpec(sin, "input", 1, "serial input"),
                              PortSpec(q, "output", w, "register contents", reg=True))
        nxt = f"{{{q}[{w - 2}:0], {sin}}}" if left else f"{{{sin}, {q}[{w - 1}:1]}}"
        body = ck.always(f"{q} <= {lit(w, 0)};", f"if ({en})\n    {q} <= {nxt};")
        beh = (f"When `{en}` is 1, `{q}` shifts {'left' if left else 'right'} by one and `{sin}` enters at bit "
               f"{0 if left else w - 1}.", f"When `{en}` is 0, `{q}` holds.")
        return _design(self.name, module, (("width", str(w)), ("dir", "left" if left else "right")), ports,
                       f"a {bits(w)} serial-in parallel-out shift register", beh,
                       (f"The bit shifted out at {'the top' if left else 'bit 0'} is discarded.",), ck, body)


class EdgeDetector:
    """Registered detection of rising, falling or any edges of a 1-bit input."""

    name = "edge_detector"
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        kind = rng.choice(["rising", "falling", "both"])
        sig, out = rng.choice([("sig", "pulse"), ("din", "edge_out"), ("a", "detected")])
        module = rng.choice([f"{kind}_edge_detector", "edge_detect", "edge_detector"])
        ports = ck.ports() + (PortSpec(sig, "input", 1, "monitored signal"),
                              PortSpec(out, "output", 1, f"{kind}-edge pulse"))
        expr = {"rising": f"{sig} & ~prev", "falling": f"~{sig} & prev", "both": f"{sig} ^ prev"}[kind]
        body = "reg prev;\n\n" + ck.always("prev <= 1'b0;", f"prev <= {sig};") + f"\n\nassign {out} = {expr};"
        when = {"rising": f"`{sig}` is 1 and `prev` is 0", "falling": f"`{sig}` is 0 and `prev` is 1",
                "both": f"`{sig}` differs from `prev`"}[kind]
        beh = (f"A register `prev` holds the value of `{sig}` from the previous clock edge.",
               f"`{out}` is 1 while {when}, else 0.")
        return _design(self.name, module, (("edge_kind", kind),), ports, f"a {kind}-edge detector", beh,
                       (f"`{out}` is combinational from `{sig}` and `prev`.",), ck, body, "`prev` to 0")


class PulseStretcher:
    """Stretches a 1-cycle input pulse to an output held high for N cycles (retriggerable)."""

    name = "pulse_stretcher"
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        n = rng.choice([2, 3, 4, 5, 8])
        w = n.bit_length()
        trig, out = rng.choice([("trigger", "pulse_out"), ("in", "out"), ("start", "busy")])
        module = rng.choice(["pulse_stretcher", f"stretch{n}", "pulse_extender"])
        ports = ck.ports() + (PortSpec(trig, "input", 1, "trigger"), PortSpec(out, "output", 1, "stretched pulse"))
        run = f"if ({trig})\n    cnt <= {lit(w, n)};\nelse if (cnt != {lit(w, 0)})\n    cnt <= cnt - {lit(w, 1)};"
        body = f"reg [{w - 1}:0] cnt;\n\n" + ck.always(f"cnt <= {lit(w, 0)};", run) + f"\n\nassign {out} = (cnt != {lit(w, 0)});"
        beh = (f"When `{trig}` is 1 at a clock edge, an internal counter is loaded with {n}.",
               "Otherwise the counter decrements by one each clock until it reaches 0.",
               f"`{out}` is 1 while the counter is non-zero, so one trigger gives {n} cycles of output.")
        return _design(self.name, module, (("cycles", str(n)),), ports, f"a pulse stretcher to {n} cycles", beh,
                       ("A new trigger restarts the count.",), ck, body, "the counter to 0")


class Debouncer:
    """Output follows a noisy 1-bit input only after it has been stable for N clocks."""

    name = "debouncer"
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        n = grid_value(rng, [2, 3, 4, 6])
        w = n.bit_length()
        nin, out = rng.choice([("noisy", "clean"), ("btn", "btn_db"), ("in", "out")])
        module = rng.choice(["debouncer", f"debounce{n}", "button_debounce"])
        ports = ck.ports() + (PortSpec(nin, "input", 1, "noisy input"),
                              PortSpec(out, "output", 1, "debounced output", reg=True))
        run = (f"if ({nin} == {out}) begin\n    cnt <= {lit(w, 0)};\nend else if (cnt == {lit(w, n - 1)}) begin\n"
               f"    {out} <= {nin};\n    cnt <= {lit(w, 0)};\nend else begin\n    cnt <= cnt + {lit(w, 1)};\nend")
        body = f"reg [{w - 1}:0] cnt;\n\n" + ck.always(f"cnt <= {lit(w, 0)};\n{out} <= 1'b0;", run)
        beh = (f"When `{nin}` equals `{out}`, an internal counter is cleared.",
               f"When `{nin}` differs from `{out}`, the counter increments each clock; on the clock where it "
               f"equals {n - 1}, `{out}` takes the value of `{nin}` and the counter clears.",
               f"So `{out}` changes only after `{nin}` has differed from it for {n} consecutive clocks.")
        return _design(self.name, module, (("stable_cycles", str(n)),), ports, f"a debouncer with a {n}-cycle filter",
                       beh, (), ck, body, f"the counter and `{out}` to 0")
