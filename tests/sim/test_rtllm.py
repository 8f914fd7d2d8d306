"""The RTLLM v2 sample behaves as BENCHMARKS.md says under Icarus 11."""
from __future__ import annotations

from sim import SimConfig, Status, Verifier
from sim.loaders import load_problems, reference_as_candidate


def test_rtllm_references(rtllm_dir):
    problems = load_problems(rtllm_dir)
    assert len(problems) == 10
    with Verifier(SimConfig(jobs=2, timeout_s=30)) as verifier:
        results = {r.task_id: r for r in verifier.check_many([(p, reference_as_candidate(p)) for p in problems])}
    assert {t for t, r in results.items() if not r.passed} == {"asyn_fifo", "radix2_div"}
    assert results["asyn_fifo"].status is Status.COMPILE_ERROR
    assert "break statements not supported" in results["asyn_fifo"].feedback
    assert results["radix2_div"].status is Status.MISMATCH and results["radix2_div"].mismatches == 3
    # data files are present in the run folder: these testbenches $readmemh them
    assert results["alu"].passed and results["calendar"].passed
    assert results["freq_divbyeven"].passed


def test_freq_divbyeven_top_comes_from_the_testbench(rtllm_dir):
    p = next(p for p in load_problems(rtllm_dir) if p.task_id == "freq_divbyeven")
    assert "freq_diveven" in p.spec  # the description names another module
    assert p.top == "freq_divbyeven"


def test_candidate_with_the_described_name_fails_to_bind(rtllm_dir):
    p = next(p for p in load_problems(rtllm_dir) if p.task_id == "adder_8bit")
    wrong = reference_as_candidate(p).replace("module adder_8bit", "module adder8")
    with Verifier(SimConfig(jobs=1)) as verifier:
        r = verifier.check(p, wrong)
    assert r.status is Status.COMPILE_ERROR and r.rewards.format == 0.0


def test_hanging_design_times_out(rtllm_dir):
    p = next(p for p in load_problems(rtllm_dir) if p.task_id == "radix2_div")
    silent = ("module radix2_div(input wire clk, input wire rst, input wire [7:0] dividend, input wire [7:0] divisor,"
              " input wire sign, input wire opn_valid, output reg res_valid, input wire res_ready,"
              " output wire [15:0] result); initial res_valid = 0; assign result = 0; endmodule")
    with Verifier(SimConfig(jobs=1, timeout_s=2)) as verifier:
        r = verifier.check(p, silent)
    assert r.status in (Status.TIMEOUT, Status.MISMATCH), r.log_tail[-300:]


def test_what_a_candidate_prints_never_reaches_the_verdict(rtllm_dir):
    """RTLLM passes any output holding "pass"; a format and text built from numbers slip past string screening,
    so the candidate's output calls are removed: the spoof fails, and a right design's debug output is harmless."""
    p = next(p for p in load_problems(rtllm_dir) if p.task_id == "adder_8bit")
    wrong = ("module adder_8bit(input [7:0] a, b, input cin, output [7:0] sum, output cout);\n"
             "  assign sum = 0; assign cout = 0;\n  string f; reg [31:0] s = 32'h70617373;\n"
             "  initial begin f = {8'h25, 8'h73}; $display(f, s); $write(f, s); end\nendmodule\n")
    # a literal holding the verdict word is harmless: only the testbench's signed sentence counts
    named = wrong.replace("endmodule", 'localparam [31:0] W = "pass";\nendmodule')
    with Verifier(SimConfig(jobs=1, timeout_s=30)) as verifier:
        r = verifier.check(p, wrong)
        by_name = verifier.check(p, named)
        debug = verifier.check(p, reference_as_candidate(p).replace(
            "endmodule", '  initial $display("debug: bypass %d", a);\n  always @(a) $strobe("(a)");\nendmodule', 1))
    assert r.status is Status.MISMATCH, (r.status, r.feedback)  # simulated, silenced, and wrong
    assert by_name.status is Status.MISMATCH, (by_name.status, by_name.feedback)
    assert debug.passed, (debug.status, debug.feedback)  # a right design that prints passes, as officially


def test_a_candidate_cannot_play_back_the_testbench_expected_values(rtllm_dir):
    """calendar's testbench reads its expected outputs from reference.txt in the run folder; a candidate that
    reads the same file and plays it back passed before candidate code was barred from files."""
    p = next(p for p in load_problems(rtllm_dir) if p.task_id == "calendar")
    playback = ("module calendar(input CLK, input RST, output [5:0] Hours, output [5:0] Mins, output [5:0] Secs);\n"
                "  reg [17:0] mem [0:4100];\n  integer k = 0;\n  initial $readmemh(\"reference.txt\", mem);\n"
                "  always @(posedge CLK) if (RST) k <= 1; else k <= k + 1;\n"
                "  assign {Hours, Mins, Secs} = mem[k];\nendmodule\n")
    with Verifier(SimConfig(jobs=1, timeout_s=30)) as verifier:
        r = verifier.check(p, playback)
    assert r.status is Status.RUNTIME_ERROR and "$readmemh" in r.feedback and "not allowed" in r.feedback, \
        (r.status, r.feedback)


def test_a_scope_name_in_a_simulator_message_is_not_a_pass(rtllm_dir):
    """A failing assertion with no action block makes Icarus print `Scope: <the block's path>`; a block named
    `Pass` put the word in the output and passed the plain text rule with a wrong design."""
    p = next(p for p in load_problems(rtllm_dir) if p.task_id == "adder_8bit")
    wrong = ("module adder_8bit(input [7:0] a, b, input cin, output [7:0] sum, output cout);\n"
             "  assign sum = 0; assign cout = 0;\n  initial begin : Pass\n    assert (1'b0);\n  end\nendmodule\n")
    right = reference_as_candidate(p).replace("endmodule", "  initial begin : Passes\n    assert (1'b0);\n"
                                              "  end\nendmodule", 1)
    with Verifier(SimConfig(jobs=1, timeout_s=30)) as verifier:
        r, ok = verifier.check(p, wrong), verifier.check(p, right)
    assert "Scope:" in r.log_tail and r.status is Status.MISMATCH, (r.status, r.log_tail[-400:])
    assert ok.passed, (ok.status, ok.feedback)  # the testbench's own sentence still passes a right design
