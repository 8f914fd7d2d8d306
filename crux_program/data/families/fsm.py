"""Sequence-detector FSM families (Moore and Mealy): pattern, overlap and state encoding vary."""
from __future__ import annotations

import random

from crux_program.data.families.base import Clocking, Design, PortSpec, indent, module_text


def next_state(pattern: str, matched: str, bit: str, limit: int) -> int:
    """Longest k <= limit such that pattern[:k] is a suffix of matched+bit (the KMP transition)."""
    hist = matched + bit
    for k in range(min(limit, len(hist)), 0, -1):
        if hist.endswith(pattern[:k]):
            return k
    return 0


def encode(index: int, count: int, encoding: str) -> tuple[int, str]:
    """State width and literal for state `index` of `count` under binary, one-hot or Gray encoding."""
    if encoding == "onehot":
        return count, f"{count}'b{1 << index:0{count}b}"
    w = max(1, (count - 1).bit_length())
    code = index ^ (index >> 1) if encoding == "gray" else index
    return w, f"{w}'b{code:0{w}b}"


class _SequenceDetector:
    """Shared machinery: detect `pattern` on a serial input, overlapping or not."""

    name = ""
    moore = True
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        n = rng.choice([3, 4])
        pattern = "".join(rng.choice("01") for _ in range(n))
        overlap = rng.random() < 0.5
        encoding = rng.choice(["binary", "onehot", "gray"])
        din, det = rng.choice([("din", "detected"), ("x", "z"), ("bit_in", "match")])
        module = rng.choice([f"seq_{pattern}_detector", "sequence_detector", f"detect_{pattern}"])
        count = n + 1 if self.moore else n
        sw, _ = encode(0, count, encoding)
        names = [f"S{i}" for i in range(count)]
        params = "\n".join(f"localparam {s} = {encode(i, count, encoding)[1]};" for i, s in enumerate(names))
        arms = []
        for s in range(count):
            matched = pattern[:s] if s < n else (pattern if overlap else "")
            nxt = {}
            for b in "01":
                k = next_state(pattern, matched, b, n if self.moore else n - 1)
                if not self.moore and s == n - 1 and b == pattern[-1] and not overlap:
                    k = 0
                nxt[b] = names[k]
            arms.append(f"{names[s]}: next = {din} ? {nxt['1']} : {nxt['0']};")
        arms.append(f"default: next = {names[0]};")
        comb = f"always @(*) begin\n    case (state)\n{indent(chr(10).join(arms), 2)}\n    endcase\nend"
        last = names[-1]
        out = f"(state == {last})" if self.moore else f"(state == {last}) && ({din} == 1'b{pattern[-1]})"
        body = (f"{params}\n\nreg [{sw - 1}:0] state;\nreg [{sw - 1}:0] next;\n\n{comb}\n\n"
                + ck.always(f"state <= {names[0]};", "state <= next;") + f"\n\nassign {det} = {out};")
        ports = ck.ports() + (PortSpec(din, "input", 1, "serial input bit"),
                              PortSpec(det, "output", 1, "detection flag"))
        kind = "Moore" if self.moore else "Mealy"
        when = (f"`{det}` is 1 for the clock cycle after the last bit of `{pattern}` has been received"
                if self.moore else f"`{det}` is 1 in the same cycle as the last bit of `{pattern}` arrives on `{din}`")
        beh = (f"The FSM watches `{din}` one bit per clock, oldest bit first, for the pattern {pattern}.",
               when + f" ({kind} output" + (", a function of the state only)." if self.moore else
                                             ", a function of the state and the input)."),
               "Overlapping matches are detected: the tail of one match can start the next." if overlap else
               "Matches do not overlap: after a match the search starts over.")
        cons = (f"States use {encoding} encoding.",)
        return Design(family=self.name, module=module,
                      params=(("pattern", pattern), ("overlap", str(int(overlap))), ("encoding", encoding)) + ck.params,
                      ports=ports, summary=f"a {kind} FSM that detects the bit sequence {pattern}",
                      behaviour=beh, considerations=ck.sentences("the FSM to its idle state") + cons,
                      verilog=module_text(module, ports, indent(body)), sequential=True)


class MooreDetector(_SequenceDetector):
    """Moore sequence detector: output decoded from the state alone."""

    name = "moore_detector"
    moore = True


class MealyDetector(_SequenceDetector):
    """Mealy sequence detector: output from the state and the current input."""

    name = "mealy_detector"
    moore = False
