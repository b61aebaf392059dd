"""Provider profiles: what a fine-tuning target accepts.

A profile is data (roles, keys, accepted row formats) registered through the
``register_profiles`` hook, so a plugin can add one. Rules read the profile
from their context instead of hard-coding one provider's rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from .plugin import hookimpl


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    kinds: frozenset[str]  # row formats the target accepts
    roles: frozenset[str]
    top_level_keys: frozenset[str]
    message_keys: frozenset[str]
    default_kind: str = "chat"  # how a row with no recognisable format is judged


OPENAI_SFT = Profile(
    name="openai-sft",
    description="OpenAI supervised fine-tuning of chat models (messages, tools, weight, images)",
    kinds=frozenset({"chat"}),
    roles=frozenset({"system", "user", "assistant", "tool", "function"}),
    top_level_keys=frozenset({"messages", "tools", "parallel_tool_calls", "functions"}),
    message_keys=frozenset(
        {"role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call", "refusal"}
    ),
)

DEFAULT_PROFILE = OPENAI_SFT.name


@hookimpl
def register_profiles(register):
    register(OPENAI_SFT)
