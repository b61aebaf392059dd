"""Provider profiles: what a fine-tuning target accepts.

A profile is data (roles, keys, accepted row formats, ordering rules, limits)
registered through the ``register_profiles`` hook, so a plugin can add one.
Rules read the profile from their context instead of hard-coding one
provider's rules; ``ftlint profiles`` lists them.

Sources: OpenAI's fine-tuning docs and API reference, Azure OpenAI's
fine-tuning docs, together-python's ``check_file``, mistral-finetune's
validator and mistral-common, AWS Bedrock's data-preparation guides, Fireworks'
dataset docs, and TRL's dataset formats (see shared/reference/validators.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .plugin import hookimpl

SFT_MESSAGE_KEYS = frozenset({"role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call", "refusal"})
SFT_TOP_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})


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
    last_roles: frozenset[str] | None = None  # roles the last message may have (None: any)
    alternate: bool = False  # user and assistant turns must alternate
    system_first_only: bool = False  # a system message may only open the conversation
    bom: str = "forbidden"  # "forbidden" or "required" (Azure OpenAI)
    min_examples: int | None = None
    max_examples: int | None = None
    max_images: int | None = 10  # image parts per example
    image_sources: frozenset[str] = frozenset({"https", "http", "data"})
    max_image_bytes: int = 10 * 1024 * 1024  # decoded size of a data-URL image
    tool_call_id_pattern: str | None = None  # regex a tool call id must match
    tool_content_string: bool = True  # a tool message's content must be a string
    max_file_bytes: int | None = None  # what one upload may weigh
    extensions: tuple[str, ...] | None = None  # file extensions the service accepts


OPENAI_SFT = Profile(
    name="openai-sft",
    description="OpenAI supervised fine-tuning of chat models (messages, tools, weight, images)",
    kinds=frozenset({"chat"}),
    roles=frozenset({"system", "developer", "user", "assistant", "tool", "function"}),
    top_level_keys=SFT_TOP_KEYS,
    message_keys=SFT_MESSAGE_KEYS,
    min_examples=10,
    max_examples=None,
    max_file_bytes=512 * 1024 * 1024,
    extensions=(".jsonl",),
)

OPENAI_DPO = Profile(
    name="openai-dpo",
    description="OpenAI preference fine-tuning (DPO: input, preferred_output, non_preferred_output)",
    kinds=frozenset({"preference"}),
    roles=frozenset({"system", "developer", "user", "assistant", "tool"}),
    top_level_keys=frozenset({"input", "preferred_output", "non_preferred_output"}),
    message_keys=SFT_MESSAGE_KEYS,
    default_kind="preference",
    min_examples=10,
    max_file_bytes=512 * 1024 * 1024,
    extensions=(".jsonl",),
)

OPENAI_RFT = Profile(
    name="openai-rft",
    description="OpenAI reinforcement fine-tuning (messages ending with a user turn, grader fields)",
    kinds=frozenset({"rft"}),
    roles=frozenset({"developer", "system", "user", "assistant", "tool"}),
    top_level_keys=frozenset({"messages", "tools"}),
    message_keys=SFT_MESSAGE_KEYS,
    default_kind="rft",
    extra_keys_allowed=True,
    chat_kind="rft",
    last_roles=frozenset({"user", "developer"}),
    min_examples=10,
    max_file_bytes=512 * 1024 * 1024,
    extensions=(".jsonl",),
)

AZURE_OPENAI = dataclasses.replace(
    OPENAI_SFT,
    name="azure-openai",
    description="Azure OpenAI fine-tuning (OpenAI's chat format; the service asks for a UTF-8 BOM)",
    bom="required",
)

TOGETHER = Profile(
    name="together",
    description="Together AI fine-tuning, conversational format (strict alternation, data-URL images)",
    kinds=frozenset({"chat", "completion", "preference"}),
    roles=frozenset({"system", "user", "assistant", "tool"}),
    top_level_keys=frozenset({"messages", "tools", "text", "prompt", "completion", "input", "preferred_output", "non_preferred_output"}),
    message_keys=frozenset({"role", "content", "weight", "tool_calls", "tool_call_id", "name"}),
    alternate=True,
    system_first_only=True,
    min_examples=1,
    image_sources=frozenset({"data"}),
    max_images=10,
)

BEDROCK = Profile(
    name="bedrock",
    description="AWS Bedrock chat fine-tuning in OpenAI-style messages (user/assistant alternation, ends with assistant)",
    kinds=frozenset({"chat"}),
    roles=frozenset({"system", "user", "assistant"}),
    top_level_keys=frozenset({"messages"}),
    message_keys=frozenset({"role", "content"}),
    last_roles=frozenset({"assistant"}),
    alternate=True,
    system_first_only=True,
    min_examples=8,
    max_examples=20_000,
    max_images=10,
)

MISTRAL = Profile(
    name="mistral",
    description="Mistral fine-tuning (mistral-finetune / La Plateforme): tool call ids of 9 letters or digits",
    kinds=frozenset({"chat"}),
    roles=frozenset({"system", "user", "assistant", "tool"}),
    top_level_keys=frozenset({"messages", "tools"}),
    message_keys=frozenset({"role", "content", "tool_calls", "tool_call_id", "weight", "name", "prefix"}),
    last_roles=frozenset({"assistant"}),
    system_first_only=True,
    tool_call_id_pattern=r"^[A-Za-z0-9]{9}$",
)

FIREWORKS = Profile(
    name="fireworks",
    description="Fireworks AI supervised fine-tuning (system message first; 3 to 3,000,000 examples)",
    kinds=frozenset({"chat"}),
    roles=frozenset({"system", "user", "assistant", "tool"}),
    top_level_keys=SFT_TOP_KEYS,
    message_keys=SFT_MESSAGE_KEYS,
    system_first_only=True,
    min_examples=3,
    max_examples=3_000_000,
)

TRL = Profile(
    name="trl",
    description="Hugging Face TRL trainers: conversational or prompt/completion rows",
    kinds=frozenset({"chat", "completion"}),
    roles=frozenset({"system", "user", "assistant", "tool"}),
    top_level_keys=frozenset({"messages", "tools", "prompt", "completion"}),
    message_keys=frozenset({"role", "content", "tool_calls", "name", "tool_call_id"}),
    min_examples=1,
)

OPENAI_LEGACY = Profile(
    name="openai-legacy",
    description="OpenAI's legacy prompt/completion fine-tuning (babbage-002, davinci-002), with prepare_data's checks",
    kinds=frozenset({"completion"}),
    roles=frozenset(),
    top_level_keys=frozenset({"prompt", "completion"}),
    message_keys=frozenset(),
    default_kind="completion",
    min_examples=10,
)

BUILTIN_PROFILES = (OPENAI_SFT, OPENAI_DPO, OPENAI_RFT, AZURE_OPENAI, TOGETHER, BEDROCK, MISTRAL, FIREWORKS, TRL, OPENAI_LEGACY)
DEFAULT_PROFILE = OPENAI_SFT.name


@hookimpl
def register_profiles(register):
    for profile in BUILTIN_PROFILES:
        register(profile)
