"""The plugin manager: discovery, error isolation, and what each plugin provides.

Built-in plugins are entry points of the ``ftlint`` distribution itself, in the
same ``ftlint`` group that third-party plugins use, so core rules get no
special treatment. Entry points are loaded one by one (not with pluggy's
all-or-nothing ``load_setuptools_entrypoints``) so that a broken plugin is
named in a clear error instead of a traceback.

``FTLINT_LOAD_PLUGINS`` restricts third-party plugins: a comma-separated
allow-list of distribution or entry-point names; an empty string loads none.
Built-in plugins always load.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pluggy

from . import PROJECT_NAME, hookspecs

ENTRY_POINT_GROUP = PROJECT_NAME
CORE_DISTRIBUTION = "ftlint"
LOAD_PLUGINS_ENV = "FTLINT_LOAD_PLUGINS"

# Used only when ftlint runs from a source tree without installed metadata,
# so that the core still works; normally these come from entry points.
CORE_PLUGINS = (
    ("ftlint-encoding", "linter.rules.encoding"),
    ("ftlint-chat", "linter.rules.chat"),
    ("ftlint-content", "linter.rules.content"),
    ("ftlint-text", "linter.rules.text_rules"),
    ("ftlint-tools", "linter.rules.tools"),
    ("ftlint-preference", "linter.rules.preference"),
    ("ftlint-vision", "linter.rules.vision"),
    ("ftlint-legacy", "linter.rules.legacy"),
    ("ftlint-tokens", "linter.rules.tokens"),
    ("ftlint-dataset", "linter.rules.dataset"),
    ("ftlint-duplicates", "linter.rules.duplicates"),
    ("ftlint-readers", "linter.readers.jsonl"),
    ("ftlint-tabular", "linter.readers.tabular"),
    ("ftlint-formats", "linter.output.builtin"),
    ("ftlint-models", "linter.models"),
    ("ftlint-profiles", "linter.profiles"),
)


@dataclass
class PluginInfo:
    """One plugin as ``ftlint plugins`` shows it."""

    name: str
    module: str
    distribution: str | None
    version: str | None
    builtin: bool
    error: str | None = None
    hooks: list[str] = field(default_factory=list)


class PluginError(Exception):
    """A plugin could not be loaded or registered something invalid."""


_manager: pluggy.PluginManager | None = None
_infos: list[PluginInfo] = []


def _allowed(names: Iterable[str | None]) -> bool:
    allow = os.environ.get(LOAD_PLUGINS_ENV)
    if allow is None:
        return True
    wanted = {n.strip().lower() for n in allow.split(",") if n.strip()}
    return any(n and n.lower() in wanted for n in names)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _discover(pm: pluggy.PluginManager) -> list[PluginInfo]:
    infos: list[PluginInfo] = []
    seen_core = False
    # ``Distribution.metadata`` parses the METADATA file on every access (and
    # ``.version`` once more): once per distribution, not twice per entry point
    described: dict[int, tuple[str | None, str | None]] = {}
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = getattr(ep, "dist", None)
        if dist is not None and id(dist) not in described:
            fields = dist.metadata
            described[id(dist)] = (fields["Name"], fields["Version"])
        dist_name, version = described[id(dist)] if dist is not None else (None, None)
        builtin = dist_name is not None and dist_name.lower() == CORE_DISTRIBUTION
        seen_core = seen_core or builtin
        if not builtin and not _allowed([dist_name, ep.name]):
            continue
        if pm.has_plugin(ep.name):
            continue
        info = PluginInfo(ep.name, ep.value, dist_name, version, builtin)
        try:
            pm.register(ep.load(), name=ep.name)
        except BaseException as exc:  # noqa: BLE001 - any import failure is the plugin's
            if isinstance(exc, KeyboardInterrupt):
                raise
            info.error = _describe(exc)
        infos.append(info)
    if not seen_core:
        from .. import __version__

        for name, module in CORE_PLUGINS:
            if not pm.has_plugin(name):
                pm.register(importlib.import_module(module), name=name)
                infos.append(PluginInfo(name, module, CORE_DISTRIBUTION, __version__, True))
    return infos


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, built on first use."""
    global _manager, _infos
    if _manager is None:
        pm = pluggy.PluginManager(PROJECT_NAME)
        pm.add_hookspecs(hookspecs)
        _manager = pm  # set before discovery: plugins may import linter.*
        _infos = _discover(pm)
        pm.check_pending()
    return _manager


def register_local_plugin(plugin: Any, name: str) -> None:
    """Register an in-process plugin (tests, local plugins from config)."""
    pm = get_plugin_manager()
    if not pm.has_plugin(name):
        pm.register(plugin, name=name)
        pm.check_pending()
        _infos.append(PluginInfo(name, getattr(plugin, "__name__", repr(plugin)), None, None, False))


def load_local_plugins(specs: list[str], root: str) -> None:
    """Load plugins named in config: ``rules/house.py`` (relative to the config file) or ``package.module``.

    Local plugins let a team keep house rules in the dataset repository
    without packaging them. Errors name the plugin, like entry-point failures.
    """
    import importlib.util
    import sys

    for spec in specs:
        name = f"local:{spec}"
        if get_plugin_manager().has_plugin(name):
            continue
        try:
            if spec.endswith(".py") or "/" in spec or os.sep in spec:
                path = os.path.join(root, spec)
                module_name = "ftlint_local_" + "".join(c if c.isalnum() else "_" for c in spec)
                loader_spec = importlib.util.spec_from_file_location(module_name, path)
                if loader_spec is None or loader_spec.loader is None or not os.path.isfile(path):
                    raise FileNotFoundError(f"no such file {path}")
                module = importlib.util.module_from_spec(loader_spec)
                sys.modules[module_name] = module
                loader_spec.loader.exec_module(module)
            else:
                module = importlib.import_module(spec)
        except BaseException as exc:  # noqa: BLE001 - any failure is the plugin's
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise PluginError(f"local plugin {spec!r} failed to load: {_describe(exc)}") from None
        register_local_plugin(module, name)


def reset() -> None:
    """Forget the manager (tests, or after changing ``FTLINT_LOAD_PLUGINS``)."""
    global _manager, _infos
    _manager = None
    _infos = []


def plugin_infos() -> list[PluginInfo]:
    """Every plugin found, with the hooks it implements and any load error."""
    pm = get_plugin_manager()
    for info in _infos:
        plugin = pm.get_plugin(info.name)
        callers = pm.get_hookcallers(plugin) if plugin is not None else None
        info.hooks = sorted(c.name for c in callers or [])
    return list(_infos)


def load_errors() -> list[PluginInfo]:
    """Plugins that failed to import."""
    get_plugin_manager()
    return [i for i in _infos if i.error]


def call_each(hook_name: str, **kwargs: Any) -> None:
    """Call every implementation of a hook, one plugin at a time.

    ``kwargs`` values may be callables of the plugin name (``per_plugin``),
    so a ``register`` callback knows which plugin it serves: that is how
    ``ftlint plugins`` and duplicate-code errors can name the plugin.
    """
    pm = get_plugin_manager()
    for impl in reversed(getattr(pm.hook, hook_name).get_hookimpls()):
        args = {}
        for name in impl.argnames:
            value = kwargs[name]
            args[name] = value(impl.plugin_name) if isinstance(value, per_plugin) else value
        impl.function(**args)


class per_plugin:
    """Wraps ``factory(plugin_name) -> value`` for ``call_each``."""

    def __init__(self, factory: Callable[[str], Any]) -> None:
        self.factory = factory

    def __call__(self, plugin_name: str) -> Any:
        return self.factory(plugin_name)


def missing_plugin_hint() -> str:
    """What an error about a rule name, code or options table that nothing provides adds (after "no rule is
    called X"): the plugins this environment has. A rule that is installed where the config was written but
    not here (a pre-commit hook's own environment, a CI job) reads as a typo otherwise."""
    return (f"; no plugin installed here provides it ({loaded_plugins()}; see 'ftlint plugins'). "
            "Under pre-commit each hook has its own environment: list the plugin in the additional_dependencies "
            "of every ftlint hook that reads this config")


def loaded_plugins() -> str:
    """``plugins loaded: NAME (DISTRIBUTION VERSION), ...``: the plugins besides ftlint's own taking part in
    this run, installed (entry points, as FTLINT_LOAD_PLUGINS allows) or local (the config's ``plugins``)."""
    loaded = [info for info in plugin_infos() if not info.builtin and not info.error]
    listed = ", ".join(f"{info.name} ({info.distribution} {info.version})" if info.distribution else info.name
                       for info in loaded) or "none besides ftlint's own"
    allow = os.environ.get(LOAD_PLUGINS_ENV)
    only = f", as {LOAD_PLUGINS_ENV}={allow!r} allows" if allow is not None else ""
    return f"plugins loaded{only}: {listed}"
