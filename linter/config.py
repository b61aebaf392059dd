"""Settings: ``[tool.ftlint]`` in the nearest pyproject.toml, then the command line.

Keys are kebab-case as in ruff. Unknown keys are errors, so a typo cannot
silently disable a check.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .models import DEFAULT_TOKEN_LIMIT  # noqa: F401 - documented default
from .profiles import DEFAULT_PROFILE

DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024


class ConfigError(ValueError):
    """The configuration is invalid; the message says where and why."""


@dataclass
class Settings:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    model: str | None = None
    max_tokens: int | None = None
    profile: str = DEFAULT_PROFILE
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    token_stats: bool = True
    exact_stats: bool = False
    plugins: list[str] = field(default_factory=list)  # local plugins: file paths or module names
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule name or code -> options
    files: list[str] = field(default_factory=list)  # what 'ftlint check' lints when given no paths
    validation_file: str | None = None  # checked against the other files for leakage (FT406)
    baseline: str | None = None  # findings recorded here do not fail check or fix (linter.baseline)
    prices: dict[str, float] = field(default_factory=dict)  # model prefix -> USD per 1M training tokens
    # the trainer's view (linter.trainer): an open model's tokenizer and chat template
    tokenizer: str | None = None
    max_seq_length: int | None = None
    trainer_config: str | None = None
    # which files a folder yields (linter.discovery): None is the default list
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    force_exclude: bool = False
    root: str = "."  # folder of the config file: relative paths in it start here
    source: str = "defaults"  # where the settings came from, for messages

    # filled in by ``with_cli``: the command line is its own selection layer
    cli_select: list[str] | None = None
    cli_extend_select: list[str] = field(default_factory=list)
    cli_ignore: list[str] = field(default_factory=list)
    cli_extend_exclude: list[str] = field(default_factory=list)  # --extend-exclude: anchored at the current folder
    run_outputs: list[str] = field(default_factory=list)  # files this run writes: never linted from a folder
    # config key -> where its value came from (a config file's path, "command line", "API");
    # keys not in it have their default. Shown by --show-settings.
    origins: dict[str, str] = field(default_factory=dict)

    def set(self, key: str, value: Any, origin: str) -> None:
        """Set a config key (kebab-case) and remember where the value came from."""
        setattr(self, key.replace("-", "_"), value)
        self.origins[key] = origin

    def resolved(self) -> list[tuple[str, Any, str]]:
        """``(key, value, origin)`` for every config key, for ``--show-settings``.

        The command line's selection is its own layer; here it is folded in:
        ``--select`` replaces, ``--extend-select``/``--ignore`` add.
        """
        cli = {"select": self.cli_select, "extend-select": self.cli_extend_select or None, "ignore": self.cli_ignore or None,
               "extend-exclude": self.cli_extend_exclude or None}
        out = []
        for item in fields(self):
            key = item.name.replace("_", "-")
            if key not in _KEYS:
                continue
            value, origin = getattr(self, item.name), self.origins.get(key, "default")
            if key == "exclude" and value is None:
                from .discovery import DEFAULT_EXCLUDE

                value = list(DEFAULT_EXCLUDE)
            extra = cli.get(key)
            if extra is not None:
                value = extra if key == "select" else [*value, *extra]
                origin = COMMAND_LINE if key == "select" or origin == "default" else f"{origin} + {COMMAND_LINE}"
            out.append((key, value, origin))
        if self.trainer_config:  # what the trainer config supplies is what the run uses, not null
            from .trainer.setup import supplied_by_trainer_config

            supplied = supplied_by_trainer_config(self)
            out = [(key, *supplied.get(key, (value, origin))) for key, value, origin in out]
        return out


COMMAND_LINE = "command line"

_LIST_KEYS = {"select", "extend-select", "ignore", "plugins", "files", "exclude", "extend-exclude"}
_BOOL_KEYS = ("token-stats", "exact-stats", "respect-gitignore", "force-exclude")
_KEYS = _LIST_KEYS | {
    "per-file-ignores",
    "severity",
    "model",
    "max-tokens",
    "profile",
    "max-line-bytes",
    "options",
    "validation-file",
    "baseline",
    "prices",
    "tokenizer",
    "max-seq-length",
    "trainer-config",
    *_BOOL_KEYS,
}


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.ftlint] table, from ``start`` upwards."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
                data = tomllib.loads(text)
            except (OSError, UnicodeDecodeError):
                continue
            except tomllib.TOMLDecodeError as exc:
                if "tool.ftlint" in text:
                    raise ConfigError(f"{candidate}: invalid TOML: {exc}") from None
                continue
            if "ftlint" in data.get("tool", {}):
                return candidate
    return None


def load(config_file: str | Path | None = None, start: Path | None = None) -> Settings:
    """Settings from ``config_file`` (any TOML with [tool.ftlint] or top-level keys) or the nearest pyproject.toml."""
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            if path.is_dir():
                raise ConfigError(f"config file {path} is a folder; --config takes a TOML file")
            if path.exists():
                raise ConfigError(f"config file {path} is not a regular file (a device, FIFO or socket); --config takes a TOML file")
            raise ConfigError(f"config file {path} does not exist")
    else:
        path = find_pyproject((start or Path.cwd()).resolve())
        if path is None:
            return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a TOML file: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    tool = data.get("tool", {})
    if config_file is not None and "ftlint" not in tool and ("tool" in data or "project" in data):
        # a pyproject.toml of its own: its [project] keys are not ftlint's settings
        raise ConfigError(f"{path}: no [tool.ftlint] table (a file given with --config holds either that table or ftlint's keys at top level)")
    table = tool.get("ftlint", data if config_file is not None else {})
    return from_table(table, str(path))


def shown_path(path: Path) -> str:
    """A config's ``files`` entry as reports show it: relative to the working folder when inside it (as
    paths typed on the command line are), else absolute."""
    try:  # absolute(), not resolve(): a symlinked dataset keeps its own name (per-file-ignores match it)
        return str(path.absolute().relative_to(Path.cwd().absolute()))
    except ValueError:  # outside the working folder
        return str(path)


def did_you_mean(word: str, choices) -> str:
    """``"; did you mean 'token-limit'?"`` for the closest choice, or nothing."""
    import difflib  # here: only a typo needs it

    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def from_table(table: dict[str, Any], source: str) -> Settings:
    """Validate a [tool.ftlint] table and turn it into Settings."""
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        hint = did_you_mean(unknown[0], _KEYS)
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)} in [tool.ftlint]{hint or '; valid keys: ' + ', '.join(sorted(_KEYS))}")
    settings = Settings(source=source, root=str(Path(source).parent) if source != "defaults" else ".")
    for key in _LIST_KEYS:
        if key in table:
            value = table[key]
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ConfigError(f"{source}: {key} must be a list of {'file names or patterns' if key in ('files', 'plugins', 'exclude', 'extend-exclude') else 'rule codes or names'}")
            setattr(settings, key.replace("-", "_"), list(value))
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict) or not all(isinstance(v, list) for v in pfi.values()):
        raise ConfigError(f"{source}: per-file-ignores must map glob patterns to lists of rule codes")
    settings.per_file_ignores = {str(k): [str(c) for c in v] for k, v in pfi.items()}
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f"{source}: severity must map rule codes to error, warning or info")
    settings.severity = {str(k): str(v) for k, v in severity.items()}
    for key, kind in (("model", str), ("profile", str), ("max-tokens", int), ("max-line-bytes", int), ("validation-file", str), ("baseline", str),
                      ("tokenizer", str), ("max-seq-length", int), ("trainer-config", str)):
        if key in table:
            value = table[key]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ConfigError(f"{source}: {key} must be {'a string' if kind is str else 'an integer'}")
            if kind is int and value <= 0:
                raise ConfigError(f"{source}: {key} must be positive")
            setattr(settings, key.replace("-", "_"), value)
    prices = table.get("prices", {})
    if not isinstance(prices, dict) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in prices.values()):
        raise ConfigError(f"{source}: prices must map model names to USD per 1M training tokens")
    settings.prices = {str(k): float(v) for k, v in prices.items()}
    options = table.get("options", {})
    if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
        raise ConfigError(f"{source}: options must be tables, one per rule: [tool.ftlint.options.banned-phrases]")
    settings.options = {str(k): dict(v) for k, v in options.items()}
    for key in _BOOL_KEYS:
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{source}: {key} must be true or false")
            setattr(settings, key.replace("-", "_"), table[key])
    settings.origins = {key: source for key in table}
    return settings


def check_rule_options(settings: Settings, rules: dict[str, type]) -> None:
    """Every ``[tool.ftlint.options.X]`` names a rule (code or name) and only options it takes.

    Checked for every table, not only for enabled rules: a misspelt table would
    otherwise be ignored, and the rule would run with its defaults unnoticed.
    """
    from .rules.options import type_problem

    names = {rule.name: code for code, rule in rules.items()}
    for table, options in settings.options.items():
        where = options_table(settings, table)
        code = table if table in rules else names.get(table)
        if code is None:
            close = did_you_mean(table, [*names, *rules])
            raise ConfigError(f"{where}: no rule is called {table!r}{close} (see 'ftlint rules --all'){'' if close else plugin_hint(table)}")
        rule = rules[code]
        unknown = sorted(set(options) - set(rule.options))
        if unknown:
            takes = ", ".join(rule.options) or "no options"
            raise ConfigError(f"{where}: unknown option(s) {', '.join(unknown)} for {code} {rule.name}"
                              f"{did_you_mean(unknown[0], rule.options)}; it takes: {takes}")
        problem = type_problem(rule, options)
        if problem:  # approved = 5 for a list reached the rule and failed on every row (FT000)
            raise ConfigError(f"{where}: {problem} for {code} {rule.name}")
        for option, allowed in getattr(rule, "option_choices", {}).items():
            # a misspelt value is as silent as a misspelt key: strategy = "truncat" dropped rows
            if option in options and options[option] not in allowed:
                raise ConfigError(f"{where}: {option} = {options[option]!r} is not one of {', '.join(map(repr, allowed))} for {code} {rule.name}"
                                  f"{did_you_mean(str(options[option]), allowed)}")


def options_table(settings: Settings, table: str) -> str:
    """Where a rule's options come from, for a message: 'pyproject.toml: [tool.ftlint.options.banned-phrases]'."""
    return f"{settings.source}: [tool.ftlint.options.{table}]" if settings.source != "defaults" else f"options[{table!r}]"


def plugin_hint(name: str) -> str:
    """For a rule name or code that matches nothing and is no built-in code's typo: the plugins installed
    here (linter.plugin.host.missing_plugin_hint), since a rule is often missing because its plugin is."""
    if BUILTIN_CODE.match(name):
        return ""
    from .plugin.host import missing_plugin_hint

    return missing_plugin_hint()


BUILTIN_CODE = re.compile(r"FT\d*$", re.IGNORECASE)  # ftlint's own codes: never a plugin's


def split_codes(values: tuple[str, ...] | list[str] | None) -> list[str]:
    """``("FT1,FT2", "FT3")`` -> ``["FT1", "FT2", "FT3"]``."""
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out
