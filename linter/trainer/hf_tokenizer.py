"""Find and load the tokenizer a trainer will use, without downloading anything.

A source is a Hugging Face model folder, a ``tokenizer.json`` file, a Mistral
tokenizer file (``tokenizer.model.v*``, ``tekken*.json``), or a repo id that
is already in the local Hugging Face cache (``HF_HUB_CACHE``, else
``HF_HOME/hub``, else ``~/.cache/huggingface/hub``; the layout is
``models--org--name/snapshots/<revision>/``). Anything missing is a
``TrainerSetupError`` whose one line names it.

Hugging Face tokenizers load with the Rust ``tokenizers`` library, not
``transformers`` (far too heavy for a linter's start-up); the chat template
and special tokens come from ``tokenizer_config.json`` /
``chat_template.jinja`` as transformers reads them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MISTRAL_FILE = re.compile(r"(^tokenizer\.model\.v\d+m?\d*$)|(^tekken.*\.json$)|(^mistral_instruct_tokenizer_.*\.model\.v\d+m?\d*$)")
SPECIAL_KEYS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")


from ..config import ConfigError


class TrainerSetupError(ConfigError):
    """The trainer's view cannot be set up (a missing tokenizer, a bad config); the message is one line."""


@dataclass
class HFTokenizer:
    """A Hugging Face tokenizer: the Rust tokenizer, its chat template and special tokens."""

    name: str
    backend: Any  # tokenizers.Tokenizer
    chat_template: str | None
    special_tokens: dict[str, Any] = field(default_factory=dict)  # what the template sees: bos_token...
    folder: str = ""


@dataclass
class MistralFiles:
    """A Mistral tokenizer file, encoded through mistral-common."""

    name: str
    path: str


def hub_cache() -> Path:
    """The Hugging Face hub cache folder, as huggingface_hub computes it."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")
    return Path(home).expanduser() / "hub"


def resolve(source: str, chat_template: str | None = None) -> HFTokenizer | MistralFiles:
    """Load the tokenizer ``source`` names; ``chat_template`` (Jinja text) overrides the folder's."""
    if source.startswith("mistral-common:"):
        return _shipped_mistral(source.partition(":")[2])
    path = Path(source).expanduser()
    if path.is_file():
        if MISTRAL_FILE.match(path.name):
            return MistralFiles(path.name, str(path))
        if path.name.endswith(".json"):
            return _load_hf(path.parent, path, chat_template, display=str(path))
        raise TrainerSetupError(f"--tokenizer {source}: not a tokenizer.json, tokenizer.model.v* or tekken*.json file")
    if path.is_dir():
        return _load_folder(path, chat_template, display=str(path))
    if _looks_like_repo_id(source):
        return _load_folder(_cached_snapshot(source), chat_template, display=source)
    raise TrainerSetupError(f"--tokenizer {source}: no such file or folder, and not an org/name repo id")


def _shipped_mistral(name: str) -> MistralFiles:
    """One of the tokenizer files mistral-common ships in its ``data`` folder."""
    try:
        import mistral_common
    except ImportError:
        raise TrainerSetupError("mistral tokenizers need mistral-common: install ftlint's 'trainer' extra (in a checkout: pip install -e '.[trainer]')") from None
    path = Path(mistral_common.__file__).parent / "data" / name
    if not path.is_file():
        raise TrainerSetupError(f"mistral-common {mistral_common.__version__} does not ship {name}")
    return MistralFiles(f"{name} (mistral-common)", str(path))


def _looks_like_repo_id(source: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", source)) and not source.startswith(".")


def _cached_snapshot(repo_id: str) -> Path:
    cache = hub_cache()
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        raise TrainerSetupError(
            f"--tokenizer {repo_id}: not in the local Hugging Face cache ({repo} does not exist); "
            f"ftlint never downloads: run 'huggingface-cli download {repo_id}' or pass a local folder"
        )
    revision = None
    ref = repo / "refs" / "main"
    if ref.is_file():
        revision = ref.read_text(encoding="utf-8").strip()
    candidates = [snapshots / revision] if revision and (snapshots / revision).is_dir() else sorted(
        (p for p in snapshots.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for snapshot in candidates:
        if (snapshot / "tokenizer.json").is_file() or any(MISTRAL_FILE.match(p.name) for p in snapshot.iterdir()):
            return snapshot
    raise TrainerSetupError(f"--tokenizer {repo_id}: the cached snapshot in {snapshots} has no tokenizer.json")


def _load_folder(folder: Path, chat_template: str | None, display: str) -> HFTokenizer | MistralFiles:
    tokenizer_json = folder / "tokenizer.json"
    if tokenizer_json.is_file():
        return _load_hf(folder, tokenizer_json, chat_template, display)
    mistral = sorted(p for p in folder.iterdir() if MISTRAL_FILE.match(p.name))
    if mistral:
        return MistralFiles(f"{display} ({mistral[-1].name})", str(mistral[-1]))
    raise TrainerSetupError(f"--tokenizer {display}: the folder has no tokenizer.json (nor tokenizer.model.v*/tekken*.json)")


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TrainerSetupError(f"{path}: cannot read it as JSON ({type(exc).__name__}: {exc})".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise TrainerSetupError(f"{path}: expected a JSON object")
    return data


def _token_text(value: Any) -> Any:
    """``"<s>"`` or an AddedToken dict ``{"content": "<s>", ...}`` -> ``"<s>"``."""
    if isinstance(value, dict):
        return value.get("content")
    if isinstance(value, list):
        return [_token_text(v) for v in value]
    return value


def _load_hf(folder: Path, tokenizer_json: Path, chat_template: str | None, display: str) -> HFTokenizer:
    from tokenizers import Tokenizer

    try:
        backend = Tokenizer.from_file(str(tokenizer_json))
    except Exception as exc:  # the Rust loader raises plain Exceptions on a malformed file
        raise TrainerSetupError(f"{tokenizer_json}: not a tokenizers file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    config_path = folder / "tokenizer_config.json"
    config = _read_json(config_path) if config_path.is_file() else {}
    special: dict[str, Any] = {}
    for key in SPECIAL_KEYS:
        if config.get(key) is not None:
            special[key] = _token_text(config[key])
    extra = config.get("additional_special_tokens") or config.get("extra_special_tokens")
    if isinstance(extra, list):
        special["additional_special_tokens"] = _token_text(extra)
    template = chat_template
    if template is None:
        jinja_file = folder / "chat_template.jinja"
        if jinja_file.is_file():
            template = jinja_file.read_text(encoding="utf-8")
        else:
            template = _named_default(config.get("chat_template"))
    return HFTokenizer(display, backend, template, special, str(folder))


def _named_default(value: Any) -> str | None:
    """``chat_template`` is a string, or a list of ``{"name", "template"}`` (transformers picks ``default``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("name") == "default":
                return item.get("template")
    return None
