"""A tiny real Hugging Face tokenizer folder, for tests and examples.

Hugging Face downloads are impossible offline, so tests build a byte-level
BPE tokenizer with the ``tokenizers`` library, train it on a few sentences,
and save it as a model folder (``tokenizer.json`` + ``tokenizer_config.json``
with a chat template) that ``transformers.AutoTokenizer`` and ftlint both load.
"""

from __future__ import annotations

import json
from pathlib import Path

SPECIAL = ["<s>", "</s>", "<pad>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]

# Raises on non-alternating roles (as Llama 2 / Mistral templates do) and marks
# the assistant's answers with generation blocks.
ALTERNATING_TEMPLATE = (
    "{{ bos_token }}"
    "{%- if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
    "<|system|>{{ messages[0]['content'] }}<|end|>"
    "{%- else %}{% set loop_messages = messages %}{% endif %}"
    "{%- for message in loop_messages %}"
    "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{%- if message['role'] == 'user' %}<|user|>{{ message['content'] }}<|end|>\n"
    "{%- else %}<|assistant|>{% generation %}{{ message['content'] }}<|end|>{% endgeneration %}\n{% endif %}"
    "{%- endfor %}"
)

# The same layout without generation blocks (most stock templates), with tools.
PLAIN_TEMPLATE = (
    "{{ bos_token }}{% if tools %}<|system|>Tools: {{ tools | tojson }}<|end|>\n{% endif %}"
    "{%- for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}<|end|>\n{% endfor %}"
)

# A Llama-3-like layout with tool calls, trimmed contents and generation blocks (for the speed tests and bench).
HEADER_TEMPLATE = (
    "{{- bos_token }}"
    "{%- if tools %}<|system|>Tools: {{ tools | tojson }}<|end|>\n{% endif %}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}<|assistant|>\n\n{% generation %}"
    "{%- if message.tool_calls %}{% for call in message.tool_calls %}{{ call.function | tojson }}{% endfor %}"
    "{%- else %}{{ message['content'] | trim }}{% endif %}<|end|>{% endgeneration %}\n"
    "{%- else %}<|{{ message['role'] }}|>\n\n{{ message['content'] | trim }}<|end|>\n{% endif %}"
    "{%- endfor %}"
)

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello! How can I help you today?",
    "What is the capital of France? Paris is the capital of France.",
    "Fine-tuning data must fit the maximum sequence length of the trainer.",
    "Les données d'entraînement doivent être propres. 日本語のテキストも少し。",
]


def build_tokenizer_folder(folder: str | Path, chat_template: str | None = ALTERNATING_TEMPLATE,
                           template_file: bool = False, vocab_size: int = 400) -> Path:
    """Train a byte-level BPE on ``CORPUS`` and save it with its config as a model folder."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(CORPUS * 3, trainer)
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "pad_token": "<pad>",
        "model_max_length": 4096,
        "additional_special_tokens": ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"],
    }
    if chat_template is not None and not template_file:
        config["chat_template"] = chat_template
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    if chat_template is not None and template_file:
        (folder / "chat_template.jinja").write_text(chat_template, encoding="utf-8")
    return folder
