"""MCP prompts: the capability's message templates with ``{{argument}}`` filled in.

Argument values are inserted as literal text: a value holding ``{{x}}`` is not expanded again.
A prompt with a ``location`` reads its template from that file as one user message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import mcp_types as types
from mcp.shared.exceptions import MCPError

from iocgate.capability import location_path
from iocgate.capability.model import McpPrompt

__all__ = ["PromptTable"]

_PLACEHOLDER = re.compile(r"\{\{\s*([\w.-]+)\s*\}\}")
#: The most a prompt file may hold: prompts are instructions, not documents.
MAX_PROMPT_BYTES = 256 * 1024


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)


class PromptTable:
    """The prompts of every capability served."""

    def __init__(self, prompts: Sequence[tuple[McpPrompt, Path | None]]) -> None:
        self.prompts = {prompt.name: (prompt, base) for prompt, base in prompts}

    def __bool__(self) -> bool:
        return bool(self.prompts)

    def listing(self) -> types.ListPromptsResult:
        return types.ListPromptsResult(
            prompts=[
                types.Prompt(
                    name=prompt.name,
                    title=prompt.display,
                    description=prompt.description or None,
                    arguments=[
                        types.PromptArgument(
                            name=a.name,
                            title=a.display,
                            description=a.description or None,
                            required=bool(a.required),
                        )
                        for a in prompt.arguments
                    ],
                )
                for prompt, _ in self.prompts.values()
            ]
        )

    def get(self, name: str, arguments: Mapping[str, str] | None) -> types.GetPromptResult:
        if name not in self.prompts:
            known = ", ".join(self.prompts) or "none"
            raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown prompt {name!r} ({known})")
        prompt, base = self.prompts[name]
        values = dict(arguments or {})
        missing = [a.name for a in prompt.arguments if a.required and a.name not in values]
        if missing:
            raise MCPError(
                code=types.INVALID_PARAMS,
                message=f"prompt {name!r} needs the argument(s) {', '.join(missing)}",
            )
        if prompt.location is not None:
            pairs = [("user", self._read(prompt.location, base))]
        else:
            pairs = [(message.role, message.content) for message in prompt.template]
        messages = [
            types.PromptMessage(
                role="assistant" if role == "assistant" else "user",
                content=types.TextContent(type="text", text=_fill(text, values)),
            )
            for role, text in pairs
        ]
        return types.GetPromptResult(description=prompt.description or None, messages=messages)

    @staticmethod
    def _read(location: str, base: Path | None) -> str:
        path = location_path(location, base)
        if not path.is_file() or path.stat().st_size > MAX_PROMPT_BYTES:
            raise MCPError(code=types.INTERNAL_ERROR, message="the prompt's file cannot be read")
        return path.read_text()
