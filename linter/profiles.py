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
# content parts a Hugging Face processor's chat template renders (TRL, axolotl): an image part may carry
# its image (image, url, path, base64) or stand for the next item of the row's images column
HF_PART_TYPES = frozenset({"text", "image", "video", "audio"})
# OpenAI's API refuses any other message name: "Invalid 'messages[1].name': string does not match pattern.
# Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."
OPENAI_NAME_PATTERN = r"^[a-zA-Z0-9_-]+$"


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
    # the target reads the keys it knows and drops every other column unread (TRL's trainers, axolotl, LLaMA-Factory),
    # whatever the row's format: a plain column (id, source, meta) is harmless, so FT110 and FT901 name only a key that
    # misnames one it reads; False: the target refuses a row with a key it does not know (OpenAI, Together's "Found
    # extra column", Bedrock's "no extraneous keys", prepare_data's "Additional columns/keys present")
    ignores_extra_columns: bool = False
    chat_kind: str = "chat"  # what a row with ``messages`` is for this target (RFT: "rft")
    # the target has reinforcement fine-tuning (OpenAI, Azure), so a ``messages`` row ending on the user with
    # fields beyond SFT's may be an RFT prompt (FT401 then points at openai-rft); elsewhere such a row is an
    # SFT example with extra columns and no answer (FT112), never a format the target lacks
    rft_prompts: bool = False
    # the keys of each format the target reads, when it refuses a row that holds keys of two of them (Together:
    # "a file that could match two formats is rejected"); None: the target picks one by its own rules (FT408)
    exclusive_formats: tuple[frozenset[str], ...] | None = None
    # opt-in rules this target turns on (a select or ignore still decides): the hosted services turn on FT205,
    # since a key in the file reaches a third party and can be learnt into the weights
    enables: tuple[str, ...] = ()
    last_roles: frozenset[str] | None = None  # roles the last message may have (None: any)
    alternate: bool = False  # user and assistant turns must alternate
    # where a tool result stands when turns alternate: "assistant" (it continues the turn that called it) or
    # "user" (LLaMA-Factory: an observation takes the human slot, so the assistant must answer it next)
    tool_result_turn: str = "assistant"
    first_roles: frozenset[str] | None = None  # roles the first non-system turn may have (None: any)
    system_first_only: bool = False  # a system message may only open the conversation
    bom: str = "forbidden"  # "forbidden" or "required" (Azure OpenAI)
    min_examples: int | None = None
    max_examples: int | None = None
    # OpenAI's prepare_data conventions for base-model prompt/completion rows (a separator ending every
    # prompt, a stop sequence ending every completion, a leading space, no long common prefix, FT904-FT909,
    # FT911, FT912): only its legacy completion models learned where a prompt ends from the data; trainers
    # that take prompt/completion strings (TRL, axolotl, Together) mark the boundary themselves
    completion_conventions: bool = False
    # what a message's "name" must match (OpenAI's API: "Invalid 'messages[1].name': string does not match
    # pattern ... '^[a-zA-Z0-9_-]+$'"); None: the target does not check it (FT122)
    message_name_pattern: str | None = None
    # the content part types a message's content list may hold: OpenAI's, or (the trainers that render
    # with a Hugging Face processor's chat template) text, image, video and audio parts
    part_types: frozenset[str] = frozenset({"text", "image_url", "input_audio", "file"})
    max_images: int | None = 10  # image parts per example
    image_sources: frozenset[str] = frozenset({"https", "http", "data"})
    max_image_bytes: int = 10 * 1024 * 1024  # decoded size of a data-URL image
    tool_call_id_pattern: str | None = None  # regex a tool call id must match
    tool_content_string: bool = True  # a tool message's content must be a string
    # a tool call's "arguments": "string" (a JSON string, as OpenAI and Mistral require),
    # "object" (TRL's and axolotl's examples, rendered by chat templates with tojson; a JSON string is accepted too) or
    # "object-only" (LLaMA-Factory json.dumps the arguments it reads, so a JSON string is trained as an escaped string)
    tool_arguments: str = "string"
    # a tool call needs an "id" and a tool message the "tool_call_id" of its call (OpenAI's API, Mistral's
    # validator); False: the target pairs results with calls by their order (chat templates render no ids,
    # LLaMA-Factory's openai converter drops them), so ids are checked only where they are given (FT503, FT506)
    tool_call_ids: bool = True
    # "tools" may be a JSON string holding the list (TRL and axolotl json.loads a string, as TRL's docs store it for
    # datasets < 4.7; LLaMA-Factory's converters pass a string on to its tool formatter); False: a list only (FT500)
    tools_json_string: bool = False
    # a declared function's "parameters" may be a JSON string holding the schema (axolotl's chat_template strategy,
    # _get_tools, json.loads it in a tool wrapped as {"type": "function", "function": {...}}); False: the schema
    # object only (FT500). A tool itself held as a JSON string is read by no target (FT500): axolotl decodes only
    # in its unmerged PR #3825 (parse_tools), and apply_chat_template refuses a tool that is not a dict
    tool_parameters_json_string: bool = False
    max_file_bytes: int | None = None  # what one upload may weigh
    extensions: tuple[str, ...] | None = None  # file extensions the service accepts
    sources: tuple[tuple[str, str], ...] = ()  # (what the profile says, the doc URL or code path it comes from)
    # the ``from`` tags the target reads in ShareGPT rows, when they are fewer than ``roles`` (which also
    # serve its OpenAI-style rows): LLaMA-Factory reads human/gpt unless dataset_info.json says otherwise
    sharegpt_tags: frozenset[str] | None = None
    # where sharegpt_tags come from when a trainer config declares them for a file ("the tags of dataset 'chat'
    # of data/dataset_info.json"); "" for the target's defaults
    sharegpt_tags_from: str = ""

    def turns_on(self) -> str:
        """The opt-in rules this target runs unless a select or ignore says otherwise, in the words of
        ``ftlint profiles --verbose`` and ``check --show-settings``."""
        return f"turns on: {', '.join(self.enables)} (opt-in elsewhere)"

    def describe(self) -> list[str]:
        """The profile as lines of text, for ``ftlint profiles --verbose`` and docs/profiles.md."""
        from .schema import DESCRIPTIONS

        order = []
        if self.first_roles:
            order.append(f"first turn {' or '.join(sorted(self.first_roles))}")
        if self.alternate:
            order.append("user and assistant alternate" + (" (a tool result in the user's place)" if self.tool_result_turn == "user" else ""))
        if self.last_roles:
            order.append(f"last turn {' or '.join(sorted(self.last_roles))}")
        if self.system_first_only:
            order.append("system only first")
        limits = [f"{label} {value:,}" for label, value in (("min examples", self.min_examples), ("max examples", self.max_examples),
                                                            ("max file bytes", self.max_file_bytes)) if value]
        lines = [
            f"  formats: {'; '.join(DESCRIPTIONS.get(k, k) for k in sorted(self.kinds))}",
            f"  roles: {', '.join(sorted(self.roles)) or '-'}",
            f"  order: {'; '.join(order) or 'any'}",
            f"  top-level keys: {'any' if self.extra_keys_allowed else ', '.join(sorted(self.top_level_keys))}"
            + (" (other columns are dropped unread)" if self.ignores_extra_columns else ""),
            f"  limits: {', '.join(limits) or 'none'}",
        ]
        if self.sharegpt_tags is not None:
            lines.append(f"  ShareGPT tags: {', '.join(sorted(self.sharegpt_tags))}")
        if self.message_name_pattern:
            lines.append(f"  message names match: {self.message_name_pattern}")
        if self.completion_conventions:
            lines.append("  prompt/completion conventions: prepare_data's (separator, stop sequence, leading space)")
        if self.part_types != Profile.part_types:
            lines.append(f"  content parts: {', '.join(sorted(self.part_types))}")
        if self.tool_arguments == "object":
            lines.append("  tool call arguments: a JSON object (or a JSON string)")
        elif self.tool_arguments == "object-only":
            lines.append("  tool call arguments: a JSON object (a JSON string is encoded again)")
        if not self.tool_call_ids:
            lines.append("  tool call ids: optional (results answer calls in order)")
        if self.tools_json_string:
            lines.append("  tools: a list, or a JSON string holding it")
        if self.tool_parameters_json_string:
            lines.append("  tool parameters: a JSON Schema object, or a JSON string holding it")
        if self.exclusive_formats:
            lines.append("  one format a row: refuses rows holding keys of two of " +
                         ", ".join("/".join(sorted(keys)) for keys in self.exclusive_formats))
        if self.rft_prompts:
            lines.append("  messages ending on the user with grader fields: an RFT prompt")
        if self.enables:
            lines.append(f"  {self.turns_on()}")
        lines.extend(f"  source: {what}: {where}" for what, where in self.sources)
        return lines

    def as_dict(self) -> dict:
        """Every field as JSON-ready data, for ``ftlint profiles --output-format json`` (sets sorted, so the
        output is stable; sources as ``{"what", "where"}``)."""
        data = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, (set, frozenset)):  # a plugin's profile may hold a plain set
                value = sorted(value)
            elif field.name == "sources":
                value = [{"what": what, "where": where} for what, where in value]
            elif isinstance(value, tuple):
                value = [sorted(item) if isinstance(item, (set, frozenset)) else item for item in value]
            data[field.name] = value
        return data


# a hosted service receives the file: a key in it leaves the team's hands (FT205, opt-in for local trainers)
HOSTED_ENABLES = ("FT205",)


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
    message_name_pattern=OPENAI_NAME_PATTERN,
    sources=(("chat format, roles, weight, limits", "https://platform.openai.com/docs/guides/supervised-fine-tuning"),
             ("minimum of 10 examples", "https://platform.openai.com/docs/guides/fine-tuning")),
    rft_prompts=True,
    enables=HOSTED_ENABLES,
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
    sources=(("input/preferred_output/non_preferred_output; no other keys",
              "https://developers.openai.com/api/docs/guides/direct-preference-optimization"),),
    rft_prompts=True,
    message_name_pattern=OPENAI_NAME_PATTERN,
    enables=HOSTED_ENABLES,
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
    message_name_pattern=OPENAI_NAME_PATTERN,
    max_file_bytes=512 * 1024 * 1024,
    extensions=(".jsonl",),
    sources=(("messages ending with a user turn plus grader fields", "https://platform.openai.com/docs/guides/reinforcement-fine-tuning"),),
    rft_prompts=True,
    enables=HOSTED_ENABLES,
)

AZURE_OPENAI = dataclasses.replace(
    OPENAI_SFT,
    name="azure-openai",
    description="Azure OpenAI fine-tuning: OpenAI's chat format and its DPO format (the service asks for a UTF-8 BOM)",
    kinds=frozenset({"chat", "preference"}),
    top_level_keys=SFT_TOP_KEYS | OPENAI_DPO.top_level_keys,
    bom="required",
    sources=(("chat format", "https://learn.microsoft.com/azure/ai-services/openai/how-to/fine-tuning"),
             ("DPO rows as OpenAI's (input, preferred_output, non_preferred_output)",
              "https://learn.microsoft.com/azure/ai-services/openai/how-to/fine-tuning-direct-preference-optimization")),
)

TOGETHER = Profile(
    name="together",
    description="Together AI fine-tuning: conversational, instruction, preference and generic text rows (strict alternation, data-URL images)",
    kinds=frozenset({"chat", "completion", "preference", "text"}),
    roles=frozenset({"system", "user", "assistant", "tool"}),
    top_level_keys=frozenset({"messages", "tools", "text", "prompt", "completion", "input", "preferred_output", "non_preferred_output"}),
    message_keys=frozenset({"role", "content", "weight", "tool_calls", "tool_call_id", "name"}),
    alternate=True,
    first_roles=frozenset({"user"}),
    system_first_only=True,
    min_examples=1,
    image_sources=frozenset({"data"}),
    max_images=10,
    exclusive_formats=(frozenset({"messages"}), frozenset({"text"}), frozenset({"prompt", "completion"}),
                       frozenset({"input", "preferred_output", "non_preferred_output"})),
    sources=(("formats; start with system or user, then alternate; a file matching two formats is rejected",
              "https://docs.together.ai/docs/fine-tuning/data-preparation"),),
    enables=HOSTED_ENABLES,
)

BEDROCK = Profile(
    name="bedrock",
    description="AWS Bedrock fine-tuning: Claude (top-level system, user first, strict alternation, assistant last) and Nova (bedrock-conversation-2024)",
    kinds=frozenset({"chat", "bedrock-nova"}),
    roles=frozenset({"user", "assistant"}),
    top_level_keys=frozenset({"system", "messages", "schemaVersion"}),
    message_keys=frozenset({"role", "content"}),
    first_roles=frozenset({"user"}),
    last_roles=frozenset({"assistant"}),
    alternate=True,
    system_first_only=True,
    min_examples=8,
    max_examples=20_000,
    max_images=10,
    sources=(("Claude: {system, messages}, user first, strict alternation, assistant last, no extra keys",
              "https://platform.claude.com/cookbook/finetuning-finetuning-on-bedrock"),
             ("Nova: schemaVersion, system list, content blocks, user first, assistant last",
              "https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html"),
             ("8 to 20,000 records", "https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html")),
    enables=HOSTED_ENABLES,
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
    sources=(("roles, last role assistant, 9-character call ids", "mistral-common src/mistral_common/protocol/instruct/validator.py"),),
    enables=HOSTED_ENABLES,
)

FIREWORKS = Profile(
    name="fireworks",
    description="Fireworks AI fine-tuning: chat (system message first) and DPO pairs (input, preferred_output, non_preferred_output); 3 to 3,000,000 examples",
    kinds=frozenset({"chat", "preference"}),
    roles=frozenset({"system", "user", "assistant", "tool"}),
    top_level_keys=SFT_TOP_KEYS | {"input", "preferred_output", "non_preferred_output"},
    message_keys=SFT_MESSAGE_KEYS,
    system_first_only=True,
    min_examples=3,
    max_examples=3_000_000,
    sources=(("DPO rows; 3 to 3,000,000 examples (the chat format is taken as OpenAI's: not verified on Fireworks' SFT page)",
              "https://docs.fireworks.ai/fine-tuning/dpo-fine-tuning"),),
    enables=HOSTED_ENABLES,
)

TRL = Profile(
    name="trl",
    description="Hugging Face TRL trainers: every dataset type (language modeling, prompt-only, prompt-completion, preference, unpaired, stepwise)",
    kinds=frozenset({"chat", "completion", "text", "prompt-only", "prompt-completion", "trl-preference", "unpaired-preference", "stepwise"}),
    roles=frozenset({"system", "developer", "user", "assistant", "tool"}),
    top_level_keys=frozenset({"messages", "tools", "prompt", "completion", "text", "chosen", "rejected", "label", "completions",
                              "labels", "images", "image", "chat_template_kwargs"}),
    message_keys=frozenset({"role", "content", "tool_calls", "name", "tool_call_id", "thinking", "reasoning_content"}),
    min_examples=1,
    part_types=HF_PART_TYPES,
    tool_arguments="object",
    tool_call_ids=False,
    tools_json_string=True,
    ignores_extra_columns=True,
    sources=(("dataset types and their keys", "huggingface/trl docs/source/dataset_formats.md"),
             ("other columns are dropped unread: tokenize_fn reads prompt, completion, messages, text, tools and chat_template_kwargs, "
              "and Trainer's remove_unused_columns keeps only the signature columns",
              "huggingface/trl trl/trainer/sft_trainer.py _prepare_dataset, _set_signature_columns_if_needed"),
             ("roles of multimodal messages", "huggingface/trl trl/data_utils.py prepare_multimodal_messages"),
             ("vision rows: {\"type\": \"image\"} and {\"type\": \"text\"} content parts, images in a column",
              "huggingface/trl docs/source/dataset_formats.md (vision datasets)"),
             ("tool calls carry arguments as a JSON object, without ids; tool results name the function",
              "huggingface/trl docs/source/dataset_formats.md (tool calling)"),
             ("tools may be stored as a JSON string (datasets < 4.7); the trainers json.loads a string",
              "huggingface/trl docs/source/dataset_formats.md (tool calling), trl/trainer/sft_trainer.py tokenize_fn"),),
)

_LLAMAFACTORY_ROLES = frozenset({"human", "gpt", "system", "function_call", "observation", "user", "assistant", "tool"})

LLAMAFACTORY = Profile(
    name="llamafactory",
    description="LLaMA-Factory: ShareGPT, Alpaca, OpenAI messages and its v1 format; rows it would drop are errors",
    kinds=frozenset({"sharegpt", "sharegpt-preference", "sharegpt-kto", "alpaca", "chat", "llamafactory-v1"}),
    roles=_LLAMAFACTORY_ROLES,
    top_level_keys=frozenset({"conversations", "messages", "system", "tools", "images", "videos", "audios", "chosen", "rejected",
                              "kto_tag", "label", "instruction", "input", "output", "history"}),
    # tool_call_id and name: its openai converter drops them (results answer calls in order), as it drops a call's id
    message_keys=frozenset({"role", "content", "from", "value", "tool_calls", "tool_call_id", "name", "loss_weight"}),
    first_roles=frozenset({"user", "human", "observation"}),
    last_roles=frozenset({"assistant", "gpt", "function_call"}),
    alternate=True,
    tool_result_turn="user",
    system_first_only=True,
    min_examples=1,
    sharegpt_tags=frozenset({"human", "gpt", "system", "function_call", "observation"}),
    tool_arguments="object-only",
    tool_call_ids=False,
    tools_json_string=True,
    ignores_extra_columns=True,
    sources=(("ShareGPT/Alpaca columns and tags", "hiyouga/LLaMA-Factory data/README.md"),
             ("the converter reads the columns dataset_info.json maps and drops every original column (remove_columns=column_names)",
              "hiyouga/LLaMA-Factory src/llamafactory/data/converter.py align_dataset"),
             ("ShareGPT tags default to human/gpt/observation/function_call/system; other tags need dataset_info.json's \"tags\"",
              "hiyouga/LLaMA-Factory src/llamafactory/data/parser.py DatasetAttr"),
             ("turns alternate human/observation then gpt/function_call, else 'Invalid role tag' and the row is skipped",
              "hiyouga/LLaMA-Factory src/llamafactory/data/converter.py SharegptDatasetConverter"),
             ("rows whose prompt/response counts are off are dropped ('Dropped invalid example')",
              "hiyouga/LLaMA-Factory src/llamafactory/data/processor/supervised.py"),
             ("kto_tag must be a JSON boolean", "hiyouga/LLaMA-Factory src/llamafactory/data/converter.py"),
             ("messages with tool_calls: each call's function becomes a function turn (ids, types, tool_call_id dropped; "
              "tool results merged in order); tools as a list or a JSON string",
              "hiyouga/LLaMA-Factory src/llamafactory/data/converter.py OpenAIDatasetConverter"),
             ("a call's arguments are json.dumps-ed again, so they must be an object",
              "hiyouga/LLaMA-Factory src/llamafactory/data/formatter.py FunctionFormatter")),
)

AXOLOTL = Profile(
    name="axolotl",
    description="axolotl: chat_template (OpenAI messages or ShareGPT mapped), alpaca and completion datasets",
    kinds=frozenset({"chat", "sharegpt", "alpaca", "text", "completion"}),
    roles=frozenset({"system", "user", "assistant", "tool", "human", "gpt"}),
    top_level_keys=frozenset({"messages", "conversations", "tools", "system", "instruction", "input", "output", "text", "prompt", "completion",
                              "images", "image"}),
    message_keys=frozenset({"role", "content", "from", "value", "tool_calls", "tool_call_id", "name", "train", "weight", "reasoning_content"}),
    min_examples=1,
    part_types=HF_PART_TYPES,
    tool_arguments="object",
    tool_call_ids=False,
    tools_json_string=True,
    tool_parameters_json_string=True,
    ignores_extra_columns=True,
    sources=(("default role mapping human->user, gpt->assistant", "axolotl-ai-cloud/axolotl src/axolotl/prompt_strategies/chat_template.py"),
             ("tool calls carry arguments as a JSON object; call id and tool_call_id \"required only for mistral\"",
              "axolotl-ai-cloud/axolotl docs/dataset-formats/conversation.qmd (tool use)"),
             ("tools as a list of objects or a JSON string of it (json.loads; else 'Unknown tools format')",
              "axolotl-ai-cloud/axolotl src/axolotl/prompt_strategies/chat_template.py _get_tools"),
             ("a wrapped tool's function.parameters may be a JSON string: json.loads it, and a string that does not parse is an error; "
              "a tool itself held as a string is passed on as it is, and apply_chat_template refuses it",
              "axolotl-ai-cloud/axolotl src/axolotl/prompt_strategies/chat_template.py _get_tools"),
             ("dataset types alpaca, chat_template, completion", "axolotl-ai-cloud/axolotl docs/dataset-formats/index.qmd"),
             ("the prompt strategy reads its fields and the tokenized dataset drops every original column (remove_columns=features)",
              "axolotl-ai-cloud/axolotl src/axolotl/datasets.py TokenizedPromptDataset.process"),
             ("multimodal messages: image, audio and text content parts; an images or image column",
              "axolotl-ai-cloud/axolotl docs/multimodal.qmd, src/axolotl/processing_strategies.py"),
             ("rows with no trainable tokens are dropped", "axolotl-ai-cloud/axolotl src/axolotl/utils/data/utils.py")),
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
    completion_conventions=True,
    sources=(("prompt/completion with prepare_data's conventions", "openai-python 0.28 openai/validators.py"),),
    enables=HOSTED_ENABLES,
)

def unknown_profile(name: str, known) -> str:
    """The one-line error for a profile name no plugin registered, with the closest name when there is one
    (``llama-factory``, ``LlamaFactory`` and ``openai_sft`` differ from a name only in case and separators)."""
    import difflib

    known = sorted(known)
    squashed = {k.replace("-", "").replace("_", "").lower(): k for k in known}
    key = str(name).replace("-", "").replace("_", "").replace(" ", "").lower()
    guess = squashed.get(key) or next(iter(difflib.get_close_matches(key, list(squashed), n=1, cutoff=0.7)), None)
    if guess in squashed:
        guess = squashed[guess]
    hint = f" (did you mean {guess!r}?)" if guess else ""
    return f"unknown profile {name!r}{hint}; known: {', '.join(known)}"


def markdown(profiles) -> str:
    """docs/profiles.md: every profile as ``ftlint profiles --verbose`` shows it (a test keeps the file current)."""
    out = ["# Profiles", "", "What each fine-tuning target accepts, with the source of each rule. Generated from",
           "`linter/profiles.py` (`ftlint profiles --verbose` prints the same); a test checks this file is current.", ""]
    for profile in profiles:
        out += [f"## {profile.name}", "", profile.description, "", *(f"- {line.strip()}" for line in profile.describe()), ""]
    return "\n".join(out)


BUILTIN_PROFILES = (OPENAI_SFT, OPENAI_DPO, OPENAI_RFT, AZURE_OPENAI, TOGETHER, BEDROCK, MISTRAL, FIREWORKS, TRL, OPENAI_LEGACY,
                    LLAMAFACTORY, AXOLOTL)
DEFAULT_PROFILE = OPENAI_SFT.name


@hookimpl
def register_profiles(register):
    for profile in BUILTIN_PROFILES:
        register(profile)
