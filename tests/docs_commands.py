"""The commands of README.md and docs/*.md, read out of their fenced code blocks, and how the docs-as-tests run
(tests/test_docs_commands.py) checks each one.

Every command gets a `Plan` from the first rule in `RULES` that matches it; a command no rule matches fails the
test, so a new command in the docs must say here how it is checked. The ways:
- run: run as written from the repository root, with the values that need a server, a GPU or an hour pointed at
  the local stand-in server (tests/openai_stub_server.py) or shrunk (`extra` overrides appended, listed in the
  test's output), into a temporary outputs folder;
- compose: a run.py command too long to run here (training for minutes to hours): its overrides, as written,
  are composed by Hydra and every object run.py builds from them is instantiated (what a typo or a renamed key
  breaks first);
- flags: a benchmark script that runs for minutes to hours: `python -m MODULE --help` runs, and every
  `--flag` the documented command uses is one the script accepts;
- not run: with the reason (installing system packages, the test suite itself).
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_FIRST_WORDS = ("python", ".venv/bin/python", "bash", "vllm")


@dataclass(frozen=True)
class DocCommand:
    """One command as the docs print it: where (file:line), and its words (comments and `\\` joins removed)."""

    where: str
    text: str

    @property
    def words(self) -> list[str]:
        try:
            return shlex.split(self.text, comments=True)
        except ValueError:  # the first line of a multi-line `python -c "..."`
            return self.text.split()

    @property
    def key(self) -> str:
        """The command's words on one line (comments dropped): what tests match, stable when lines move."""
        return " ".join(self.words)

    @property
    def program(self) -> list[str]:
        """The words after leading VAR=value assignments and `time`."""
        words = self.words
        while words and (re.match(r"^[A-Z_]+=", words[0]) or words[0] == "time"):
            words = words[1:]
        return words

    @property
    def env(self) -> dict[str, str]:
        """The VAR=value assignments in front of the command."""
        out = {}
        for word in self.words:
            if not re.match(r"^[A-Z_]+=", word):
                break
            key, _, value = word.partition("=")
            out[key] = value
        return out


def doc_commands() -> list[DocCommand]:
    """Every shell command in a fenced block (bash, sh or unnamed) of README.md and docs/*.md, in order."""
    found: list[DocCommand] = []
    for path in DOCS:
        lines = path.read_text(encoding="utf-8").splitlines()
        fence: str | None = None
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("```"):
                fence = None if fence is not None else line[3:].strip()
                i += 1
                continue
            start = i
            text = line
            while text.rstrip().endswith("\\") and i + 1 < len(lines):  # a command continued on the next line
                i += 1
                text = text.rstrip()[:-1] + " " + lines[i].strip()
            i += 1
            if fence not in ("bash", "sh", "shell", "console", ""):
                continue
            words = DocCommand("", text).program
            if words and words[0] in _FIRST_WORDS:
                found.append(DocCommand(f"{path.relative_to(REPO)}:{start + 1}", text.strip()))
    return found


@dataclass(frozen=True)
class Plan:
    """How a command is checked: kind is run, compose, flags or skip; extra: overrides appended to a run;
    why: the reason for anything short of running it as written."""

    kind: str
    extra: tuple[str, ...] = ()
    why: str = ""
    env: dict[str, str] = field(default_factory=dict)


# A small curriculum (two families, compile-checked, a tiny model) standing in for the default one.
SMALL = ("data.synthetic.families=[mux,counter]", "data.synthetic.held_out_families=[counter]",
         "data.synthetic.size=40", "data.synthetic.check=compile", "data.synthetic.unseen_designs_per_family=1")
TINY = ("lm.max_tokens=12",)
TRAIN_BRIEFLY = ("compiler.sft.settings.max_steps=2", "compiler.grpo.settings.max_steps=1",
                 "compiler.grpo.settings.max_completion_length=12", "compiler.grpo.settings.realise_max_new_tokens=12")
LONG = "trains for minutes to hours"
BENCH = "a measurement (half a minute to hours) whose figures the docs report"

# (pattern on the command text, plan). The first match wins.
RULES: list[tuple[str, Plan]] = [
    (r"^bash scripts/setup\.sh", Plan("skip", why="installs system packages (apt-get) and the venv: CI's own setup")),
    (r"-m pytest", Plan("skip", why="the test suite itself (this test is part of it)")),
    (r"^vllm serve", Plan("skip", why="a GPU server: the stand-in server plays it for the next command")),
    (r"^\.venv/bin/python -c", Plan("skip", why="a timing snippet of the sandbox (docs/SIM.md), measured once")),
    # README: the main job and the commands around it
    (r"run\.py\s*$", Plan("run", SMALL + TINY + ("data.limit=2",) + TRAIN_BRIEFLY,
                          "the main job, on a small curriculum, two SFT steps and one GRPO step")),
    (r"run\.py hydra\.run\.dir=", Plan("compose", why="the main job again, in a chosen folder (run above)")),
    (r"run\.py experiment=base_model\s*$", Plan("compose", why=LONG + ": rebuilds the shipped base model")),
    (r"run\.py data=verilog_eval data\.limit=5 lm=tiny compiler=none", Plan("run", TINY + ("data.limit=2",))),
    (r"run\.py data=rtllm program=direct compiler=none", Plan("run", TINY + ("data.limit=1",))),
    (r"run\.py task=make_data", Plan("run", SMALL, "a small curriculum")),
    (r"run\.py -m program=crux,direct compiler=none", Plan("run", SMALL + TINY + ("data.limit=2",))),
    (r"run\.py -m lm=openai", Plan("run", SMALL + ("data.limit=2",), "served by the stand-in server")),
    (r"run\.py experiment=verilog_eval_n20 lm=openai", Plan("run", ("data.limit=2",), "20 samples of 2 problems")),
    (r"run\.py lm=openai lm.model=Qwen/Qwen2.5-Coder-7B-Instruct\s+lm.api_base=\S+ data=verilog_eval",
     Plan("run", ("data.limit=3",), "served by the stand-in server")),
    (r"run\.py lm=openai lm.model=Qwen/Qwen2.5-Coder-7B-Instruct lm.api_base=\S+$",
     Plan("run", SMALL + ("data.limit=2",), "served by the stand-in server")),
    (r"run\.py lm=openai lm.model=small", Plan("run", SMALL + ("data.limit=2",), "both models on the stand-in")),
    (r"^OPENAI_API_KEY=\S+ .*lm.model=openai/gpt-4o-mini$", Plan("run", SMALL + ("data.limit=2",),
                                                              "the stand-in server at the provider's address",
                                                              {"OPENAI_API_KEY": "sk-stand-in"})),
    (r"^OPENAI_API_KEY=\S+ .*lm.model=openai/", Plan("run", ("data.limit=2",),
                                                     "the stand-in server at the provider's address",
                                                     {"OPENAI_API_KEY": "sk-stand-in"})),
    (r"^ANTHROPIC_API_KEY=", Plan("compose", why="a hosted provider whose protocol the stand-in does not speak")),
    (r"run\.py program\.state=", Plan("run", TINY + ("data.limit=2",), "RUN: the folder of the tiny run above")),
    (r"run\.py ", Plan("compose", why=LONG)),
    # scripts and benchmarks
    (r"-m crux_program\.data( |$)", Plan("flags", why="builds a full curriculum (about 85 s) or reads your corpus")),
    (r"-m sim score", Plan("flags", why="PATH and FILE are yours; tests/sim/test_cli.py runs it")),
    (r"-m (benches\.|sim\.bench)", Plan("flags", why=BENCH)),
]


def plan_for(command: DocCommand) -> Plan | None:
    """The first rule matching the command (None: no rule, which the test reports)."""
    text = " ".join(command.words)
    for pattern, plan in RULES:
        if re.search(pattern, text if not pattern.startswith("^") else command.text):
            return plan
    return None


def module_and_flags(command: DocCommand) -> tuple[list[str], list[str]]:
    """For `python -m MODULE [SUBCOMMAND] --flag ...`: the words that name the command, and the flags it uses."""
    words = command.program
    start = words.index("-m")
    head = [words[start + 1]]
    rest = words[start + 2:]
    if rest and re.match(r"^[a-z_]+$", rest[0]) and rest[0] in ("score", "bench", "corpus", "synthetic"):
        head.append(rest[0])
    flags = sorted({w.split("=", 1)[0] for w in words if re.match(r"^--[a-z]", w)})
    # a documented [--optional ...] group is still a flag the script must take
    flags += sorted({m for m in re.findall(r"\[(--[a-z-]+)", command.text)} - set(flags))
    return head, flags
