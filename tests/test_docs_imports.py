"""Every `from PACKAGE import NAME` that README.md and docs/ show for this project's packages imports as written
(the docs name where each documented class lives, e.g. `from crux_program.repair import RepairLoop`)."""
from __future__ import annotations

import importlib
import re

import pytest

from tests.docs_commands import DOCS, REPO

_IMPORT = re.compile(r"from ((?:crux_program|sim|optimizers)(?:\.\w+)*) import ([\w, ]+)")


def _documented_imports() -> list[tuple[str, str, str]]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in _IMPORT.finditer(text.replace("\n  ", " ")):  # an import wrapped onto an indented line
            for name in match.group(2).split(","):
                if name.strip():
                    found.append((str(path.relative_to(REPO)), match.group(1), name.strip()))
    return sorted(set(found))


def test_the_repair_loop_is_documented_with_its_import():
    assert ("docs/CRUX.md", "crux_program.repair", "RepairLoop") in _documented_imports()


@pytest.mark.parametrize("where, module, name", _documented_imports(), ids=lambda v: str(v))
def test_a_documented_import_works(where, module, name):
    assert hasattr(importlib.import_module(module), name), f"{where}: from {module} import {name}"
