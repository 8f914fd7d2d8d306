"""`python -m crux_program.data --help` shows both commands (the curriculum and `corpus`), and a bad option value
ends with its message and exit 2."""
from __future__ import annotations

from tests.user_commands import run_command


def test_help_lists_the_corpus_command():
    done = run_command(["python", "-m", "crux_program.data", "--help"])
    assert done.returncode == 0 and "python -m crux_program.data corpus --input" in done.stdout


def test_an_unknown_family_is_one_message(tmp_path):
    done = run_command(["python", "-m", "crux_program.data", "--families", "nope", "--out", str(tmp_path / "x")])
    assert done.returncode == 2 and "unknown families ['nope']" in done.stderr and "Traceback" not in done.console
