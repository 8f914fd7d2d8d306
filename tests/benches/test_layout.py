"""Measurement stays out of the product: benches/ holds the scripts that measure, the packages import none of them,
and every script says what it measures and answers `--help`."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRODUCT = ("sim", "crux_program", "optimizers")
# The one product file allowed `bench` in its name: it backs the user command `python -m sim bench`.
USER_COMMAND = Path("sim/bench.py")


def _product_files() -> list[Path]:
    return [p for package in PRODUCT for p in sorted((REPO / package).rglob("*.py"))] + [REPO / "run.py"]


def _scripts() -> list[Path]:
    """The runnable benches: every module of benches/ but the package file and the shared helpers (`_name`)."""
    return [p for p in sorted((REPO / "benches").glob("*.py")) if not p.name.startswith("_")]


def _imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_product_code_imports_nothing_from_benches():
    offenders = []
    for path in _product_files():
        modules = _imported_modules(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        offenders += [f"{path.relative_to(REPO)}: {m}" for m in sorted(modules) if m.split(".")[0] == "benches"]
    assert not offenders, "product code must not import measurement scripts:\n" + "\n".join(offenders)


def test_no_measurement_script_is_left_in_the_packages():
    # any part of the path: a folder named for benchmarks reads like a measurement script's home too
    named = [p.relative_to(REPO) for package in PRODUCT for p in (REPO / package).rglob("*.py")
             if "bench" in str(p.relative_to(REPO))]
    assert [p for p in named if p != USER_COMMAND] == []


def test_every_bench_says_what_it_measures_and_runs_as_a_module():
    assert len(_scripts()) >= 10
    for path in _scripts():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        doc = ast.get_docstring(tree) or ""
        assert f"python -m benches.{path.stem}" in doc, f"{path.name}: its docstring shows how to run it"
        main_guard = [n for n in tree.body if isinstance(n, ast.If) and "__main__" in ast.unparse(n.test)]
        assert main_guard, f"{path.name}: no `if __name__ == \"__main__\"` entry point"


def test_every_bench_answers_help():
    """All scripts in one interpreter (their heavy imports are paid once): each prints its usage and exits 0."""
    check = (
        "import contextlib, io, runpy, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    sys.argv = [name, '--help']\n"
        "    out = io.StringIO()\n"
        "    try:\n"
        "        with contextlib.redirect_stdout(out):\n"
        "            runpy.run_module('benches.' + name, run_name='__main__', alter_sys=True)\n"
        "        code = 'no exit'\n"
        "    except SystemExit as e:\n"
        "        code = e.code\n"
        "    if code not in (0, None) or 'usage:' not in out.getvalue():\n"
        "        failed.append(f'{name}: exit {code!r}, printed {out.getvalue()[:200]!r}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", check, *[p.stem for p in _scripts()]], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
