"""The program's DSPy adapter: DSPy's ChatAdapter with a compact note on each typed output field.

DSPy's ChatAdapter tells the model the type of every non-text output field by pasting its full JSON schema
into the system message. For `ModuleInterface` that schema is 2,000 characters of `$defs`, `$ref`, `title`
and `required` keys: about 1,340 tokens with a small code tokenizer, more than the spec and the answer together.
Every call pays for it, and so does every SFT and GRPO row, since they render the same messages.

`CruxChatAdapter` writes the same information as the shape of the value, in the JSON it must be written in:

    {"module_name": string, "parameters": [{"name": string, "default": string, "description": string}],
     "ports": [{"name": string, "direction": "input" | "output" | "inout", "width": string, ...}]}

Field names, nesting, value types and the allowed words are all there; what is dropped is the schema's
bookkeeping. Parsing is ChatAdapter's own (pydantic validation), so what is accepted does not change.
Everything else (field markers, instructions, user turn, demos) is ChatAdapter's, byte for byte.
"""
from __future__ import annotations

import json
from typing import Any

import dspy
import pydantic
from dspy.adapters.chat_adapter import FieldInfoWithName
from dspy.adapters.types.base_type import Type as DspyType
from dspy.adapters.utils import translate_field_type
from dspy.signatures.utils import get_dspy_field_type

_SCALARS = {"string": "string", "integer": "integer", "number": "number", "boolean": "true | false", "null": "null"}


def compact_shape(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> str:
    """Render a JSON schema as the shape of a value: `{"key": type, ...}`, `[item]`, `"a" | "b"`."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        return compact_shape(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return " | ".join(compact_shape(option, defs) for option in schema[union])
    kind = schema.get("type")
    if kind == "array":
        return f"[{compact_shape(schema.get('items', {}), defs)}]" if schema.get("items") else "[...]"
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        if not props:
            return "{...}"
        return "{" + ", ".join(f"{json.dumps(name)}: {compact_shape(sub, defs)}" for name, sub in props.items()) + "}"
    if isinstance(kind, list):
        return " | ".join(_SCALARS.get(k, k) for k in kind)
    return _SCALARS.get(kind, "any")


def compact_field_note(field_name: str, field_info) -> str:
    """The `{field}` placeholder with a one-line note on its type (ChatAdapter's note for scalars and enums)."""
    annotation = field_info.annotation
    plain = translate_field_type(field_name, field_info)
    if get_dspy_field_type(field_info) == "input" or "JSON schema" not in plain:
        return plain  # text, bool, numbers, literals, enums, DSPy's own types: ChatAdapter's note is short already
    if isinstance(annotation, type) and issubclass(annotation, DspyType):
        return plain
    shape = compact_shape(pydantic.TypeAdapter(annotation).json_schema())
    return f"{{{field_name}}}        # note: the value you produce must be one line of JSON shaped like: {shape}"


class CruxChatAdapter(dspy.ChatAdapter):
    """ChatAdapter whose system message describes typed output fields by their shape, not their JSON schema."""

    def format_field_structure(self, signature: type[dspy.Signature]) -> str:
        """The field-structure block of the system message (ChatAdapter's layout, compact type notes)."""
        def block(fields) -> str:
            return self.format_field_with_value(fields_with_values={
                FieldInfoWithName(name=name, info=info): compact_field_note(name, info)
                for name, info in fields.items()})

        parts = ["All interactions will be structured in the following way, with the appropriate values filled in.",
                 block(signature.input_fields), block(signature.output_fields), "[[ ## completed ## ]]\n"]
        return "\n\n".join(parts).strip()
