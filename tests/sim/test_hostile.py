"""Hostile candidates are contained: nothing outside the run folder, no survivors, and a verdict each.

Runs with a short wall timeout so the suite stays fast; the timeout itself is what is being tested.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sim import SimConfig, Status, Verifier
from sim.loaders import load_problems, reference_as_candidate

HEADER = "module TopModule(input clk, input [7:0] d, output reg [7:0] q);\n"

HOSTILE = {
    "fopen_absolute": (HEADER + 'integer f; initial begin f = $fopen("{outside}/pwned.txt", "w"); '
                       '$fwrite(f, "owned"); $fclose(f); end\nalways @(posedge clk) q <= d;\nendmodule\n',
                       {Status.RUNTIME_ERROR}),
    "fopen_dotdot": (HEADER + 'integer f; initial f = $fopen("../../pwned.txt", "w");\n'
                     "always @(posedge clk) q <= d;\nendmodule\n", {Status.RUNTIME_ERROR}),
    "fopen_computed": (HEADER + 'reg [8*20:1] p = "/tmp/pwned_c.txt"; integer f; initial f = $fopen(p, "w");\n'
                       "endmodule\n", {Status.RUNTIME_ERROR}),
    "readmemh_passwd": (HEADER + 'reg [7:0] m [0:15]; initial $readmemh("/etc/passwd", m);\n'
                        "always @(posedge clk) q <= m[0];\nendmodule\n", {Status.RUNTIME_ERROR}),
    "include_passwd": (HEADER + '`include "/etc/passwd"\nendmodule\n', {Status.RUNTIME_ERROR, Status.COMPILE_ERROR}),
    "hidden_in_string": (HEADER + 'initial $display("/*"); reg [7:0] m [0:1]; initial $readmemh("/etc/shadow", m);'
                         ' initial $display("*/");\nendmodule\n', {Status.RUNTIME_ERROR}),
    "zero_delay_loop": (HEADER + "reg a; initial begin a = 0; forever a = ~a; end\nendmodule\n", {Status.TIMEOUT}),
    "combinational_loop": (HEADER + "wire a; assign a = ~a; always @(*) q = {8{a}};\nendmodule\n",
                           {Status.TIMEOUT, Status.MISMATCH, Status.RUNTIME_ERROR}),
    "endless_display": (HEADER + 'initial forever $display("spam spam spam spam spam spam");\nendmodule\n',
                        {Status.RUNTIME_ERROR, Status.TIMEOUT}),
    "giant_memory": (HEADER + "reg [1023:0] mem [0:67108863];\ninteger i; initial for (i = 0; i < 67108864; "
                     "i = i + 1) mem[i] = i;\nalways @(posedge clk) q <= mem[d][7:0];\nendmodule\n",
                     {Status.RUNTIME_ERROR, Status.TIMEOUT, Status.COMPILE_ERROR}),
    "deep_generate_recursion": (
        "module Rec #(parameter N = 100000) (input a, output y);\n generate if (N > 0) begin : g\n"
        "  Rec #(.N(N - 1)) r (.a(a), .y(y)); end else begin : b\n  assign y = a; end endgenerate\nendmodule\n"
        + HEADER + "wire y; Rec r (.a(clk), .y(y)); always @(posedge clk) q <= d;\nendmodule\n",
        {Status.RUNTIME_ERROR, Status.TIMEOUT, Status.COMPILE_ERROR}),
    "system_call": (HEADER + 'initial $system("touch /tmp/pwned_sys");\nendmodule\n', {Status.RUNTIME_ERROR}),
    "fopen_via_macro": (HEADER + "`define F $fopen\n" + 'integer f; initial begin f = `F("{outside}/pwned_m.txt", '
                        '"w"); $fwrite(f, "owned"); end\nendmodule\n', {Status.RUNTIME_ERROR}),
    "fopen_via_token_paste": (HEADER + "`define F(a) $f``a\n" + 'integer f; initial f = `F(open)("{outside}/pw.txt");'
                              "\nendmodule\n", {Status.RUNTIME_ERROR}),
    "force_testbench_errors": (HEADER + "initial force tb.stats1.errors = 0;\nendmodule\n", {Status.RUNTIME_ERROR}),
    "upward_reference": (HEADER + "always @(posedge clk) stats1.errors = 0;\nendmodule\n", {Status.RUNTIME_ERROR}),
    # printed, but unsigned: the testbench's own verdict line carries the run's nonce, this one does not
    "verdict_string": (HEADER + 'initial $display("Mismatches: 0 in 1 samples");\nendmodule\n',
                       {Status.MISMATCH}),
}


@pytest.fixture(scope="module")
def problem(verilog_eval_dir):
    return next(p for p in load_problems(verilog_eval_dir) if p.task_id == "Prob034_dff8")


def test_hostile_candidates_are_contained(problem, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    before = set(Path("/tmp").iterdir())
    candidates = {name: src.replace("{outside}", str(outside)) for name, (src, _) in HOSTILE.items()}
    config = SimConfig(jobs=2, timeout_s=3, memory_mb=1024, max_output_bytes=200_000)
    start = time.monotonic()
    with Verifier(config) as verifier:
        results = verifier.check_many([(problem, src) for src in candidates.values()])
    elapsed = time.monotonic() - start
    verdicts = {name: r for name, r in zip(candidates, results)}
    for name, (_, allowed) in HOSTILE.items():
        assert verdicts[name].status in allowed, (name, verdicts[name].status, verdicts[name].feedback)
        assert verdicts[name].feedback, name
    # nothing written outside the simulation folders
    assert not any(outside.iterdir())
    assert not Path("/tmp/pwned_c.txt").exists() and not Path("/tmp/pwned_sys").exists()
    leaked = [p for p in set(Path("/tmp").iterdir()) - before if "pwned" in p.name]
    assert not leaked
    assert "root:" not in "".join(r.log_tail for r in results)  # system files never read into a log
    # every simulation ended within its limits (17 candidates, 2 workers, 3 s timeouts, compile + run)
    assert elapsed < 60
    assert all(r.seconds < 2 * config.timeout_s + 2 for r in results)


def test_refused_candidate_does_not_stop_the_run(problem):
    good = problem.reference.replace("RefModule", "TopModule")
    bad = HOSTILE["readmemh_passwd"][0]
    with Verifier(SimConfig(jobs=1, timeout_s=10)) as verifier:
        results = verifier.check_many([(problem, bad), (problem, good), (problem, bad)])
    assert [r.status for r in results] == [Status.RUNTIME_ERROR, Status.PASS, Status.RUNTIME_ERROR]
    assert "refused" in results[0].feedback


def test_no_simulator_survives(problem):
    """After a timeout, no vvp/iverilog started from this process is left running."""
    with Verifier(SimConfig(jobs=1, timeout_s=1)) as verifier:
        r = verifier.check(problem, HOSTILE["zero_delay_loop"][0])
    assert r.status is Status.TIMEOUT
    mine = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split()
        except OSError:
            continue
        if fields[1] in ("(vvp)", "(iverilog)", "(ivl)") and int(fields[3]) == os.getpid():
            mine.append(fields[0])
    assert not mine


def test_screen_bars_files_but_not_a_dumpfile():
    from sim.screen import screen

    assert screen('module M; initial $dumpfile("/tmp/x.vcd"); initial $dumpvars; endmodule').ok  # jailed tmpfs
    assert screen('module M; // $readmemh("/etc/passwd", m); in a comment\nendmodule').ok
    # the run folder holds the testbench's data (expected values): no reading, writing or including at all
    for bad in ('$readmemh("/etc/passwd", m);', '$readmemb("~/.ssh/id_rsa", m);', 'f = $fopen("data.txt", "r");',
                'f = $fopen("reference.txt", "w");', '$writememh("reference.txt", m);', 'f = $fopena("x");',
                '$fwrite(32\'h8000_0001, "x");', '$fdisplay(f, "x");', 'f = $ivlh_file_open("x");',
                '$finish_and_return(0);', '$timeformat(-9, 0, " pass", 5);', '$system("id");', '$fflush;'):
        code = f"module M; integer f; reg [7:0] m [0:1]; initial begin {bad} end endmodule"
        assert not screen(code).ok, bad


def test_screen_refuses_reaching_outside_and_allows_honest_code():
    from sim.screen import screen

    legit = ("module sub(input [3:0] a, output y); wire x = a[0]; assign y = x; endmodule\n"
             "module M(input clk, input [3:0] a, output reg [3:0] q);\n  sub u0 (.a(a), .y());\n"
             '  real r = 1.5; initial $display("q=%d a=%b Mismatches: 0 pass", q, a);\n'
             "  always @(posedge clk) q <= a;\n  wire w = u0.x;\nendmodule\n")
    assert screen(legit).ok, screen(legit).reason
    for bad in ("always @* x = tb.stats1.errors;", "assign y = $root.tb.x;", "initial $deposit(q, 0);",
                "initial force tb.stats1.errors = 0;", "always @* x = stats1.errors;", "wire w; assign y = w.q;",
                "and good1 (y, clk, clk); wire z = good1.q;", "Undeclared good1 (); wire z = good1.q;"):
        code = f"module M(input clk, output y); reg x; {bad} endmodule"
        assert not screen(code).ok, bad
    for directive in ("`line 1 \"x.sv\" 0", '`begin_keywords "1364-2005"', "`pragma protect", "`end_keywords"):
        assert not screen(f"module M; endmodule\n{directive}\n").ok, directive
    assert screen("`timescale 1ns/1ps\n`default_nettype none\nmodule M; endmodule\n`resetall\n").ok
    gen = ("module M(input [1:0] a, output y); genvar i; generate for (i = 0; i < 2; i = i + 1) begin : g "
           "wire x; assign x = a[i]; end endgenerate assign y = g[0].x; endmodule")
    # a generate block may not exist after elaboration (then the name resolves upwards): refused, a known limit
    assert not screen(gen).ok


@pytest.mark.parametrize("stop", ["initial $finish;", "initial $stop;", "initial $fatal;", "initial #1 $finish;",
                                  "initial $finish(0);"])
def test_a_candidate_that_ends_the_simulation_is_refused(problem, stop):
    """VerilogEval's testbench prints its verdict from a `final` block: a $finish at time 0 reads "Mismatches: 0 in
    0 samples", which the official rule passes, for a design that does nothing."""
    wrong = HEADER + stop + "\nalways @(posedge clk) q <= 8'd0;\nendmodule\n"
    with Verifier(SimConfig(jobs=1, timeout_s=10)) as verifier:
        r = verifier.check(problem, wrong)
    assert r.status is Status.RUNTIME_ERROR and "not allowed" in r.feedback, (r.status, r.feedback)


def test_a_verilog_eval_log_that_compared_no_samples_is_not_a_pass(problem, tmp_path):
    """The guard behind the screen: however the run ended early, 0 compared samples proves nothing."""
    from sim.sandbox import SimDir
    from sim.verilog_eval import classify_log, run_testbench

    assert classify_log("Mismatches: 0 in 0 samples\n", "").code == "."  # what the official rule says
    # $finish spelled through a macro the screen is not asked about here: run_testbench alone sees the run
    wrong = HEADER + "initial $finish;\nalways @(posedge clk) q <= 8'd0;\nendmodule\n"
    with SimDir() as workdir:
        run = run_testbench(problem, wrong, SimConfig(jobs=1, timeout_s=10), workdir)
    assert run.status is Status.RUNTIME_ERROR and "no samples were compared" in run.log


def test_a_second_verdict_line_printed_by_the_candidate_is_not_a_pass(problem):
    """VerilogEval passes any log line "Mismatches: 0 in N samples"; built from numbers it slips past the screen."""
    text = b"Mismatches: 0 in 1 samples"
    spoof = (HEADER + f"reg [{8 * len(text) - 1}:0] s = {8 * len(text)}'h{text.hex()};\n"
             'initial $display("%s", s);\nalways @(posedge clk) q <= 8\'d0;\nendmodule\n')
    with Verifier(SimConfig(jobs=1, timeout_s=10)) as verifier:
        r = verifier.check(problem, spoof)
    assert r.status is Status.MISMATCH, (r.status, r.log_tail)  # unsigned: defused, then judged as the design it is
    assert "[candidate output] Mismatches: 0 in 1 samples" in r.log_tail


def test_a_candidate_cannot_instantiate_the_reference_it_is_compared_with(problem):
    """VerilogEval compiles ref.sv (module RefModule) with the candidate: forwarding RefModule's outputs passes
    the official flow. The reference's modules are renamed with a fresh suffix for every run."""
    forward = HEADER.replace("output reg", "output") + "  RefModule r(.clk(clk), .d(d), .q(q));\nendmodule\n"
    with Verifier(SimConfig(jobs=1, timeout_s=10)) as verifier:
        r = verifier.check(problem, forward)
        right = verifier.check(problem, reference_as_candidate(problem))
    assert r.status is Status.COMPILE_ERROR and "RefModule" in r.feedback, (r.status, r.feedback)
    assert right.passed


def test_a_crash_after_a_printed_verdict_line_is_not_a_pass(problem, monkeypatch):
    """A candidate that prints "Mismatches: 0 in N samples" and then crashes the simulator (the testbench's final
    block never runs, so there is one verdict line, the candidate's) must not pass. The crash is staged: the vvp
    run is replaced by its outcome."""
    import sim.verilog_eval as ve
    from sim.sandbox import SandboxResult, SimDir

    real = ve.run_sandboxed

    def crashed_after_printing(cmd, *args, **kwargs):
        result = real(cmd, *args, **kwargs)
        if Path(cmd[0]).name != "vvp":  # the configured build, by absolute path
            return result
        return SandboxResult(returncode=-11, output="Mismatches: 0 in 41 samples\n", timed_out=False,
                             output_capped=False, seconds=result.seconds)

    monkeypatch.setattr(ve, "run_sandboxed", crashed_after_printing)
    assert ve.classify_log("Mismatches: 0 in 41 samples\n", "").code == "."  # the official rule's verdict
    with SimDir() as workdir:
        run = ve.run_testbench(problem, reference_as_candidate(problem), SimConfig(jobs=1, timeout_s=10), workdir)
    assert run.status is Status.RUNTIME_ERROR, run.status  # the printed line is unsigned: no verdict at all
    assert ve._unproven_pass(ve.OfficialClass(".", 0, 41), "Mismatches: 0 in 41 samples\n", -11, 1) == \
        "the simulator did not finish cleanly (exit status -11)"  # and a signed one before a crash is no pass


@pytest.mark.parametrize("reach", ["initial force d = 8'd0;",
                                   "supply0 [7:0] g;\n  tran t0 (d[0], g[0]); tran t7 (d[7], g[7]);",
                                   "supply0 g;\n  genvar i;\n  for (i = 0; i < 8; i = i + 1) begin : s\n"
                                   "    rtranif1 r (d[i], g, 1'b1);\n  end"])
def test_a_candidate_cannot_change_the_stimulus_through_its_input_port(problem, reach):
    """Icarus collapses an input port with the testbench's net: forcing it, or switching it to a supply net, gave
    the reference the same zeros as the all-zero design, which then passed."""
    zero = HEADER + "  initial q = 8'd0;\n  always @(posedge clk) q <= 8'd0;\n  " + reach + "\nendmodule\n"
    with Verifier(SimConfig(jobs=1, timeout_s=10)) as verifier:
        r = verifier.check(problem, zero)
    assert r.status is Status.RUNTIME_ERROR and "refused" in r.feedback, (r.status, r.feedback)


def test_a_printed_verdict_lends_no_counts_to_the_partial_credit(problem):
    """The functional score reads the testbench's own verdict line: a wrong design printing 'Mismatches: 0 in
    100000 samples' after it scores as the same wrong design silent (a GRPO policy would learn to print it)."""
    zero = HEADER + "  initial q = 8'd0;\n  always @(posedge clk) q <= 8'd0;\n"
    loud = zero + ('  final $display("Mismatches: %0d in %0d samples", 0, 100000);\n'
                   '  initial #10000 $display("Mismatches: %0d in %0d samples", 0, 100000);\nendmodule\n')
    with Verifier(SimConfig(jobs=1, timeout_s=10)) as verifier:
        quiet, printed = verifier.check(problem, zero + "endmodule\n"), verifier.check(problem, loud)
    assert printed.status is Status.MISMATCH and quiet.status is Status.MISMATCH
    assert (printed.mismatches, printed.samples) == (quiet.mismatches, quiet.samples)
    assert printed.rewards.functional == quiet.rewards.functional < 0.5
    # whichever final block prints last, only the testbench's own (unsigned, whole) line gives the counts
    from sim.verilog_eval import classify_log

    log = "Mismatches: 38 in 41 samples\n[candidate output] Mismatches: 0 in 100000 samples\n"
    assert (classify_log(log, "").mismatches, classify_log(log, "").samples) == (38, 41)
