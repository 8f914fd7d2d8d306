"""The design families of the synthetic curriculum, combinational then sequential."""
from __future__ import annotations

from crux_program.data.families.arithmetic import AddSub, Adder, Alu
from crux_program.data.families.base import Clocking, Design, Family, PortSpec
from crux_program.data.families.bitwise import BarrelShifter, BitReverse, GrayCode, Parity, Popcount
from crux_program.data.families.counters import Accumulator, ClockDivider, Counter, ModNCounter, UpDownCounter
from crux_program.data.families.fsm import MealyDetector, MooreDetector
from crux_program.data.families.selectors import Comparator, Decoder, Mux, PriorityEncoder
from crux_program.data.families.signals import Debouncer, EdgeDetector, PulseStretcher, ShiftRegister
from crux_program.data.families.storage import Fifo, RegisterFile

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Mux(), Decoder(), PriorityEncoder(), Comparator(), Adder(), AddSub(), Alu(),
        Parity(), BarrelShifter(), BitReverse(), Popcount(), GrayCode(),
        Counter(), UpDownCounter(), ModNCounter(), Accumulator(), ClockDivider(),
        ShiftRegister(), EdgeDetector(), PulseStretcher(), Debouncer(),
        MooreDetector(), MealyDetector(), RegisterFile(), Fifo(),
    )
}

__all__ = ["FAMILIES", "Clocking", "Design", "Family", "PortSpec"]
