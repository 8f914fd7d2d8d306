"""Differential mode: reference vs a group of candidates in one cocotb simulation (real Icarus + cocotb)."""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from sim.config import SimConfig
from sim.differential import run_differential
from sim.differential.harness import declared_modules, port_problems, rename_modules
from sim.interface import infer_clocking, module_io
from sim.loaders import load_verilog_eval, reference_as_candidate
from sim.problem import Problem
from sim.result import Status

CONFIG = SimConfig(diff_cycles=300, timeout_s=20)

DFF_ASYNC_LOW = """
module ref_dff(input clk, input rst_n, input [3:0] d, output reg [3:0] q, output [3:0] dbg);
  assign dbg = 4'bxxxx;  // unknown in the reference: a don't-care for every candidate
  always @(posedge clk or negedge rst_n)
    if (!rst_n) q <= 4'd0; else q <= d;
endmodule
"""
GOOD = """
module dff(input clk, input rst_n, input [3:0] d, output reg [3:0] q, output [3:0] dbg);
  helper h(.x(d), .y(dbg));  // a helper whose name another candidate also uses
  always @(posedge clk, negedge rst_n) begin
    if (rst_n == 1'b0) q <= 0;
    else q <= d;
  end
endmodule
module helper(input [3:0] x, output [3:0] y); assign y = ~x; endmodule
"""
SYNC_RESET = GOOD.replace("always @(posedge clk, negedge rst_n)", "always @(posedge clk)")
HIGH_RESET = GOOD.replace("rst_n == 1'b0", "rst_n == 1'b1")
WIDE_PORT = GOOD.replace("input [3:0] d", "input [4:0] d")
NO_TOP = GOOD.replace("module dff(", "module dff_x(")
SYNTAX = GOOD.replace("else q <= d;", "else q <= d")


def _problem(reference: str = DFF_ASYNC_LOW, top: str = "dff", ref_top: str = "ref_dff") -> Problem:
    return Problem(task_id="dff", spec="a 4-bit register", reference=reference, top=top, ref_top=ref_top)


def test_rename_and_port_checks_are_pure_text_operations():
    renamed = rename_modules(GOOD, "__c1")
    assert declared_modules(renamed) == ["dff__c1", "helper__c1"]
    assert "helper__c1 h(" in renamed and "`dff" not in renamed
    # whole identifiers only; an escaped name and an undefined macro are other identifiers; ports are kept
    src = "module a(input a_b); wire \\a = `a; endmodule\nmodule c; a u(.a_b(1'b0)); endmodule\n"
    assert rename_modules(src, "_s") == src.replace("module a(", "module a_s(").replace("c;", "c_s;").replace(" a u", " a_s u")
    src = "`define W 4\nlocalparam W = `W;\nmodule m(input [W-1:0] W2); endmodule\n"
    assert rename_modules(src, "_s", frozenset({"W"})) == src.replace("module m", "module m_s")
    assert rename_modules(src, "_s") == "`define W_s 4\nlocalparam W_s = `W_s;\nmodule m_s(input [W_s-1:0] W2); endmodule\n"
    ref = module_io(DFF_ASYNC_LOW, "ref_dff")
    assert port_problems(ref, module_io(GOOD, "dff")) == []
    assert port_problems(ref, module_io(WIDE_PORT, "dff")) == ["port 'd' is 5 bits wide, expected 4"]


def test_comment_stripping_is_linear_on_unterminated_comments():
    """`/*` never closed, many times over: the lazy pattern alone rescans to the end from every one of them."""
    start = time.monotonic()
    assert declared_modules("module m; endmodule\n" + "/*" * 100_000) == ["m"]
    assert time.monotonic() - start < 1.0


def test_one_group_gives_every_candidate_its_own_verdict(tmp_path: Path):
    codes = [GOOD, SYNC_RESET, HIGH_RESET, None, WIDE_PORT, NO_TOP, SYNTAX, GOOD.replace("helper", "h2")]
    results = run_differential(_problem(), codes, CONFIG, tmp_path)
    statuses = [r.status for r in results]
    assert statuses == [Status.PASS, Status.MISMATCH, Status.MISMATCH, Status.NO_CODE, Status.COMPILE_ERROR,
                        Status.COMPILE_ERROR, Status.SYNTAX_ERROR, Status.PASS]
    good, sync, high = results[:3]
    assert good.samples > 3 * 250 and good.mismatches == 0 and good.rewards.functional == 1.0
    assert 0 < sync.mismatches < sync.samples  # an async reset driven mid-cycle exposes a sync one
    # the shared rule (sim.judge.functional_score): matching fraction, capped below a pass
    assert sync.rewards.compile == 1.0 and sync.rewards.functional == pytest.approx(min(0.99, 1 - sync.mismatches / sync.samples))
    assert "output 'q'" in high.feedback and "expected" in high.feedback and "cycle" in high.feedback
    assert "port 'd'" in results[4].feedback and results[4].rewards.compile == 0.0
    assert "module 'dff' not found" in results[5].feedback
    assert results[3].rewards.format == 0.0
    # exactly one cocotb simulation ran for the whole group
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("sim_")) == ["sim_group"]


def test_hanging_and_finishing_candidates_only_fail_themselves(tmp_path: Path):
    hang = GOOD.replace("else q <= d;", "else begin while (d == 4'd5) begin end q <= d; end")
    finish = GOOD.replace("else q <= d;", "else begin if (d == 4'd9) $finish; q <= d; end")
    config = replace(CONFIG, timeout_s=6)
    results = run_differential(_problem(), [GOOD, hang, finish, SYNC_RESET], config, tmp_path)
    assert [r.status for r in results] == [Status.PASS, Status.TIMEOUT, Status.RUNTIME_ERROR, Status.MISMATCH]


def test_verilog_eval_references_pass_against_themselves(verilog_eval_dir: Path, tmp_path: Path):
    picks = {"Prob027_fadd", "Prob047_dff8ar", "Prob060_m2014_q4k", "Prob078_dualedge", "Prob145_circuit8",
             "Prob127_lemmings1"}
    problems = [p for p in load_verilog_eval(verilog_eval_dir) if p.task_id in picks]
    assert len(problems) == len(picks)
    for problem in problems:
        bare = replace(problem, testbench=None, tb_top=None)
        [result] = run_differential(bare, [reference_as_candidate(problem)], CONFIG,
                                    tmp_path / problem.task_id)
        assert result.passed, (problem.task_id, result.feedback, result.log_tail[-500:])


def test_a_candidate_that_breaks_the_group_build_is_blamed_alone(tmp_path: Path):
    undeclared = GOOD.replace("else q <= d;", "else q <= d_typo;")  # parses; only elaboration fails
    results = run_differential(_problem(), [GOOD, undeclared, HIGH_RESET], CONFIG, tmp_path)
    assert [r.status for r in results] == [Status.PASS, Status.COMPILE_ERROR, Status.MISMATCH]
    assert "d_typo" in results[1].feedback and results[1].rewards.compile == 0.0


def test_a_candidate_that_floods_the_log_is_told_so(tmp_path: Path):
    spam = GOOD.replace("endmodule", 'initial forever #1 $display("spam spam spam spam spam spam");\nendmodule')
    config = replace(CONFIG, max_output_bytes=20_000)
    results = run_differential(_problem(), [GOOD, spam], config, tmp_path)
    assert [r.status for r in results] == [Status.PASS, Status.RUNTIME_ERROR]
    assert "printed more than 20000 bytes" in results[1].feedback


def test_a_candidate_cannot_use_the_reference_or_a_sibling_by_name(tmp_path: Path):
    """The reference is compiled beside the candidates; under a guessable name (`ref_dff__ref`, `dff__c0`) a
    candidate could instantiate it and forward its outputs. The names carry a fresh suffix per simulation."""
    ports = "(input clk, input rst_n, input [3:0] d, output [3:0] q, output [3:0] dbg)"
    forward = (f"module dff{ports};\n  {{inst}} u(.clk(clk), .rst_n(rst_n), .d(d), .q(q), .dbg(dbg));\n"
               "endmodule\n")
    codes = [GOOD, forward.format(inst="ref_dff__ref"), forward.format(inst="dff__c0"),
             forward.format(inst="ref_dff")]
    results = run_differential(_problem(), codes, CONFIG, tmp_path)
    assert results[0].passed
    assert not any(r.passed for r in results[1:]), [(r.status, r.feedback) for r in results]


# --- A group judges each member as it would be judged alone --------------------------------------------------

PORTS = "(input clk, input rst_n, input [3:0] d, output reg [3:0] q, output [3:0] dbg)"
ZERO = f"module dff{PORTS};\n  assign dbg = 4'd0;\n  always @(posedge clk) q <= 4'd0;\n{{body}}\nendmodule\n"
GOOD_SV = """
module dff(input logic clk, input logic rst_n, input logic [3:0] d, output logic [3:0] q, output logic [3:0] dbg);
  assign dbg = ~d;
  always_ff @(posedge clk or negedge rst_n)
    if (!rst_n) q <= '0; else q <= d;
endmodule
"""
_ALONE: dict[str, tuple] = {}


def _verdict(result) -> tuple:
    return result.status, result.mismatches, result.samples, result.rewards.functional


def _alone(code: str, tmp_path: Path) -> tuple:
    """The verdict `code` gets in a group of its own (what every group must give it too)."""
    if code not in _ALONE:
        [result] = run_differential(_problem(), [code], CONFIG, tmp_path / f"alone{len(_ALONE)}")
        _ALONE[code] = _verdict(result)
    return _ALONE[code]


def _judge_hostile(hostile: list[str], honest: list[str], tmp_path: Path, honest_first: bool = True):
    """Judge honest and hostile candidates in one group; every honest verdict must equal its verdict alone and
    every hostile one must not pass. Returns the hostile results."""
    codes = honest + hostile if honest_first else hostile + honest
    results = run_differential(_problem(), codes, CONFIG, tmp_path / "group")
    honest_results = results[:len(honest)] if honest_first else results[len(hostile):]
    hostile_results = results[len(honest):] if honest_first else results[:len(hostile)]
    for code, result in zip(honest, honest_results):
        assert _verdict(result) == _alone(code, tmp_path), (result.status, result.feedback)
    for code, result in zip(hostile, hostile_results):
        assert not result.passed, (code, result.feedback)
    return hostile_results


def test_the_harness_check_task_cannot_be_called_by_name(tmp_path: Path):
    """Verilog resolves a task call upward through the enclosing scopes: under its plain name a design could run
    the wrapper's comparison itself, 200,000 times at an instant where it matches, and score ~0.99."""
    hostile = [ZERO.format(body="  initial repeat (200000) check;"),
               ZERO.format(body="  always @(posedge clk) begin check; check; check; end"),
               ZERO.format(body="  initial repeat (1000) diff_top.check;"),
               ZERO.format(body="  task check; endtask\n  initial repeat (1000) check;")]  # its own: harmless
    results = _judge_hostile(hostile, [GOOD, HIGH_RESET], tmp_path)
    floor = _alone(ZERO.format(body=""), tmp_path)[3]
    assert all(r.rewards.functional <= floor for r in results), [(r.rewards.functional, r.feedback) for r in results]
    assert [r.status for r in results[:3]] == [Status.COMPILE_ERROR] * 3
    assert results[3].status is Status.MISMATCH and results[3].samples == _alone(GOOD, tmp_path)[2]


def test_wrapper_signals_and_instances_cannot_be_named(tmp_path: Path):
    """Reading the reference instance's outputs, or zeroing an error counter, by the wrapper's names."""
    hostile = [f"module dff{PORTS};\n  always @* q = u_r.q;\n  assign dbg = u_r.dbg;\nendmodule\n",
               f"module dff{PORTS};\n  always @* q = r_q;\n  assign dbg = r_dbg;\nendmodule\n",
               ZERO.format(body="  always @(posedge clk) begin err_0 = 0; err_1 = 0; samples = 0; end"),
               ZERO.format(body="  always @(negedge clk) diff_top.err_2 = 0;"),
               ZERO.format(body="  initial forever #1 diff_top.check_en = 0;")]
    results = _judge_hostile(hostile, [GOOD, SYNC_RESET], tmp_path)
    assert all(r.status is Status.COMPILE_ERROR for r in results), [(r.status, r.feedback) for r in results]


def test_a_line_directive_cannot_blame_a_sibling(tmp_path: Path):
    """The compiler log names whatever file a `line directive says: blame comes from alone builds instead."""
    broken = GOOD.replace("else q <= d;", "else q <= d_typo;")
    hostile = ['`line 1 "cand0.sv" 0\n' + broken, '`line 1 "cand1.sv" 0\n' + broken,
               '`line 1 "ref.sv" 0\n' + broken, '`line 1 "wrapper.sv" 0\n' + broken]
    results = _judge_hostile(hostile, [GOOD, HIGH_RESET], tmp_path)
    assert all(r.status is Status.COMPILE_ERROR and "d_typo" in r.feedback for r in results)


def test_directives_and_declarations_stay_in_their_own_file(tmp_path: Path):
    """Keywords, net types, time units and macros left open at a file's end, and file-level (`$unit`) names,
    reach no other member: their build is redone member by member, or the names are the member's own."""
    hostile = [GOOD + '`begin_keywords "1364-1995"\n', GOOD + "`default_nettype none\n",
               GOOD + "`define logic reg\n`define always_ff always\n", GOOD + "`timescale 1s/1s\n",
               GOOD + "`celldefine\n`unconnected_drive pull1\n", GOOD + "`define BROKEN\n", GOOD + "/*\n"]
    broken_if_defined = GOOD.replace("else q <= d;", "else\n`ifdef BROKEN\n q <= 4'd0;\n`else\n q <= d;\n`endif\n")
    typedef = "typedef enum logic [1:0] {IDLE, BUSY} state_t;\nlocalparam int N = 4;\n"
    typed = typedef + GOOD_SV.replace("  assign dbg", "  state_t s = BUSY;\n  logic [N-1:0] n;\n  assign dbg")
    for i, bad in enumerate(hostile):  # the leaking file first, the honest ones after it
        _judge_hostile([], [bad, GOOD_SV, typed, broken_if_defined], tmp_path / f"lead{i}")
    results = run_differential(_problem(), [typed, typed.replace("BUSY;", "BUSY;  // a twin"), typed + "\n"], CONFIG,
                               tmp_path / "twins")
    assert [r.status for r in results] == [Status.PASS] * 3, [r.feedback for r in results]
    # the twins shared one simulation: their file-level names were their own, no member-by-member rebuild
    assert sorted(p.name for p in (tmp_path / "twins").iterdir()) == ["sim_group"]


def test_a_member_that_drives_its_own_input_fails_alone(tmp_path: Path):
    hostile = [GOOD.replace("endmodule\nmodule helper", "  assign d = 4'd0;\nendmodule\nmodule helper"),
               GOOD.replace("endmodule\nmodule helper", "  assign rst_n = 1'b1;\nendmodule\nmodule helper"),
               GOOD.replace("endmodule\nmodule helper", "  assign clk = 1'b0;\nendmodule\nmodule helper")]
    results = _judge_hostile(hostile, [GOOD, SYNC_RESET, GOOD_SV], tmp_path)
    assert all(r.status in (Status.COMPILE_ERROR, Status.MISMATCH) for r in results), \
        [(r.status, r.feedback) for r in results]


def test_a_printed_verdict_line_is_not_a_verdict(tmp_path: Path):
    """Only the line led by the run's nonce counts; a candidate can print JSON or write results files at will."""
    fake = '{\\"samples\\": 900, \\"candidates\\": [{\\"mismatches\\": 0}, {\\"mismatches\\": 0}, {\\"mismatches\\": 0}]}'
    hostile = [ZERO.format(body=f'  initial #2990 $display("{fake}");'),
               ZERO.format(body=f'  initial #2990 $display("%032h {fake}", 0);'),
               # the results file an earlier harness read, rewritten after the harness wrote it (a final block)
               ZERO.format(body='  integer f;\\n  final begin f = $fopen("results.json", "w"); $fwrite(f, "{\\"complete\\": '
                                'true, \\"candidates\\": [{\\"mismatches\\": 0, \\"samples\\": 900}]}"); $fclose(f); end'),
               ZERO.format(body=f'  initial #2990 $write("\\\\n{fake}\\\\n");')]
    _judge_hostile(hostile, [GOOD, HIGH_RESET], tmp_path)
    assert not list(tmp_path.rglob("results.json"))  # it wrote into its private, discarded folder


def test_a_changed_sample_count_is_a_runtime_error(tmp_path: Path, monkeypatch):
    """The functional score counts the harness's comparisons only: any other count voids the verdict."""
    from sim.differential import group

    monkeypatch.setattr(group, "expected_samples", lambda plan: 7)
    results = run_differential(_problem(), [GOOD, SYNC_RESET], CONFIG, tmp_path)
    assert [r.status for r in results] == [Status.RUNTIME_ERROR] * 2
    assert all("sample count was changed" in r.feedback for r in results)


def test_only_one_line_led_by_the_nonce_is_a_verdict():
    from sim.differential.group import read_report

    line = 'N {"samples": 3, "candidates": [{"mismatches": 1, "cycle": 0, "output": "q", "expected": "1", "got": "0"}]}'
    report = read_report(f"noise\n{line}\nmore", "N", 1)
    assert report is not None and report.samples == 3 and report.candidates[0].mismatches == 1
    assert read_report(f"{line}\n{line}", "N", 1) is None  # twice: not trusted
    assert read_report(f"x{line}", "N", 1) is None  # not at the start of its line
    assert read_report(line, "N", 2) is None  # a member missing
    assert read_report(line.replace('"samples": 3', '"samples": "3"'), "N", 1) is None
    assert read_report("N {not json", "N", 1) is None and read_report("", "N", 1) is None


def test_the_nonce_and_the_harness_environment_are_out_of_a_candidates_reach(tmp_path: Path, monkeypatch):
    """A candidate that can open files (the screen refuses that; this runs it unscreened) reads its own and its
    parents' environments and the hand-over file: the nonce appears once, in the verdict line, and no variable
    of the harness's environment appears at all."""
    import secrets
    import types

    from sim.differential import group

    nonce = "feedc0de" * 4
    monkeypatch.setattr(group, "secrets", types.SimpleNamespace(
        token_hex=lambda n=16: nonce if n == 16 else secrets.token_hex(n)))
    monkeypatch.setenv("SIM_TEST_API_KEY", "s3cr3t-value")
    probe = ZERO.format(body="""  integer fd, i, r;
  reg [8*4096-1:0] text;
  reg [8*64-1:0] path;
  task dump(input [8*64-1:0] name);
    begin
      fd = $fopen(name, "r");
      if (fd != 0) begin r = $fread(text, fd); $display("READ %0s: %0s", name, text); $fclose(fd); end
    end
  endtask
  initial begin
    dump("/proc/self/environ");
    dump(".verdict_nonce");
    for (i = 1; i < 8; i = i + 1) begin $sformat(path, "/proc/%0d/environ", i); dump(path); end
  end""")
    problem = _problem()
    io = module_io(problem.reference, problem.reference_top)
    design = group.Design(problem, io, infer_clocking(problem.reference, problem.reference_top), CONFIG, tmp_path)
    built = group.build(design, [(0, GOOD), (1, probe)], "group")
    verdicts = group.simulate(design, built)
    assert isinstance(verdicts, dict) and verdicts[0].status is Status.PASS
    log = verdicts[1].log
    assert "READ /proc/self/environ" in log  # the probe did read
    assert log.count(nonce) == 1 and "s3cr3t-value" not in log


def test_code_the_parser_gives_up_on_is_a_syntax_error_of_its_own(tmp_path: Path):
    """pyslang raises a bare RuntimeError on pathological nesting: the member fails closed, the group goes on."""
    deep = ZERO.format(body="  initial " + "begin " * 18_000 + "end " * 18_000)
    [result] = _judge_hostile([deep], [GOOD], tmp_path)
    assert result.status is Status.SYNTAX_ERROR and "parser gave up" in result.feedback
