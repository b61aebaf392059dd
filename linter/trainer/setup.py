"""From settings to a ``TrainerView``: the one place the three trainer settings meet.

A trainer config (axolotl / LLaMA-Factory YAML) supplies the tokenizer, the
template, the maximum length and the per-file row mappings; ``--tokenizer``
and ``--max-seq-length`` given explicitly win over it. Views are cached per
setting values: parallel workers rebuild the linter from the same settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .hf_tokenizer import TrainerSetupError

_cache: dict[tuple, Any] = {}
TRAINER_PROFILES = ("axolotl", "llamafactory", "trl")  # a profile that names the trainer when no trainer config does


def configured(settings: Any) -> bool:
    return bool(getattr(settings, "tokenizer", None) or getattr(settings, "trainer_config", None))


def view_for(settings: Any, model: Any = None):
    """The view the settings ask for, or None (raises TrainerSetupError with a one-line reason).

    A named hosted model whose tokenizer is at hand (``ModelSpec.tokenizer`` in
    the local HF cache, or shipped by mistral-common) gives exact counts too;
    when it is not at hand the model's approximate encoding stays in use.
    """
    if not configured(settings):
        if getattr(model, "tokenizer", ""):
            return _model_view(settings, model)
        if getattr(settings, "max_seq_length", None):
            raise TrainerSetupError("max-seq-length needs a tokenizer: set --tokenizer or --trainer-config")
        return None
    key = (settings.tokenizer, settings.max_seq_length, settings.trainer_config, settings.root, settings.model, settings.max_tokens,
           getattr(settings, "profile", ""))
    if key not in _cache:
        _cache[key] = _build(settings)
    return _cache[key]


def _build(settings: Any):
    try:  # the trainer's libraries load only when a tokenizer is asked for
        from .hf_tokenizer import resolve
        from .template import ChatTemplate, TemplateSyntaxProblem
        from .view import TrainerView
    except ImportError as exc:
        raise TrainerSetupError(f"--tokenizer needs {exc.name}: install ftlint's 'trainer' extra (in a checkout: pip install -e '.[trainer]')") from None
    plan = read_plan(settings)
    source = settings.tokenizer and _relative(settings.tokenizer, settings, must_exist=False)
    source = source or (plan.tokenizer if plan else None)
    if not source:
        raise TrainerSetupError(f"{settings.trainer_config}: names no tokenizer (base_model / tokenizer_config / model_name_or_path); pass --tokenizer")
    loaded = resolve(source, plan.chat_template if plan else None)
    template = None
    if hasattr(loaded, "chat_template") and not loaded.chat_template and (plan is None or plan.needs_template):
        raise TrainerSetupError(f"--tokenizer {source}: no chat template (tokenizer_config.json chat_template or "
                                "chat_template.jinja next to it, or chat_template_jinja in the trainer config)")
    if getattr(loaded, "chat_template", None):
        try:
            template = ChatTemplate(loaded.chat_template, loaded.special_tokens)
        except TemplateSyntaxProblem as exc:
            raise TrainerSetupError(f"{source}: {exc}") from None
    view = TrainerView(
        loaded,
        max_seq_length=settings.max_seq_length or (plan.max_seq_length if plan else None),
        assistant_only_loss=plan.assistant_only_loss if plan else None,
        chat_template=template,
        trainer=trainer_in_use(settings, plan),
    )
    view.limit_from = setting_origin(settings, "max-seq-length") if settings.max_seq_length else (plan.max_seq_length_from if plan else "")
    view.framework = plan.framework if plan else ""
    if plan:
        view.mappers = plan.mappers
        view.notes = plan.notes
        view.truncation = plan.truncation
        view.truncation_from = plan.truncation_from
        view.mask_history = plan.mask_history
    return view


def trainer_in_use(settings: Any, plan: Any = None) -> str:
    """The trainer the run is for: the trainer config's framework, else a trainer profile's name, else ""
    (a Mistral tokenizer then builds mistral-finetune's request: ``linter.trainer.mistral``)."""
    if plan is not None:
        return plan.framework
    profile = getattr(settings, "profile", "")
    return profile if profile in TRAINER_PROFILES else ""


def setting_origin(settings: Any, key: str) -> str:
    """Where a setting was given, as the reports say it: ``--key`` on the command line, else its config file."""
    origin = getattr(settings, "origins", {}).get(key, "command line")
    if origin == "command line":
        return f"--{key}"
    return f"{key} ({origin})" if origin == "API" else f"{key} in {origin}"


def supplied_by_trainer_config(settings: Any) -> dict[str, tuple[Any, str]]:
    """``{key: (value, origin)}`` for the settings the trainer config supplies because they are not set
    (the tokenizer, the maximum length), as the run will use them: ``--show-settings`` prints these
    instead of null. A tokenizer or length set on the command line or in ``[tool.ftlint]`` wins, as in
    :func:`_build`."""
    plan = read_plan(settings)
    supplied: dict[str, tuple[Any, str]] = {}
    if plan is not None and not settings.tokenizer and plan.tokenizer:
        supplied["tokenizer"] = (plan.tokenizer, plan.tokenizer_from)
    if plan is not None and not settings.max_seq_length and plan.max_seq_length:
        supplied["max-seq-length"] = (plan.max_seq_length, plan.max_seq_length_from)
    return supplied


def _relative(value: str, settings: Any, must_exist: bool = True) -> str:
    """Paths in a config file start at its folder; repo ids and absolute paths stay as they are."""
    if settings.source in ("defaults", "") or Path(value).is_absolute() or Path(value).exists():
        return value
    candidate = Path(settings.root) / value
    return str(candidate) if candidate.exists() or must_exist else value


def read_plan(settings: Any):
    """The trainer config's plan, or None when no trainer config is set."""
    if not settings.trainer_config:
        return None
    from .configs import read_trainer_config

    return read_trainer_config(_relative(settings.trainer_config, settings))


def _model_view(settings: Any, model: Any):
    key = ("model", model.tokenizer, settings.max_seq_length or model.token_limit, trainer_in_use(settings))
    if key not in _cache:
        try:
            from .hf_tokenizer import resolve
            from .view import TrainerView

            loaded = resolve(model.tokenizer)
            if getattr(loaded, "chat_template", True) is None:
                return None
            view = TrainerView(loaded, max_seq_length=settings.max_seq_length or model.token_limit, trainer=trainer_in_use(settings))
            view.limit_from = setting_origin(settings, "max-seq-length") if settings.max_seq_length else f"model {model.name}"
        except (TrainerSetupError, ImportError):
            return None  # not cached locally: the approximate count stays
        _cache[key] = view
    return _cache[key]
