"""Distillation at scale against the local stand-in OpenAI server: 240 rows with 16 requests in flight,
Ctrl-C in the middle, then the same run again: it finishes, and no row was asked twice."""
from __future__ import annotations

import json
import os
import re
import signal
import threading
from collections import Counter

import dspy
import pytest

from crux_program.data.distill_pool import PoolConfig, TeacherPool, read_answers
from crux_program.data.triplet import Triplet
from tests.openai_stub_server import OpenAIStubServer, StubCall

ROWS = 240
INTERRUPT_AT = 100


def _code(i: int) -> str:
    return f"module design_{i}(input a, input b, output y);\n  assign y = a ^ b;\nendmodule\n"


def _triplets(n: int) -> list[Triplet]:
    return [Triplet(task_id=f"r{i}", spec=f"XOR gate `design_{i}`: y = a ^ b.", verilog=_code(i)) for i in range(n)]


def _teacher_reply(call: StubCall, wrong_code: set[int] = frozenset()) -> str:
    i = int(re.search(r"design_(\d+)", call.last_user_text).group(1))
    system = " ".join(str(m.get("content")) for m in call.messages if m.get("role") == "system")
    if "`verilog`" in system.split("Your output fields are:", 1)[-1]:  # the student: code from spec + CRUX
        body = "a | b" if i in wrong_code else "b ^ a"
        return (f"[[ ## verilog ## ]]\nmodule design_{i}(input a, input b, output y);\n  assign y = {body};\n"
                "endmodule\n\n[[ ## completed ## ]]")
    iface = {"module_name": f"design_{i}", "parameters": [], "ports": [
        {"name": "a", "direction": "input", "width": "1"}, {"name": "b", "direction": "input", "width": "1"},
        {"name": "y", "direction": "output", "width": "1"}]}
    return (f"[[ ## interface ## ]]\n{json.dumps(iface)}\n\n[[ ## core_functions ## ]]\n[\"y = a XOR b\"]\n\n"
            "[[ ## key_considerations ## ]]\n[\"combinational\"]\n\n[[ ## completed ## ]]")


def _lm(server: OpenAIStubServer) -> dspy.LM:
    # retries, as lm=openai has: 16 connections at once can overflow the stand-in server's listen backlog
    return dspy.LM("openai/stub", api_base=server.base_url, api_key="x", cache=False, num_retries=3)


def _asked(calls: list[StubCall]) -> Counter:
    return Counter(int(re.search(r"design_(\d+)", c.last_user_text).group(1)) for c in calls)


def test_interrupted_distillation_resumes_without_asking_any_row_twice(tmp_path):
    answers = tmp_path / "teacher.jsonl"
    triplets = _triplets(ROWS)
    count, lock = [0], threading.Lock()

    def reply(call: StubCall) -> str:
        with lock:
            count[0] += 1
            if count[0] == INTERRUPT_AT:  # Ctrl-C arrives while requests are in flight
                os.kill(os.getpid(), signal.SIGINT)
        return _teacher_reply(call)

    config = PoolConfig(concurrency=16, realise=False, progress=False)
    # a shell that starts jobs in the background (`cmd &`) starts them with SIGINT ignored: restore Ctrl-C here
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    with OpenAIStubServer(reply=reply) as server:
        try:
            with pytest.raises(KeyboardInterrupt):
                TeacherPool(_lm(server), None, answers, config).run(triplets)
        finally:
            signal.signal(signal.SIGINT, previous)
        first = _asked(server.calls)
        written = read_answers(answers)
        assert INTERRUPT_AT <= len(written) < ROWS and len(written) == len(first)  # every answer received is kept
        result = TeacherPool(_lm(server), None, answers, config).run(triplets)
        asked = _asked(server.calls)
    assert sorted(asked) == list(range(ROWS)) and set(asked.values()) == {1}  # each row answered exactly once
    assert result.reused == len(written) and result.asked == ROWS - len(written)
    assert result.outcomes == {"teacher": ROWS} and len(result.cruxes) == ROWS
    assert result.cruxes[7].interface.module_name == "design_7"
    assert result.prompt_tokens > 0 and result.completion_tokens > 0
    assert "tokens sent" in result.summary()


def test_a_teacher_crux_is_kept_only_when_the_student_realises_it_in_simulation(tmp_path):
    with OpenAIStubServer(reply=lambda call: _teacher_reply(call, wrong_code={1})) as server:
        pool = TeacherPool(_lm(server), None, tmp_path / "t.jsonl", PoolConfig(concurrency=4, progress=False))
        result = pool.run(_triplets(2))
    assert result.outcomes == {"teacher": 1, "rejected_realise": 1} and list(result.cruxes) == [0]


def test_data_corpus_with_a_teacher_records_its_cruxes_and_tokens(tmp_path):
    """A teacher through corpus preparation: every row's CRUX from the teacher (answering with the interface
    of the code it is shown), provenance and counts in the report, and a second preparation asks nothing."""
    from crux_program.data.corpus_prep import PrepConfig, TeacherSetup, prepare
    from crux_program.data.extract import extract_crux
    from tests.crux_program.data.test_corpus_prep import FIELDS, _renamed_copies

    def reply(call: StubCall) -> str:
        code = re.search(r"module .*?endmodule", call.last_user_text, re.DOTALL).group(0)
        crux = extract_crux(code)
        return (f"[[ ## interface ## ]]\n{crux.interface.model_dump_json()}\n\n[[ ## core_functions ## ]]\n"
                "[\"s = a + b\"]\n\n[[ ## key_considerations ## ]]\n[]\n\n[[ ## completed ## ]]")

    corpus = _renamed_copies(tmp_path)
    with OpenAIStubServer(reply=reply) as server:
        teacher = TeacherSetup(make=lambda: _lm(server), identity=f"stub@{server.base_url}",
                               pool=PoolConfig(concurrency=4, realise=False, progress=False))
        cfg = PrepConfig(path=str(corpus), fields=FIELDS, check="none", decontaminate=False, val_fraction=0.0)
        first = prepare(cfg, "", [], tmp_path / "cache", teacher)
        asked = len(server.calls)
        again = prepare(PrepConfig(path=str(corpus), fields=FIELDS, check="none", decontaminate=False,
                                   val_fraction=0.0, seed=1), "", [], tmp_path / "cache", teacher)
    assert asked == 10 and len(server.calls) == 10  # the second preparation read the answers file
    assert first.report.crux == {"teacher": 10} and first.report.teacher["teacher"] == 10
    assert first.report.teacher["tokens_sent"] > 0 and first.report.teacher["asked"] == 10
    assert again.report.teacher["reused"] == 10 and again.report.teacher["asked"] == 0
    assert all(t.provenance.endswith("+crux:teacher") and t.crux.core_functions == ["s = a + b"]
               for t in first.train)


def test_a_teacher_that_fails_its_first_requests_stops_the_pool_with_what_to_check(tmp_path):
    class Down(dspy.LM):
        def __init__(self):
            super().__init__("stub/down", num_retries=0)

        def forward(self, *args, **kwargs):
            raise ConnectionError("connection refused")

    answers = tmp_path / "t.jsonl"
    with pytest.raises(RuntimeError, match="Check its model name, api_base and key"):
        TeacherPool(Down(), None, answers, PoolConfig(concurrency=8, progress=False)).run(_triplets(40))
    assert read_answers(answers) == {}  # failed calls are never written: the next run asks them again
