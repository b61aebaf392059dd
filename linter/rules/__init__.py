"""Built-in rule packs, one module per group; each module is an ftlint plugin.

| codes  | module       | what                                        |
|--------|--------------|---------------------------------------------|
| FT0xx  | encoding.py  | bytes, encoding and JSON of each line        |
| FT1xx  | chat.py      | structure of chat rows (messages, roles)     |
| FT2xx  | content.py   | text inside messages                         |
| FT3xx  | tokens.py    | token counts against the model's limit       |
| FT4xx  | dataset.py   | whole-file rules (formats, empty file)       |
"""

from .base import LINE, RECORD, DatasetRule, Rule, RuleContext

__all__ = ["LINE", "RECORD", "DatasetRule", "Rule", "RuleContext"]
