"""Load benchmark problems from disk: VerilogEval v2 spec-to-rtl and RTLLM v2 (any depth, spaces in names).

`load_problems(path)` detects the kind. Benchmarks are read where they are, never copied into the project;
RTLLM data files are referenced by absolute path and copied into each run folder at simulation time.
"""
from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from sim.problem import Problem

_MODULE_DEF = re.compile(r"^[ \t]*(?:module|macromodule)\s+([A-Za-z_][A-Za-z0-9_$]*)", re.MULTILINE)
_INSTANCE = re.compile(r"^[ \t]*([A-Za-z_][A-Za-z0-9_$]*)\s*(?:#\s*\((?:[^()]|\([^()]*\))*\)\s*)?"
                       r"([A-Za-z_][A-Za-z0-9_$]*)\s*\(", re.MULTILINE)
_KEYWORDS = {"module", "if", "else", "for", "while", "case", "begin", "end", "assign", "always", "initial",
             "task", "function", "repeat", "wait", "forever", "return", "input", "output", "inout", "wire",
             "reg", "logic", "integer", "int", "bit", "genvar", "localparam", "parameter", "posedge", "negedge"}
# An unclosed /* runs to the end of the text: without the \Z branch every later /* would rescan to the end.
_COMMENT = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)", re.DOTALL)
_RTLLM_SKIP = {"design_description.txt", "testbench.v", "makefile", "Makefile"}


class BenchmarkLayoutError(ValueError):
    """The folder is not a benchmark this loader knows."""


def module_defs(source: str) -> list[str]:
    """Names of modules defined in `source`, in order."""
    return _MODULE_DEF.findall(_COMMENT.sub(" ", source))


def suffix_names(source: str, names: Iterable[str], suffix: str) -> str:
    """`source` with every whole-identifier use of each name in `names` renamed by appending `suffix`.

    Longest names first, so `Adder` does not eat into `AdderTree`; a backtick-ed or escaped name is a different
    identifier (a macro, `\\name`) and is left alone."""
    for name in sorted(set(names), key=len, reverse=True):
        source = re.sub(rf"(?<![\w$`\\]){re.escape(name)}(?![\w$])", name + suffix, source)
    return source


def hidden_suffix() -> str:
    """A fresh suffix no candidate can guess, for the trusted modules a simulation compiles beside it.

    The reference is compiled next to the candidate; under its published name (`RefModule`) a candidate could
    instantiate it and pass by forwarding its outputs."""
    return "_" + secrets.token_hex(6)


def testbench_top(testbench: str) -> str | None:
    """The testbench's top module: the first one it defines and does not instantiate (None if none)."""
    used = set(instantiated_modules(testbench))
    return next((m for m in module_defs(testbench) if m not in used), None)


def instantiated_modules(source: str) -> list[str]:
    """Module types instantiated in `source` (heuristic: `Type [#(...)] name (`), in order, unique."""
    seen: list[str] = []
    for mtype, _inst in _INSTANCE.findall(_COMMENT.sub(" ", source)):
        if mtype not in _KEYWORDS and not mtype.startswith("$") and mtype not in seen:
            seen.append(mtype)
    return seen


def load_verilog_eval(folder: Path) -> list[Problem]:
    """VerilogEval v2 spec-to-rtl: `ProbNNN_name_{prompt.txt,ref.sv,test.sv}` (order of problems.txt if present)."""
    folder = Path(folder)
    listed = folder / "problems.txt"
    if listed.is_file():
        names = [ln.strip() for ln in listed.read_text().splitlines() if ln.strip()]
    else:
        names = sorted(p.name[: -len("_prompt.txt")] for p in folder.glob("*_prompt.txt"))
    problems = []
    for name in names:
        files = {kind: folder / f"{name}_{kind}" for kind in ("prompt.txt", "ref.sv", "test.sv")}
        missing = [str(p) for p in files.values() if not p.is_file()]
        if missing:
            raise BenchmarkLayoutError(f"VerilogEval problem {name}: missing {', '.join(missing)}; "
                                       f"is {folder} a complete dataset_spec-to-rtl folder?")
        problems.append(Problem(
            task_id=name, spec=files["prompt.txt"].read_text(), reference=files["ref.sv"].read_text(),
            top="TopModule", ref_top="RefModule", testbench=files["test.sv"].read_text(), tb_top="tb",
            source="verilog_eval"))
    return problems


def load_rtllm_design(design: Path) -> Problem:
    """One RTLLM design folder: description, testbench.v, verified_*.v, data files."""
    testbench = (design / "testbench.v").read_text(errors="replace")
    refs = sorted(design.glob("verified_*.v"))
    if not refs:
        raise BenchmarkLayoutError(f"RTLLM design {design}: no verified_*.v reference found")
    reference = refs[0].read_text(errors="replace")
    defs = module_defs(reference)
    tb_defs = set(module_defs(testbench))
    used = [m for m in instantiated_modules(testbench) if m not in tb_defs]
    # The testbench's instantiation is what a candidate must match; the description can disagree
    # (freq_divbyeven's text asks for `freq_diveven`).
    top = used[0] if used else refs[0].stem.removeprefix("verified_")
    # The reference's top: named after its file (helpers such as dual_port_RAM may come first).
    ref_top = next((m for m in (refs[0].stem, top) if m in defs), defs[-1] if defs else top)
    tb_top = testbench_top(testbench)
    desc = design / "design_description.txt"
    extra = {p.name: p.resolve() for p in sorted(design.iterdir())
             if p.is_file() and p.name not in _RTLLM_SKIP and p.suffix not in (".v", ".sv")}
    return Problem(task_id=design.name, spec=desc.read_text(errors="replace") if desc.is_file() else "",
                   reference=reference, top=top, ref_top=ref_top, testbench=testbench, tb_top=tb_top,
                   extra_files=extra, source="rtllm")


def load_rtllm(root: Path) -> list[Problem]:
    """Every folder under `root` (any depth) holding a `testbench.v`, sorted by path."""
    designs = sorted({p.parent for p in Path(root).rglob("testbench.v")})
    return [load_rtllm_design(d) for d in designs]


def detect_kind(path: Path) -> str:
    """"verilog_eval" or "rtllm"; raises with the path named when neither."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"problems path {path} does not exist: pass a VerilogEval v2 "
                                f"dataset_spec-to-rtl folder or an RTLLM root")
    if not path.is_dir():
        raise BenchmarkLayoutError(f"problems path {path} is a file: pass a benchmark folder")
    if any(path.glob("*_test.sv")) and any(path.glob("*_prompt.txt")):
        return "verilog_eval"
    if next(path.rglob("testbench.v"), None) is not None:
        return "rtllm"
    raise BenchmarkLayoutError(f"{path}: neither a VerilogEval folder (*_prompt.txt, *_ref.sv, *_test.sv) "
                               f"nor an RTLLM root (design folders with testbench.v)")


def load_problems(path: Path | str) -> list[Problem]:
    """Load a VerilogEval v2 dataset folder (spec-to-rtl or code-complete) or an RTLLM root, detecting which."""
    path = Path(path)
    if detect_kind(path) != "verilog_eval":
        return load_rtllm(path)
    return load_verilog_eval_code_complete(path) if is_code_complete_folder(path) else load_verilog_eval(path)


def reference_as_candidate(problem: Problem) -> str:
    """The golden reference renamed to the module a candidate must define (RefModule -> TopModule,
    verified_adder_8bit -> adder_8bit), so it can be scored like a completion."""
    if problem.reference_top == problem.top:
        return problem.reference
    return re.sub(rf"\b{re.escape(problem.reference_top)}\b", problem.top, problem.reference)


def is_code_complete_folder(path: Path | str) -> bool:
    """True for VerilogEval v2's code-complete layout: each problem also has an `_ifc.txt` (its module header)."""
    return any(Path(path).glob("*_ifc.txt"))


def load_verilog_eval_code_complete(folder: Path | str) -> list[Problem]:
    """VerilogEval v2 code-complete-iccad2023: `ProbNNN_name_{prompt.txt,ifc.txt,ref.sv,test.sv}`.

    `spec` is the prompt file as it is (the description, then the module header the model completes);
    `interface_prefix` is the `_ifc.txt` text the official flow prepends to an answer before compiling.
    The references and testbenches are this folder's own: several differ from spec-to-rtl's copies (this
    task's Prob099 has its port names fixed), so the two tasks are never mixed.
    """
    folder = Path(folder)
    problems = []
    for base in load_verilog_eval(folder):
        ifc = folder / f"{base.task_id}_ifc.txt"
        if not ifc.is_file():
            raise BenchmarkLayoutError(f"VerilogEval code-complete problem {base.task_id}: missing {ifc}; is "
                                       f"{folder} a complete dataset_code-complete-iccad2023 folder?")
        problems.append(Problem(
            task_id=base.task_id, spec=base.spec, reference=base.reference, top=base.top, ref_top=base.ref_top,
            testbench=base.testbench, tb_top=base.tb_top, source=base.source, interface_prefix=ifc.read_text()))
    return problems


_HEADER_END = re.compile(r";")


def reference_body(problem: Problem) -> str:
    """The golden reference with its own module header removed: what a code-complete answer looks like.

    Everything up to the `;` that closes the `module RefModule ...(...)` header goes; the body, `endmodule`
    and anything after it stay. Scored with the interface prepended, it must pass as the reference does."""
    source = problem.reference
    start = re.search(rf"\b(?:module|macromodule)\s+{re.escape(problem.reference_top)}\b", source)
    if start is None:
        raise BenchmarkLayoutError(f"{problem.task_id}: the reference defines no module {problem.reference_top}")
    end = _HEADER_END.search(source, start.end())
    if end is None:
        raise BenchmarkLayoutError(f"{problem.task_id}: the header of {problem.reference_top} never ends with ';'")
    return source[end.end():].lstrip("\n")


_NAMED_CONNECTION = re.compile(r"\.\s*([A-Za-z_][\w$]*)\s*\(")


@functools.lru_cache(maxsize=512)
def instance_names(testbench: str) -> tuple[str, ...]:
    """The instance names a (trusted) testbench declares (`good1`, `stim1`, `top_module1`), minus any that is
    also a port name in one of its named connections (renaming those would rename the port).

    A candidate names them to reach the testbench's state upwards (`good1.q` from inside the design resolves to
    the reference's outputs), so every simulation gives them a fresh suffix like the trusted modules."""
    import pyslang

    found: list[str] = []

    def collect(node) -> bool:
        if not isinstance(node, pyslang.parsing.Token) and node.kind == pyslang.syntax.SyntaxKind.InstanceName:
            found.append(node.name.valueText)
        return True

    pyslang.syntax.SyntaxTree.fromText(testbench).root.visit(collect)
    ports = set(_NAMED_CONNECTION.findall(testbench))
    return tuple(dict.fromkeys(n for n in found if n and n not in ports))
