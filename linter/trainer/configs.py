"""Trainer configs: lint the files an axolotl or LLaMA-Factory run will read, as it reads them.

``read_trainer_config(path)`` returns a ``TrainerPlan``: the tokenizer, the
chat template, the maximum length, whether loss is on assistant tokens only,
and each dataset file with the mapping that turns its rows into OpenAI-style
``messages`` (the input of ``linter.trainer.messages.messages_for_template``).

Mirrored: axolotl ``base_model``/``tokenizer_config``, ``sequence_len``,
``chat_template`` (``tokenizer_default``, ``jinja`` + ``chat_template_jinja``,
``chatml``), ``train_on_inputs``, ``datasets`` (``path``, ``type``
chat_template / completion / the alpaca instruction strategies, ``field_messages``,
``message_property_mappings`` or ``message_field_role``/``message_field_content``,
``roles``, ``roles_to_train``, ``drop_system_message``, the ``system`` column;
``type: sharegpt`` is refused as axolotl refuses it); LLaMA-Factory ``model_name_or_path``,
``cutoff_len``, ``template``, ``train_on_prompt``, ``dataset``,
``dataset_dir`` and ``dataset_info.json`` (``file_name``, ``formatting``
alpaca / sharegpt / openai, ``columns``, ``tags``, ``ranking``: see
``linter.trainer.mappings``). What cannot be mirrored
exactly becomes a note (a warning line); what makes the run impossible (a
missing file, an unknown dataset key) is a one-line ``TrainerSetupError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from .hf_tokenizer import TrainerSetupError
from .mappings import (AXOLOTL_INSTRUCTION_TYPES, RowMapping, axolotl_instruction_mapping, axolotl_instruction_strategy,
                       axolotl_unread, completion_mapping, llamafactory_mapping)
from .truncation import DROP, KEEP_START, LLAMAFACTORY, RAISE

Mapper = Callable[[Any], Any]

CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
          "{% endfor %}")

AXOLOTL_SEQUENCE_LEN = 512  # axolotl src/axolotl/utils/schemas/config.py: sequence_len's default
AXOLOTL_DEFAULT_ROLES = {"user": ["human", "user"], "assistant": ["gpt", "assistant"], "system": ["system"], "tool": ["tool"]}
AXOLOTL_DATASET_KEYS = {
    "path", "type", "ds_type", "data_files", "name", "split", "revision", "shards", "trust_remote_code",
    "field_messages", "message_property_mappings", "message_field_role", "message_field_content", "roles",
    "roles_to_train", "train_on_eos", "train_on_eot", "chat_template", "chat_template_jinja", "field_system",
    "field_tools", "drop_system_message", "message_field_training", "message_field_training_detail",
    "train_on_split", "conversation", "field_instruction", "field_input", "field_output", "field",
}
# the top-level keys ftlint reads; the hundreds of other axolotl keys (optimiser, LoRA...) are left alone
AXOLOTL_KEYS = {"base_model", "tokenizer_config", "sequence_len", "chat_template", "chat_template_jinja", "datasets",
                "train_on_inputs", "roles_to_train", "dataset_prepared_path", "test_datasets", "val_set_size"}
LLAMAFACTORY_DATASET_KEYS = {
    "file_name", "formatting", "columns", "tags", "ranking", "subset", "split", "folder", "num_samples",
    "hf_hub_url", "ms_hub_url", "om_hub_url", "script_url", "cloud_file_name",
}
LLAMAFACTORY_COLUMNS = {"prompt", "query", "response", "history", "messages", "system", "tools", "images", "videos",
                        "audios", "chosen", "rejected", "kto_tag"}
LLAMAFACTORY_TAGS = {"role_tag", "content_tag", "user_tag", "assistant_tag", "observation_tag", "function_tag", "system_tag"}


@dataclass
class DatasetPlan:
    path: str  # absolute
    mapper: Mapper | None  # None: the rows already are OpenAI chat rows
    label: str


@dataclass
class TrainerPlan:
    source: str
    framework: str
    tokenizer: str | None = None
    tokenizer_from: str = ""  # the key it came from ("base_model in axolotl.yml"), for --show-settings
    chat_template: str | None = None  # Jinja text overriding the tokenizer's, or None
    max_seq_length: int | None = None
    max_seq_length_from: str = ""  # the key (or default) the length came from, for the reports
    truncation: str = KEEP_START  # linter.trainer.truncation's policy
    truncation_from: str = ""  # the key (or default) the policy came from, for the findings
    mask_history: bool = False  # LLaMA-Factory: only the last answer is trained, turns cut last to first
    assistant_only_loss: bool | None = None
    datasets: list[DatasetPlan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def mappers(self) -> dict[str, Mapper]:
        return {d.path: d.mapper for d in self.datasets if d.mapper is not None}

    @property
    def needs_template(self) -> bool:
        """False when every dataset is read without a chat template (axolotl completion datasets)."""
        return any(getattr(d.mapper, "needs_template", True) for d in self.datasets) or not self.datasets


@lru_cache(maxsize=8)
def read_trainer_config(path: str) -> TrainerPlan:
    config_path = Path(path)
    if not config_path.is_file():
        raise TrainerSetupError(f"--trainer-config {path}: no such file")
    try:
        import yaml

        data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except ImportError:
        raise TrainerSetupError("--trainer-config needs PyYAML: install ftlint's 'trainer' extra (in a checkout: pip install -e '.[trainer]')") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TrainerSetupError(f"{path}: cannot read it ({exc})") from None
    except yaml.YAMLError as exc:
        raise TrainerSetupError(f"{path}: invalid YAML ({' '.join(str(exc).split())})") from None
    if not isinstance(data, dict):
        raise TrainerSetupError(f"{path}: expected a YAML mapping of settings")
    if "datasets" in data or "base_model" in data or "sequence_len" in data:
        return _axolotl(data, config_path)
    if "dataset" in data or "cutoff_len" in data:
        return _llamafactory(data, config_path)
    if "max_length" in data or "assistant_only_loss" in data or "dataset_name" in data:
        return _trl(data, config_path)
    if "model_name_or_path" in data:
        return _llamafactory(data, config_path)
    raise TrainerSetupError(f"{path}: neither an axolotl config (datasets, base_model, sequence_len), "
                            "a LLaMA-Factory config (dataset, model_name_or_path, cutoff_len) "
                            "nor a TRL 'trl sft --config' file (model_name_or_path, max_length, assistant_only_loss)")


# -- axolotl ---------------------------------------------------------------------------------

def _length(plan: TrainerPlan, data: dict, key: str, default: int, default_words: str, config_path: Path) -> None:
    """The trainer's maximum sequence length: the config's ``key``, else the trainer's own default, and
    where it came from, for the reports' limit line."""
    given = _positive_int(data, key, str(config_path))
    plan.max_seq_length = given or default
    plan.max_seq_length_from = f"{key} in {config_path.name}" if given else f"{default_words}, not set in {config_path.name}"


def _axolotl(data: dict, config_path: Path) -> TrainerPlan:
    source = str(config_path)
    plan = TrainerPlan(source, "axolotl")
    plan.tokenizer, plan.tokenizer_from = _tokenizer(data, ("tokenizer_config", "base_model"), config_path)
    # axolotl's schema (utils/schemas/config.py) defaults sequence_len to 512
    _length(plan, data, "sequence_len", AXOLOTL_SEQUENCE_LEN, "sequence_len default of axolotl", config_path)
    plan.chat_template = _axolotl_template(data, config_path, plan)
    plan.assistant_only_loss = not data.get("train_on_inputs", False)
    # an example over sequence_len is dropped unless excess_length_strategy says truncate (or raise)
    strategy = data.get("excess_length_strategy") or "drop"
    policies = {"drop": DROP, "truncate": KEEP_START, "raise": RAISE}
    if strategy not in policies:
        raise TrainerSetupError(f"{source}: excess_length_strategy must be drop, truncate or raise, not {strategy!r}")
    plan.truncation = policies[strategy]
    plan.truncation_from = (f"excess_length_strategy: {strategy} in {config_path.name}" if data.get("excess_length_strategy")
                            else "excess_length_strategy: drop, axolotl's default")
    datasets = data.get("datasets")
    if not isinstance(datasets, list) or not datasets:
        raise TrainerSetupError(f"{source}: datasets must be a list of {{path, type}} entries")
    for index, entry in enumerate(datasets):
        where = f"{source}: datasets[{index}]"
        if not isinstance(entry, dict):
            raise TrainerSetupError(f"{where} must be a mapping with path and type")
        unknown = sorted(set(entry) - AXOLOTL_DATASET_KEYS)
        if unknown:
            raise TrainerSetupError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; known: {', '.join(sorted(AXOLOTL_DATASET_KEYS))}")
        path = _dataset_path(entry.get("path"), config_path, where)
        kind = entry.get("type", "chat_template")
        kind_name = kind if isinstance(kind, str) else "custom"
        if kind_name.startswith("sharegpt"):  # schemas/validation.py deprecate_sharegpt_datasets refuses the config
            raise TrainerSetupError(f"{where}: axolotl refuses type {kind_name!r} (\"`type: sharegpt.*` is deprecated\"); use "
                                    "type: chat_template with field_messages: conversations and message_property_mappings: "
                                    "{role: from, content: value}")
        if kind_name.startswith("chat_template"):
            mapper = _axolotl_chat_mapper(entry, "messages", f"datasets[{index}] in {config_path.name}")
        elif kind_name == "completion":
            mapper = completion_mapping(entry.get("field") or "text")
        elif axolotl_instruction_strategy(kind_name):
            mapper = axolotl_instruction_mapping(kind_name, axolotl_instruction_strategy(kind_name))
            plan.notes.append(f"{where}: type {kind_name} is rendered through the chat template; axolotl's own alpaca prompt "
                              "wording differs, so counts are close, not exact")
        else:
            raise TrainerSetupError(f"{where}: type {kind_name!r} is not mirrored by --trainer-config, which reads "
                                    "type chat_template, alpaca and completion datasets only (the alpaca types: "
                                    f"{', '.join(sorted(AXOLOTL_INSTRUCTION_TYPES))}, alpaca:<style>); lint that file with "
                                    "--profile axolotl and no --trainer-config")
        if "roles_to_train" in entry:
            plan.assistant_only_loss = list(entry["roles_to_train"] or []) == ["assistant"] and plan.assistant_only_loss
        plan.datasets.append(DatasetPlan(path, mapper, f"datasets[{index}]"))
    unknown = sorted(k for k in data if k not in AXOLOTL_KEYS and k.startswith(("chat_", "dataset", "field_", "sequence")))
    if unknown:
        plan.notes.append(f"{source}: key(s) {', '.join(unknown)} look data-related but are not mirrored by ftlint")
    return plan


def _axolotl_template(data: dict, config_path: Path, plan: TrainerPlan) -> str | None:
    name = data.get("chat_template")
    if name in (None, "tokenizer_default"):
        return None
    if name == "jinja":
        text = data.get("chat_template_jinja")
        if not isinstance(text, str) or not text.strip():
            raise TrainerSetupError(f"{config_path}: chat_template: jinja needs chat_template_jinja (the template or a file)")
        candidate = config_path.parent / text
        if "{" not in text and candidate.is_file():
            return candidate.read_text(encoding="utf-8")
        return text
    if name == "chatml":
        return CHATML
    plan.notes.append(f"{config_path}: axolotl's bundled chat template {name!r} is not bundled with ftlint; "
                      "rendering with the tokenizer's own template")
    return None


def _axolotl_chat_mapper(entry: dict, default_field: str, label: str) -> Mapper:
    field_messages = entry.get("field_messages") or default_field
    props = dict(entry.get("message_property_mappings") or {})
    props.setdefault("role", entry.get("message_field_role") or "role")
    props.setdefault("content", entry.get("message_field_content") or "content")
    roles = entry.get("roles") or AXOLOTL_DEFAULT_ROLES
    role_of = {str(src): target for target, sources in roles.items() for src in (sources or [])}
    for target in roles:
        role_of.setdefault(str(target), target)
    drop_system = bool(entry.get("drop_system_message"))
    convert = _chat_mapper(field_messages, props, role_of, drop_system)
    # prompt_strategies/chat_template.py reads field_messages and, beside it, the system, tools and images
    # columns (field_system and field_tools are not passed on from the dataset entry: their defaults hold)
    reads = (field_messages, "tools", "images") + (() if drop_system else ("system",))
    why = f"axolotl's type chat_template reads only the {field_messages!r} column, system, tools and images"
    unread = axolotl_unread(reads, why, {"system": "drop_system_message: true drops the system prompt it gives"})
    if not entry.get("roles"):
        return RowMapping(convert, unread=unread)
    # roles replaces axolotl's default mapping: the roles it names (and the template's own, which pass
    # through unchanged) are the ones a row may use; human and gpt no longer map unless listed
    return RowMapping(convert, roles=frozenset(role_of) | {"system", "user", "assistant", "tool"},
                      roles_from=f"the roles of {label}", unread=unread)


# -- LLaMA-Factory -----------------------------------------------------------------------------

def _llamafactory(data: dict, config_path: Path) -> TrainerPlan:
    source = str(config_path)
    plan = TrainerPlan(source, "llamafactory")
    plan.tokenizer, plan.tokenizer_from = _tokenizer(data, ("model_name_or_path",), config_path)
    _length(plan, data, "cutoff_len", 2048, "LLaMA-Factory's default cutoff_len", config_path)
    if data.get("packing") or data.get("neat_packing"):  # DataArguments.__post_init__: packing cuts one token off
        plan.max_seq_length -= 1
        plan.max_seq_length_from += ", minus 1 for packing"
    plan.truncation = LLAMAFACTORY
    plan.mask_history = bool(data.get("mask_history", False))
    plan.assistant_only_loss = not data.get("train_on_prompt", False)
    if plan.mask_history and not plan.assistant_only_loss:
        raise TrainerSetupError(f"{source}: mask_history cannot be combined with train_on_prompt (LLaMA-Factory refuses it)")
    if data.get("template"):
        plan.notes.append(f"{source}: LLaMA-Factory's template {data['template']!r} is Python code in LLaMA-Factory; "
                          "ftlint renders the tokenizer's chat template, which it usually mirrors")
    names = data.get("dataset")
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    if not isinstance(names, list) or not names:
        raise TrainerSetupError(f"{source}: dataset must name one or more datasets of dataset_info.json")
    folder = data.get("dataset_dir", "data")
    dataset_dir = Path(folder) if Path(folder).is_absolute() else config_path.parent / folder
    info_path = dataset_dir / "dataset_info.json"
    if not info_path.is_file():
        raise TrainerSetupError(f"{source}: {info_path} does not exist (dataset_dir {folder!r})")
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TrainerSetupError(f"{info_path}: not valid JSON ({exc})") from None
    if not isinstance(info, dict):
        raise TrainerSetupError(f"{info_path}: expected an object of dataset names")
    for name in names:
        where = f"{info_path}: {name}"
        entry = info.get(name)
        if not isinstance(entry, dict):
            raise TrainerSetupError(f"{source}: dataset {name!r} is not defined in {info_path}")
        unknown = sorted(set(entry) - LLAMAFACTORY_DATASET_KEYS)
        if unknown:
            raise TrainerSetupError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(LLAMAFACTORY_DATASET_KEYS))}")
        if "file_name" not in entry:
            raise TrainerSetupError(f"{where}: only local datasets (file_name) can be linted; hub datasets are never downloaded")
        for what, known in (("columns", LLAMAFACTORY_COLUMNS), ("tags", LLAMAFACTORY_TAGS)):
            given = entry.get(what, {})
            if not isinstance(given, dict):
                raise TrainerSetupError(f"{where}: {what} must be an object, not {json.dumps(given)[:40]}")
            if set(given) - known:
                raise TrainerSetupError(f"{where}: unknown {what} {', '.join(sorted(set(given) - known))}")
        path = _dataset_path(entry["file_name"], dataset_dir, where, relative_to_folder=True)
        mapper = llamafactory_mapping(entry, name, where, f"{info_path.parent.name}/{info_path.name}")
        plan.datasets.append(DatasetPlan(path, mapper, name))
    return plan


# -- TRL ('trl sft --config FILE': SFTConfig and ScriptArguments fields) ------------------------

def _trl(data: dict, config_path: Path) -> TrainerPlan:
    source = str(config_path)
    plan = TrainerPlan(source, "trl")
    plan.tokenizer, plan.tokenizer_from = _tokenizer(data, ("model_name_or_path",), config_path)
    _length(plan, data, "max_length", 1024, "SFTConfig's default max_length", config_path)
    plan.assistant_only_loss = bool(data.get("assistant_only_loss", False))
    template_path = data.get("chat_template_path")
    if isinstance(template_path, str):
        candidate = config_path.parent / template_path
        jinja = candidate if candidate.is_file() else candidate / "chat_template.jinja"
        if not jinja.is_file():
            raise TrainerSetupError(f"{source}: chat_template_path {template_path} has no template file")
        plan.chat_template = jinja.read_text(encoding="utf-8")
    name = data.get("dataset_name")
    if isinstance(name, str):
        local = config_path.parent / name
        if local.is_file():
            plan.datasets.append(DatasetPlan(str(local.resolve()), None, "dataset_name"))
        else:
            plan.notes.append(f"{source}: dataset_name {name!r} is not a local file (hub datasets are never downloaded); "
                              "pass the files to lint")
    return plan


# -- shared ------------------------------------------------------------------------------------

# the message keys axolotl keeps unmapped (transform_message keeps the ones the chat template uses; its
# MistralPrompter keeps exactly these): a tool call and its answer stay paired
_CALL_KEYS = ("tool_calls", "tool_call_id", "name")


def _chat_mapper(field_messages: str, props: dict, role_of: dict, drop_system: bool = False) -> Mapper:
    """axolotl's ``get_conversation_thread``: each turn through the property mappings and roles, a system
    turn from the ``system`` column when the first turn is not one, and that first system turn dropped
    with ``drop_system_message``."""
    role_key, content_key = props.get("role", "role"), props.get("content", "content")
    extra = {k: v for k, v in props.items() if k not in ("role", "content")}

    def to_openai(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        turns = value.get(field_messages)
        if not isinstance(turns, list):
            return {}
        messages = []
        for turn in turns:
            if not isinstance(turn, dict):
                return {}  # not renderable; the structure rules say why
            role = turn.get(role_key)
            message = {"role": role_of.get(role, role) if isinstance(role, str) else role, "content": turn.get(content_key)}
            for target, source_key in extra.items():
                if source_key in turn:
                    message[target] = turn[source_key]
            for key in _CALL_KEYS:  # kept beside the mapped properties, as transform_message keeps them
                if key not in message and turn.get(key) is not None:
                    message[key] = turn[key]
            messages.append(message)
        if messages and messages[0]["role"] != "system" and value.get("system") is not None:
            messages.insert(0, {"role": "system", "content": value["system"]})
        if drop_system and messages and messages[0]["role"] == "system":
            messages = messages[1:]
        out = {"messages": messages}
        if "tools" in value:
            out["tools"] = value["tools"]
        return out

    return to_openai


def _positive_int(data: dict, key: str, source: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise TrainerSetupError(f"{source}: {key} must be a positive integer, got {value!r}")
    return value


def _tokenizer(data: dict, keys: tuple[str, ...], config_path: Path) -> tuple[str | None, str]:
    """The tokenizer the first of ``keys`` set names, and that key (``base_model in axolotl.yml``)."""
    for key in keys:
        if data.get(key):
            return _model_path(data[key], config_path), f"{key} in {config_path.name}"
    return None, ""


def _model_path(value: Any, config_path: Path) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    local = config_path.parent / value
    return str(local) if not Path(value).is_absolute() and local.exists() else value


def _dataset_path(value: Any, base: Path, where: str, relative_to_folder: bool = False) -> str:
    if not isinstance(value, str) or not value:
        raise TrainerSetupError(f"{where}: path must be a file name")
    folder = base if relative_to_folder else base.parent
    for candidate in (folder / value, Path(value)):
        if candidate.is_file():
            return str(candidate.resolve())
        if candidate.is_dir():
            raise TrainerSetupError(f"{where}: {value} is a folder; name the data file (ftlint lints files)")
    raise TrainerSetupError(f"{where}: dataset path {value} does not exist (looked in {folder} and the working folder; "
                            "hub datasets are never downloaded)")
