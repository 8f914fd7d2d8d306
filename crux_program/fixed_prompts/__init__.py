"""Fixed prompts of benchmarks and released models: VerilogEval v2's own, QiMeng-CRUX-V's protocol."""
from crux_program.fixed_prompts.programs import ReleasedModelPrompt, VerilogEvalOfficial
from crux_program.fixed_prompts.verilog_eval import OfficialPrompt, official_prompt
from crux_program.fixed_prompts.verilog_eval_answer import official_answer

__all__ = ["OfficialPrompt", "ReleasedModelPrompt", "VerilogEvalOfficial", "official_answer", "official_prompt"]
