"""Everything the plugins contribute, collected once and validated.

Each ``register_*`` hook is called plugin by plugin, so every rule, reader,
format, model and profile is known with the plugin that supplied it, and a
clash (two rules with one code) names both plugins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import ModelSpec
from .plugin import host
from .plugin.host import PluginError
from .profiles import Profile
from .readers import Reader
from .rules.base import Rule


@dataclass
class Registry:
    rules: dict[str, type[Rule]] = field(default_factory=dict)  # code -> class, sorted by code
    rule_plugin: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # kebab name -> code
    readers: list[Reader] = field(default_factory=list)
    formatters: dict[str, Any] = field(default_factory=dict)
    models: list[ModelSpec] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)
    formats: dict[str, Any] = field(default_factory=dict)  # row format adapters by name (linter.formats)
    detector: Any = None  # linter.formats.Detector over ``formats``

    def rule(self, reference: str) -> type[Rule] | None:
        """A rule by code (any case) or kebab-case name."""
        code = reference.strip().upper()
        if code in self.rules:
            return self.rules[code]
        code = self.names.get(reference.strip().lower())
        return self.rules.get(code) if code else None

    def reader_for(self, path: str) -> Reader:
        for reader in self.readers:
            if reader.claims(path):
                return reader
        return next(r for r in self.readers if r.name == "jsonl")


def _collect() -> Registry:
    reg = Registry()
    errors = host.load_errors()
    if errors:
        raise PluginError(
            "; ".join(f"plugin {e.name!r} ({e.distribution or 'local'}) failed to load: {e.error}" for e in errors)
            + f". Fix or uninstall it, or leave it out with {host.LOAD_PLUGINS_ENV}."
        )

    def rule_registrar(plugin: str):
        def register(rule: type) -> None:
            try:
                if not (isinstance(rule, type) and issubclass(rule, Rule)):
                    raise ValueError(f"{rule!r} is not a subclass of linter.Rule")
                rule.validate_class()
            except ValueError as exc:
                raise PluginError(f"plugin {plugin!r}: {exc}") from None
            if rule.code in reg.rules:
                raise PluginError(f"rule code {rule.code} is registered by both {reg.rule_plugin[rule.code]!r} and {plugin!r}")
            if rule.name in reg.names:
                other = reg.rule_plugin[reg.names[rule.name]]
                raise PluginError(f"rule name {rule.name} is registered by both {other!r} and {plugin!r}")
            reg.rules[rule.code] = rule
            reg.rule_plugin[rule.code] = plugin
            reg.names[rule.name] = rule.code

        return register

    host.call_each("register_rules", register=host.per_plugin(rule_registrar))
    host.call_each("register_readers", register=reg.readers.append)
    host.call_each("register_formatters", register=reg.formatters.__setitem__)
    host.call_each("register_models", register=reg.models.append)
    host.call_each("register_profiles", register=lambda profile: reg.profiles.__setitem__(profile.name, profile))
    from .formats import Detector, Format

    def format_registrar(plugin: str):
        def register(adapter: Any) -> None:
            if not isinstance(adapter, Format):
                raise PluginError(f"plugin {plugin!r}: {adapter!r} is not a linter.formats.Format instance")
            reg.formats[adapter.name] = adapter

        return register

    host.call_each("register_formats", register=host.per_plugin(format_registrar))
    reg.detector = Detector(reg.formats.values())
    reg.rules = dict(sorted(reg.rules.items()))
    return reg


_registry: Registry | None = None


def get_registry() -> Registry:
    """The registry for the current plugin set, built on first use."""
    global _registry
    if _registry is None:
        _registry = _collect()
    return _registry


def refresh() -> None:
    """Rebuild the registry on next use, keeping the loaded plugins (after local plugins load)."""
    global _registry
    _registry = None


def reset() -> None:
    """Forget plugins and registry (tests; after FTLINT_LOAD_PLUGINS changes)."""
    global _registry
    _registry = None
    host.reset()
