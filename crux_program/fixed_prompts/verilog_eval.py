"""VerilogEval v2's own prompt text, byte for byte as its `sv-generate` script builds it, for both tasks.

    prompt = official_prompt(problem.spec, task="spec_to_rtl", shots=3, scripts_dir=SCRIPTS)
    messages = prompt.messages()          # [system, user], what sv-generate sends

The texts below are the script's constants (system message, code-complete preamble, the coding rules, the
`[BEGIN]`/`[DONE]` request); the few-shot prefixes are read from the benchmark's own `scripts/` folder
(`verilog-example-prefix_<task>_<N>-shot.txt`), never copied. tests/crux_program/test_official_prompts.py runs
the official script itself and compares.

What differs by task (as in sv-generate):
- spec-to-rtl: `Question:` + the description + (rules) + the `[BEGIN]`/`[DONE]` request (unless `explain`)
  + `Answer:`.
- code-complete: the preamble comment, then the prompt file with every line before the `module TopModule` line
  turned into a `// ` comment and a blank line put before the header; `rules` and `explain` do not apply.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TASKS = ("spec_to_rtl", "code_complete")
# The script's own names for the tasks (its --task values and prefix file names).
SCRIPT_TASK = {"spec_to_rtl": "spec-to-rtl", "code_complete": "code-complete-iccad2023"}

SYSTEM = {
    "code_complete": "\nYou only complete chats with syntax correct Verilog code. End the Verilog module code "
                     "completion with 'endmodule'. Do not include module, input and output definitions.\n",
    "spec_to_rtl": "\nYou are a Verilog RTL designer that only writes code using correct Verilog syntax.\n",
}

CODE_COMPLETE_PREAMBLE = ("\n// Implement the Verilog module based on the following description. Assume that "
                          "signals are positive clock/clk triggered unless otherwise stated.\n")

RULES = """
Here are some additional rules and coding conventions.

 - Declare all ports and signals as logic; do not to use wire or reg.

 - For combinational logic with an always block do not explicitly specify
   the sensitivity list; instead use always @(*).

 - All sized numeric constants must have a size greater than zero
   (e.g, 0'b0 is not a valid expression).

 - An always block must read at least one signal otherwise it will never
   be executed; use an assign statement instead of an always block in
   situations where there is no need to read any signals.

 - if the module uses a synchronous reset signal, this means the reset
   signal is sampled with respect to the clock. When implementing a
   synchronous reset signal, do not include posedge reset in the
   sensitivity list of any sequential always block.
"""

BEGIN_DONE_REQUEST = """
Enclose your code with [BEGIN] and [DONE]. Only output the code snippet
and do NOT output anything else.
"""

MAX_SHOTS = 4


@dataclass(frozen=True)
class OfficialPrompt:
    """The two messages sv-generate sends: its system text and the full user prompt."""

    system: str
    user: str

    def messages(self) -> list[dict[str, str]]:
        """Chat messages in the OpenAI layout."""
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


def check_task(task: str) -> str:
    """`task` if it is one of TASKS; otherwise a ValueError naming the choices."""
    if task not in TASKS:
        raise ValueError(f"VerilogEval task {task!r}: choose one of {TASKS} (spec_to_rtl is "
                         f"dataset_spec-to-rtl, code_complete is dataset_code-complete-iccad2023)")
    return task


def example_prefix(task: str, shots: int, scripts_dir: Path | str) -> str:
    """The benchmark's `shots`-shot example prefix for `task` ("" for 0 shots)."""
    if not 0 <= shots <= MAX_SHOTS:
        raise ValueError(f"shots={shots}: VerilogEval ships example prefixes for 0 to {MAX_SHOTS} shots")
    if shots == 0:
        return ""
    path = Path(scripts_dir) / f"verilog-example-prefix_{SCRIPT_TASK[check_task(task)]}_{shots}-shot.txt"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: point scripts_dir (program.scripts_dir) at VerilogEval v2's "
                                f"scripts/ folder, which holds the 1- to 4-shot example prefixes")
    return path.read_text()


def _comment_description(prompt: str) -> str:
    """Code-complete: every line before the module header becomes a comment; a blank line goes before it."""
    out: list[str] = []
    in_description = True
    for line in prompt.splitlines():
        if "module TopModule" in line:  # a blank line before every such line, as the script does
            out.append("")
            in_description = False
        out.append("// " + line if in_description else line)
    return "\n".join(out)


def official_prompt(prompt: str, task: str = "spec_to_rtl", shots: int = 0, rules: bool = False,
                    explain: bool = False, scripts_dir: Path | str | None = None) -> OfficialPrompt:
    """The system text and user prompt sv-generate builds from a problem's `_prompt.txt` content.

    shots: 0 to 4 in-context examples (its `-x`); rules: add the coding rules (its `-r`, spec-to-rtl only);
    explain: let the model explain, i.e. leave out the `[BEGIN]`/`[DONE]` request (its `-e`, spec-to-rtl only).
    scripts_dir: the benchmark's scripts/ folder, needed when shots > 0.
    """
    task = check_task(task)
    if shots and scripts_dir is None:
        raise ValueError("official_prompt: shots > 0 needs scripts_dir (VerilogEval v2's scripts/ folder)")
    user = example_prefix(task, shots, scripts_dir or ".")
    if task == "code_complete":
        user += CODE_COMPLETE_PREAMBLE + _comment_description(prompt)
    else:
        user += "\nQuestion:\n" + prompt.strip() + "\n"
        if rules:
            user += RULES
        if not explain:
            user = user.rstrip() + "\n" + BEGIN_DONE_REQUEST
        user += "\nAnswer:\n"
    return OfficialPrompt(system=SYSTEM[task], user=user)
