"""Sequential storage families: small register file and small synchronous FIFO."""
from __future__ import annotations

import random

from crux_program.data.families.base import Clocking, Design, PortSpec, bits, grid_value, indent, lit, module_text


class RegisterFile:
    """N x W register file: one synchronous write port, one or two asynchronous read ports."""

    name = "register_file"
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        n = rng.choice([2, 4, 8])
        w = grid_value(rng, [4, 8, 16])
        reads = rng.choice([1, 2])
        aw = (n - 1).bit_length()
        module = rng.choice([f"regfile{n}x{w}", "register_file", "reg_bank"])
        ports = ck.ports() + (PortSpec("we", "input", 1, "write enable"), PortSpec("waddr", "input", aw, "write address"),
                              PortSpec("wdata", "input", w, "write data"))
        rnames = ["raddr", "rdata"] if reads == 1 else ["raddr1", "rdata1", "raddr2", "rdata2"]
        assigns = []
        for i in range(0, len(rnames), 2):
            ports += (PortSpec(rnames[i], "input", aw, "read address"), PortSpec(rnames[i + 1], "output", w, "read data"))
            assigns.append(f"assign {rnames[i + 1]} = regs[{rnames[i]}];")
        reset = f"for (i = 0; i < {n}; i = i + 1)\n    regs[i] <= {lit(w, 0)};"
        body = (f"reg [{w - 1}:0] regs [0:{n - 1}];\ninteger i;\n\n" + ck.always(reset, "if (we)\n    regs[waddr] <= wdata;")
                + "\n\n" + "\n".join(assigns))
        reads_txt = " and ".join(f"`{rnames[i + 1]}` is register `{rnames[i]}`" for i in range(0, len(rnames), 2))
        return Design(
            family=self.name, module=module,
            params=(("regs", str(n)), ("width", str(w)), ("read_ports", str(reads))) + ck.params,
            ports=ports, summary=f"a register file of {n} {bits(w)} registers",
            behaviour=("When `we` is 1, `wdata` is written to register `waddr` on the clock edge.",
                       f"Reads are combinational: {reads_txt}."),
            considerations=ck.sentences("every register to 0") + ("A read of the register being written returns "
                                                                  "the old value until the clock edge.",),
            verilog=module_text(module, ports, indent(body)), sequential=True,
        )


class Fifo:
    """Synchronous FIFO of depth 4 or 8 with full/empty flags and show-ahead output."""

    name = "fifo"
    sequential = True

    def build(self, rng: random.Random) -> Design:
        ck = Clocking.sample(rng)
        depth = rng.choice([2, 4, 8])
        w = grid_value(rng, [4, 8])
        aw = (depth - 1).bit_length()
        push, pop, din, dout = rng.choice([("push", "pop", "din", "dout"), ("wr_en", "rd_en", "wdata", "rdata")])
        module = rng.choice([f"fifo{depth}x{w}", "sync_fifo", "small_fifo"])
        ports = ck.ports() + (PortSpec(push, "input", 1, "write request"), PortSpec(pop, "input", 1, "read request"),
                              PortSpec(din, "input", w, "write data"), PortSpec(dout, "output", w, "head of queue"),
                              PortSpec("full", "output", 1, "FIFO full"), PortSpec("empty", "output", 1, "FIFO empty"))
        cw = aw + 1
        reset = (f"wr_ptr <= {lit(aw, 0)};\nrd_ptr <= {lit(aw, 0)};\ncount <= {lit(cw, 0)};\n"
                 f"for (i = 0; i < {depth}; i = i + 1)\n    mem[i] <= {lit(w, 0)};")
        run = (f"if (do_push) begin\n    mem[wr_ptr] <= {din};\n    wr_ptr <= wr_ptr + {lit(aw, 1)};\nend\n"
               f"if (do_pop)\n    rd_ptr <= rd_ptr + {lit(aw, 1)};\n"
               f"if (do_push && !do_pop)\n    count <= count + {lit(cw, 1)};\n"
               f"else if (do_pop && !do_push)\n    count <= count - {lit(cw, 1)};")
        body = (f"reg [{w - 1}:0] mem [0:{depth - 1}];\nreg [{aw - 1}:0] wr_ptr;\nreg [{aw - 1}:0] rd_ptr;\n"
                f"reg [{cw - 1}:0] count;\ninteger i;\n\n"
                f"assign full = (count == {lit(cw, depth)});\nassign empty = (count == {lit(cw, 0)});\n"
                f"assign {dout} = mem[rd_ptr];\n\nwire do_push = {push} && !full;\nwire do_pop = {pop} && !empty;\n\n"
                + ck.always(reset, run))
        return Design(
            family=self.name, module=module, params=(("depth", str(depth)), ("width", str(w))) + ck.params,
            ports=ports, summary=f"a synchronous FIFO of {depth} {bits(w)} entries",
            behaviour=(f"When `{push}` is 1 and the FIFO is not full, `{din}` is stored at the tail.",
                       f"When `{pop}` is 1 and the FIFO is not empty, the head entry is removed.",
                       f"`{dout}` always shows the head entry (show-ahead), combinationally.",
                       f"`full` is 1 when {depth} entries are stored; `empty` is 1 when none are."),
            considerations=ck.sentences("the FIFO to empty and the storage to 0")
            + ("A push while full and a pop while empty are ignored.",
               "A push and a pop in the same cycle both happen when allowed."),
            verilog=module_text(module, ports, indent(body)), sequential=True,
        )
