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
    extra_keys_allowed: bool = False  # RFT rows carry grader fields of the user's choosing
    chat_kind: str = "chat"  # what a row with ``messages`` is for this target (RFT: "rft")


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

OPENAI_DPO = Profile(
    name="openai-dpo",
    description="OpenAI preference fine-tuning (DPO: input, preferred_output, non_preferred_output)",
    kinds=frozenset({"preference"}),
    roles=frozenset({"system", "developer", "user", "assistant", "tool"}),
    top_level_keys=frozenset({"input", "preferred_output", "non_preferred_output"}),
    message_keys=OPENAI_SFT.message_keys,
    default_kind="preference",
)

OPENAI_RFT = Profile(
    name="openai-rft",
    description="OpenAI reinforcement fine-tuning (messages ending with a user turn, grader fields)",
    kinds=frozenset({"rft"}),
    roles=frozenset({"developer", "system", "user", "assistant", "tool"}),
    top_level_keys=frozenset({"messages", "tools"}),
    message_keys=OPENAI_SFT.message_keys,
    default_kind="rft",
    extra_keys_allowed=True,
    chat_kind="rft",
)

DEFAULT_PROFILE = OPENAI_SFT.name


@hookimpl
def register_profiles(register):
    for profile in (OPENAI_SFT, OPENAI_DPO, OPENAI_RFT):
        register(profile)
