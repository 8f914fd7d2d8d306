"""The program's DSPy adapter: DSPy's ChatAdapter with a compact note on each typed output field.

DSPy's ChatAdapter tells the model the type of every non-text output field by pasting its full JSON schema
into the system message. For `ModuleInterface` that schema is 2,000 characters of `$defs`, `$ref`, `title`
and `required` keys: about 1,340 tokens with a small code tokenizer, more than the spec and the answer together.
Every call pays for it, and so does every SFT and GRPO row, since they render the same messages.

`CruxChatAdapter` writes the same information as the shape of the value, in the JSON it must be written in:

    {"module_name": string, "parameters": [{"name": string, "default": string, "description": string}],
     "ports": [{"name": string, "direction": "input" | "output" | "inout", "width": string, ...}]}

Field names, nesting, value types and the allowed words are all there; what is dropped is the schema's
bookkeeping.

One type is written in its own syntax instead of JSON: a `ModuleInterface` (the CRUX's Module Interface) is a
Verilog module header (`crux_program.interface_header`), the form a code model has learnt to write interfaces in
and to copy from a spec, so the ports it plans are the ports it then declares. Reading accepts the header or
the JSON value. Everything else (field markers, instructions, user turn, demos, parsing of other fields) is
ChatAdapter's, byte for byte.
"""
from __future__ import annotations

import json
from typing import Any

import dspy
import pydantic
from dspy.adapters.chat_adapter import FieldInfoWithName, field_header_pattern
from dspy.adapters.types.base_type import Type as DspyType
from dspy.adapters.utils import apply_output_field_defaults, parse_value, translate_field_type
from dspy.signatures.utils import get_dspy_field_type
from dspy.utils.exceptions import AdapterParseError

from crux_program.crux import ModuleInterface
from crux_program.interface_header import interface_to_header, read_interface

HEADER_NOTE = ("# note: the value you produce must be a Verilog module header, `module name #(parameters) (ports);`, "
               "one parameter or port per line with its direction and width, then `// description`")

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
    if annotation is ModuleInterface and get_dspy_field_type(field_info) == "output":
        return f"{{{field_name}}}        {HEADER_NOTE}"
    plain = translate_field_type(field_name, field_info)
    if get_dspy_field_type(field_info) == "input" or "JSON schema" not in plain:
        return plain  # text, bool, numbers, literals, enums, DSPy's own types: ChatAdapter's note is short already
    if isinstance(annotation, type) and issubclass(annotation, DspyType):
        return plain
    shape = compact_shape(pydantic.TypeAdapter(annotation).json_schema())
    return f"{{{field_name}}}        # note: the value you produce must be one line of JSON shaped like: {shape}"


def _read_field(annotation: Any, text: str) -> Any:
    """A field's value from its text: a Module Interface from its header (or JSON), anything else as
    ChatAdapter reads it. Raises ValueError when the text is not a value of the type."""
    return read_interface(text) if annotation is ModuleInterface else parse_value(text, annotation)


class CruxChatAdapter(dspy.ChatAdapter):
    """ChatAdapter whose system message describes typed output fields by their shape, not their JSON schema,
    and which writes and reads a Module Interface as a Verilog module header."""

    def format_field_with_value(self, fields_with_values: dict[FieldInfoWithName, Any]) -> str:
        """ChatAdapter's sections, with a Module Interface value written as its module header."""
        def value(field: FieldInfoWithName, raw: Any) -> Any:
            if field.info.annotation is ModuleInterface and isinstance(raw, (ModuleInterface, dict)):
                return interface_to_header(ModuleInterface.model_validate(raw))
            return raw

        return super().format_field_with_value({field: value(field, raw) for field, raw in fields_with_values.items()})

    def user_message_output_requirements(self, signature: type[dspy.Signature]) -> str:
        """ChatAdapter's reminder, naming the header form where it would say "a valid Python ModuleInterface"."""
        return super().user_message_output_requirements(signature).replace(
            "(must be formatted as a valid Python ModuleInterface)", "(a Verilog module header)")

    def parse(self, signature: type[dspy.Signature], completion: str) -> dict[str, Any]:
        """ChatAdapter's parse (first section of each output field wins), reading values with `_read_field`.
        A copy of DSPy 3.4's loop: its value reader (`parse_value`) is a module function, not a method to override."""
        sections: list[tuple[str | None, list[str]]] = [(None, [])]
        for line in completion.splitlines():
            match = field_header_pattern.match(line.strip())
            if match:
                rest = line.strip()[match.end():].strip()
                sections.append((match.group(1), [rest] if rest else []))
            else:
                sections[-1][1].append(line)
        fields: dict[str, Any] = {}
        for name, lines in sections:
            if name in signature.output_fields and name not in fields:
                text = "\n".join(lines).strip()
                try:
                    fields[name] = _read_field(signature.output_fields[name].annotation, text)
                except ValueError as err:
                    raise AdapterParseError(adapter_name="ChatAdapter", signature=signature, lm_response=completion,
                                            message=f"Failed to parse field {name} with value {text} from the LM "
                                                    f"response. Error message: {err}") from err
        fields = apply_output_field_defaults(signature, fields)
        if fields.keys() != signature.output_fields.keys():
            raise AdapterParseError(adapter_name="ChatAdapter", signature=signature, lm_response=completion,
                                    parsed_result=fields)
        return fields

    def format_field_structure(self, signature: type[dspy.Signature]) -> str:
        """The field-structure block of the system message (ChatAdapter's layout, compact type notes)."""
        def block(fields) -> str:
            return self.format_field_with_value(fields_with_values={
                FieldInfoWithName(name=name, info=info): compact_field_note(name, info)
                for name, info in fields.items()})

        parts = ["All interactions will be structured in the following way, with the appropriate values filled in.",
                 block(signature.input_fields), block(signature.output_fields), "[[ ## completed ## ]]\n"]
        return "\n\n".join(parts).strip()
