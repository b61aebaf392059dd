"""Models: which tokenizer a model uses and how many tokens one example may have.

ftlint keeps its own table because tiktoken's is wrong for fine-tuned names
(it maps ``ft:gpt-4.1-...`` to cl100k_base). Names match by longest prefix
after ``ft:<base>:...`` is reduced to its base and Azure's ``gpt-35`` spelling
to ``gpt-3.5``. Plugins add models through ``register_models``.
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
    encoding: str
    token_limit: int
    note: str = ""


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


def base_model_name(model: str) -> str:
    """``ft:gpt-4o-mini-2024-07-18:org:suffix:id`` -> ``gpt-4o-mini-2024-07-18``; ``gpt-35-turbo`` -> ``gpt-3.5-turbo``."""
    name = model.strip()
    if name.startswith("ft:"):
        name = name.split(":")[1]
    if name.startswith("gpt-35"):
        name = "gpt-3.5" + name[len("gpt-35") :]
    return name


def resolve_model(model: str, specs: list[ModelSpec]) -> ModelSpec | None:
    """The spec whose name is the longest prefix of the model's base name, or None."""
    base = base_model_name(model)
    best = None
    for spec in specs:
        if base == spec.name or base.startswith(spec.name + "-") or base.startswith(spec.name + ":"):
            if best is None or len(spec.name) > len(best.name):
                best = spec
    return best


@hookimpl
def register_models(register):
    for spec in BUILTIN_MODELS:
        register(spec)
