"""Models: which tokenizer a model uses and how many tokens one example may have.

ftlint keeps its own table because tiktoken's is wrong for fine-tuned names
(it maps ``ft:gpt-4.1-...`` to cl100k_base). Names match by longest prefix
after ``ft:<base>:...`` is reduced to its base and Azure's ``gpt-35`` spelling
to ``gpt-3.5``. Plugins add models through ``register_models``.

Hosted open models (Together, Fireworks, Mistral, Bedrock, Azure) carry their
provider's per-example or context limit, their tokenizer family, and where
their own tokenizer can be found (``tokenizer``: a Hugging Face repo id, used
when it is in the local cache, or ``mistral-common:<file>`` for the files
mistral-common ships): then counts are exact (``linter.trainer``); otherwise
``encoding`` approximates them. Every figure names its source and the date it
was read; "unverified" marks figures the stored copies did not confirm.
"""

from __future__ import annotations

from dataclasses import dataclass

from .plugin import hookimpl

DEFAULT_TOKEN_LIMIT = 4096
DEFAULT_ENCODING = "o200k_base"


@dataclass(frozen=True)
class ModelSpec:
    """A model (or model family, matched as a name prefix)."""

    name: str
    encoding: str  # the tiktoken encoding ftlint counts with when the model's own tokenizer is not at hand
    token_limit: int
    note: str = ""
    provider: str = "openai"
    family: str = ""  # tokenizer family, e.g. "llama3"
    tokenizer: str = ""  # exact counts: an HF repo id (local cache only) or "mistral-common:<file>"
    source: str = ""  # where the limit was read
    as_of: str = ""  # when
    # a preference (DPO) pair's limit, when the provider publishes a lower one than token_limit (Together); 0: the same
    pair_limit: int = 0


# When no model is named: the 4096-token limit the task asks for, counted
# with the tokenizer of every currently fine-tunable OpenAI chat model.
DEFAULT_MODEL = ModelSpec("default when no model is named", DEFAULT_ENCODING, DEFAULT_TOKEN_LIMIT)

BUILTIN_MODELS = (
    ModelSpec("gpt-3.5-turbo", "cl100k_base", 16385, "gpt-3.5-turbo-0125 / -1106"),
    ModelSpec("gpt-3.5-turbo-0613", "cl100k_base", 4096),
    ModelSpec("gpt-4-0613", "cl100k_base", 8192),
    ModelSpec("gpt-4o", "o200k_base", 65536, "gpt-4o-2024-08-06"),
    ModelSpec("gpt-4o-mini", "o200k_base", 65536, "gpt-4o-mini-2024-07-18"),
    ModelSpec("gpt-4.1", "o200k_base", 65536, "gpt-4.1-2025-04-14"),
    ModelSpec("gpt-4.1-mini", "o200k_base", 65536, "gpt-4.1-mini-2025-04-14"),
    ModelSpec("gpt-4.1-nano", "o200k_base", 32768, "gpt-4.1-nano-2025-04-14"),
    ModelSpec("o4-mini", "o200k_base", 65536, "reinforcement fine-tuning; limit assumed equal to gpt-4.1"),
)

_TOGETHER = "https://docs.together.ai/docs/fine-tuning-models"
_FIREWORKS = "https://docs.fireworks.ai/fine-tuning/fine-tuning-models"
_MISTRAL = "https://github.com/mistralai/mistral-finetune (README seq_len advice); mistral-common MODEL_NAME_TO_TOKENIZER_CLS"
_NOVA = "https://docs.aws.amazon.com/nova/latest/userguide/customization.html (context in the model id)"
_BEDROCK = "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-meta-llama31.html"
_HAIKU = "https://platform.claude.com/cookbook/finetuning-finetuning-on-bedrock"
_AZURE = "https://learn.microsoft.com/azure/ai-services/openai/how-to/fine-tuning"
_READ = "2026-11-30"


def _hosted(name, limit, provider, family, tokenizer, source, note="", encoding="o200k_base", pair_limit=0):
    return ModelSpec(name, encoding, limit, note, provider, family, tokenizer, source, _READ, pair_limit)


# Fine-tunable models of hosted providers (SFT limits). Plugins add or correct entries.
HOSTED_MODELS = (
    _hosted("moonshotai/Kimi-K2-Instruct", 65536, "together", "kimi-k2", "moonshotai/Kimi-K2-Instruct", _TOGETHER, "SFT context; DPO 32768", pair_limit=32768),
    _hosted("zai-org/GLM-4.6", 128000, "together", "glm-4", "zai-org/GLM-4.6", _TOGETHER, "SFT context; DPO 64000", pair_limit=64000),
    _hosted("zai-org/GLM-4.7", 128000, "together", "glm-4", "zai-org/GLM-4.7", _TOGETHER, "SFT context; DPO 64000", pair_limit=64000),
    _hosted("openai/gpt-oss-20b", 16384, "together", "gpt-oss (o200k_harmony)", "openai/gpt-oss-20b", _TOGETHER, "SFT context; DPO 8192", pair_limit=8192),
    _hosted("openai/gpt-oss-120b", 16384, "together", "gpt-oss (o200k_harmony)", "openai/gpt-oss-120b", _TOGETHER, "SFT context; DPO 8192", pair_limit=8192),
    _hosted("deepseek-ai/DeepSeek-R1-0528", 131072, "together", "deepseek-v3", "deepseek-ai/DeepSeek-R1-0528", _TOGETHER, "SFT context; DPO 32768", pair_limit=32768),
    _hosted("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", 131072, "together", "llama3", "meta-llama/Llama-3.1-8B-Instruct", _TOGETHER,
            "32K-131K is LoRA only; exact full-fine-tuning limit unverified"),
    _hosted("meta-llama/Meta-Llama-3.1-70B-Instruct-Reference", 131072, "together", "llama3", "meta-llama/Llama-3.1-70B-Instruct", _TOGETHER,
            "32K-131K is LoRA only; exact full-fine-tuning limit unverified"),
    _hosted("accounts/fireworks/models/llama-v3p1-8b-instruct", 131072, "fireworks", "llama3", "meta-llama/Llama-3.1-8B-Instruct", _FIREWORKS,
            "model context; fine-tuning limit unverified"),
    _hosted("accounts/fireworks/models/llama-v3p1-70b-instruct", 131072, "fireworks", "llama3", "meta-llama/Llama-3.1-70B-Instruct", _FIREWORKS,
            "model context; fine-tuning limit unverified"),
    _hosted("accounts/fireworks/models/qwen2p5-7b-instruct", 32768, "fireworks", "qwen2", "Qwen/Qwen2.5-7B-Instruct", _FIREWORKS,
            "model context; fine-tuning limit unverified"),
    _hosted("open-mistral-nemo", 16384, "mistral", "tekken v3", "mistral-common:tekken_240718.json", _MISTRAL,
            "mistral-finetune advises seq_len <= 16384 for Nemo; La Plateforme's own limit unverified"),
    _hosted("ministral-8b", 16384, "mistral", "tekken v3", "mistral-common:tekken_240718.json", _MISTRAL, "limit unverified (Nemo's advice)"),
    _hosted("mistral-small-2409", 16384, "mistral", "tekken v3", "mistral-common:tekken_240718.json", _MISTRAL, "limit unverified (Nemo's advice)"),
    _hosted("mistral-large-2407", 8192, "mistral", "sentencepiece v3", "mistral-common:mistral_instruct_tokenizer_240323.model.v3", _MISTRAL,
            "mistral-finetune advises seq_len <= 8192 for Large v2"),
    _hosted("mistral-large-2411", 8192, "mistral", "sentencepiece v7", "mistral-common:mistral_instruct_tokenizer_241114.model.v7", _MISTRAL,
            "limit unverified (Large v2's advice)"),
    _hosted("codestral-2405", 8192, "mistral", "sentencepiece v3", "mistral-common:mistral_instruct_tokenizer_240323.model.v3", _MISTRAL,
            "limit unverified"),
    _hosted("anthropic.claude-3-haiku-20240307-v1:0", 32000, "bedrock", "claude (proprietary)", "", _HAIKU,
            "32K per record is commonly cited, unverified; counts are approximate"),
    _hosted("amazon.nova-micro-v1:0", 128000, "bedrock", "nova (proprietary)", "", _NOVA, "128k customisable context; counts approximate"),
    _hosted("amazon.nova-lite-v1:0", 300000, "bedrock", "nova (proprietary)", "", _NOVA, "300k customisable context; counts approximate"),
    _hosted("amazon.nova-pro-v1:0", 300000, "bedrock", "nova (proprietary)", "", _NOVA, "300k customisable context; counts approximate"),
    _hosted("meta.llama3-1-8b-instruct-v1:0", 128000, "bedrock", "llama3", "meta-llama/Llama-3.1-8B-Instruct", _BEDROCK,
            "model context; Bedrock's fine-tuning limit unverified"),
    _hosted("meta.llama3-1-70b-instruct-v1:0", 128000, "bedrock", "llama3", "meta-llama/Llama-3.1-70B-Instruct", _BEDROCK,
            "model context; Bedrock's fine-tuning limit unverified"),
    _hosted("azure/gpt-4o-mini", 65536, "azure", "o200k_base", "", _AZURE, "Azure OpenAI; limit assumed equal to OpenAI's, unverified"),
    _hosted("azure/gpt-4o", 65536, "azure", "o200k_base", "", _AZURE, "Azure OpenAI; limit assumed equal to OpenAI's, unverified"),
    _hosted("azure/gpt-4.1-mini", 65536, "azure", "o200k_base", "", _AZURE, "Azure OpenAI; limit assumed equal to OpenAI's, unverified"),
    _hosted("azure/gpt-35-turbo", 16385, "azure", "cl100k_base", "", _AZURE, "Azure OpenAI (0125/1106); unverified", encoding="cl100k_base"),
)


def base_model_name(model: str) -> str:
    """``ft:gpt-4o-mini-2024-07-18:org:suffix:id`` -> ``gpt-4o-mini-2024-07-18``; ``gpt-35-turbo`` -> ``gpt-3.5-turbo``."""
    name = model.strip()
    if name.startswith("ft:"):
        name = name.split(":")[1]
    if name.startswith("gpt-35"):
        name = "gpt-3.5" + name[len("gpt-35") :]
    return name


def resolve_model(model: str, specs: list[ModelSpec]) -> ModelSpec | None:
    """The spec whose name is the longest prefix of the model's base name, or None.

    A dash after the family name must start a dated or numbered snapshot
    (``gpt-4o-2024-08-06``, ``gpt-3.5-turbo-0125``): ``gpt-4o-minii`` is a typo,
    not a ``gpt-4o`` snapshot (it used to get gpt-4o's limit and 8x the price)."""
    base = base_model_name(model)
    best = None
    for spec in specs:
        rest = base[len(spec.name) + 1 :] if base.startswith(spec.name) else ""
        snapshot = base.startswith(spec.name + "-") and rest[:1].isdigit()
        if base == spec.name or snapshot or base.startswith(spec.name + ":"):
            if best is None or len(spec.name) > len(best.name):
                best = spec
    return best


@hookimpl
def register_models(register):
    for spec in BUILTIN_MODELS + HOSTED_MODELS:
        register(spec)
