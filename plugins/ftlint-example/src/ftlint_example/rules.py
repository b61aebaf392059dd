"""The example rules. Copy one, change the code, name and check, and you have a house rule."""

from __future__ import annotations

import json
import re
from functools import cached_property

from linter import Applicability, Fix, Rule, Severity, Violation
from linter.schema import CONVERSATION_KINDS
from linter.text import show
from linter.view import ASSISTANT

# where the rules are documented: SARIF's helpUri and the rule page link here (a rule without a url gets no link)
DOCS = "https://github.com/ftlint/ftlint/blob/main/plugins/ftlint-example/README.md"
DEFAULT_PHRASES = ["as an ai language model", "i cannot browse the internet", "i hope this email finds you well"]


class BannedPhrases(Rule):
    """Boilerplate a team does not want its model to learn, such as "As an AI
    language model". Matching ignores case. Configure the list (and the roles
    checked) in ``[tool.ftlint.options.banned-phrases]``::

        phrases = ["as an ai language model", "certainly!"]
        roles = ["assistant"]
    """

    code = "EX001"
    name = "banned-phrases"
    summary = "A message contains a banned phrase"
    url = DOCS
    severity = Severity.WARNING
    # What the verdict depends on (linter.rules.reads): the messages. No ``screen``:
    # the phrases are options and match in any case, so no fixed literal proves a line clean.
    reads = ("turns",)
    # Every format whose rows hold a conversation: the rule reads ``row.view``, so it serves OpenAI chat,
    # ShareGPT, Alpaca, TRL, Bedrock... alike, and its findings point into the row as the user wrote it.
    kinds = CONVERSATION_KINDS
    options = {
        "phrases": "list of phrases, matched case-insensitively (default: common AI boilerplate)",
        "roles": "roles whose messages are checked (default: assistant)",
    }
    # what TOML must give each option: phrases = "as an ai" (a string, not a list) is refused with the config
    option_types = {"phrases": list[str], "roles": list[str]}
    bad = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "As an AI language model, I cannot know."}]}'
    good = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "I have no live data; check a forecast service."}]}'

    @cached_property
    def _pattern(self) -> re.Pattern:
        phrases = self.context.options.get("phrases", DEFAULT_PHRASES)
        return re.compile("|".join(re.escape(p) for p in phrases), re.IGNORECASE)

    def check(self, row):
        roles = set(self.context.options.get("roles", ["assistant"]))
        # row.view: the row as a conversation whatever its format; each turn has a normalised role
        # (system/user/assistant/tool), the role the row states (ShareGPT's "gpt") and text parts that
        # carry their JSON pointer in the row (/messages/1/content, /conversations/1/value, /output)
        for _, turn in row.view.all_turns():
            stated = turn.source_role if isinstance(turn.source_role, str) else None  # a row may say anything there
            if turn.role not in roles and stated not in roles:
                continue
            for part in turn.texts:
                match = self._pattern.search(part.text)
                if match:
                    yield Violation(f"banned phrase {show(match.group())}", part.pointer)


FENCE = re.compile(r"^\s*```(?:json)?\s*\n(?P<body>.*?)\n\s*```\s*$", re.DOTALL)


def _unfence(where: str, content: str) -> tuple[dict, ...]:
    """The fix as data: one JSON Patch ``replace`` of the reply (at its pointer in the row) with the inside of its fence."""
    return ({"op": "replace", "path": where, "value": FENCE.match(content).group("body")},)


class AssistantJsonSchema(Rule):
    """For a model that must answer in JSON, every assistant reply must be a
    JSON document that validates against the team's schema: one reply that
    slips into prose or a Markdown code fence teaches the model to do it too.
    Off by default; turn it on with ``extend-select = ["EX002"]`` and set the
    schema in ``[tool.ftlint.options.assistant-json-schema]``::

        schema = {type = "object", required = ["intent"], properties = {intent = {type = "string"}}}

    Fix (unsafe, it changes the training target): remove a Markdown code fence
    around a reply whose inside is valid JSON.
    """

    code = "EX002"
    name = "assistant-json-schema"
    summary = "An assistant reply is not JSON matching the schema"
    url = DOCS
    default_enabled = False
    reads = ("turns",)
    kinds = CONVERSATION_KINDS
    fix = Applicability.UNSAFE
    options = {"schema": "JSON Schema (as a TOML table) every assistant reply must match (default: any JSON object)"}
    option_types = {"schema": dict}
    bad = '{"messages": [{"role": "user", "content": "Cancel my order"}, {"role": "assistant", "content": "Sure, cancelling."}]}'
    good = '{"messages": [{"role": "user", "content": "Cancel my order"}, {"role": "assistant", "content": "{\\"intent\\": \\"cancel_order\\"}"}]}'

    def __init__(self, context):
        super().__init__(context)
        import jsonschema

        schema = context.options.get("schema", {"type": "object"})
        try:  # once per file: a ValueError here is one line naming the rule and its table, not an error per row
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"schema is not a valid JSON Schema: {exc.message}") from None
        self._validator = jsonschema.Draft202012Validator(schema)

    def check(self, row):
        for _, turn in row.view.all_turns():
            texts = turn.texts
            if turn.role != ASSISTANT or len(texts) != 1:
                continue  # one text per reply: a reply of several parts (or none) is no one JSON document
            content, where = texts[0].text, texts[0].pointer
            try:
                document = json.loads(content)
            except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python can parse
                fenced = FENCE.match(content)
                fix = None
                if fenced and _parses(fenced.group("body")):
                    fix = Fix("remove the Markdown code fence", Applicability.UNSAFE, edits=_unfence(where, content))
                yield Violation("assistant reply is not JSON" + (" (it is inside a code fence)" if fix else ""), where, fix)
                continue
            try:
                error = next(iter(self._validator.iter_errors(document)), None)
            except RecursionError:
                yield Violation("assistant reply is nested too deeply to check against the schema", where)
                continue
            if error is not None:
                path = "/".join(str(p) for p in error.absolute_path)
                yield Violation(f"assistant reply does not match the schema at {show('/' + path)}: {show(error.message, 120, quoted=False)}", where)


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
