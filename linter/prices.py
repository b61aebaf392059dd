"""Training prices, kept as data with the date they were read.

USD per 1M training tokens for OpenAI supervised/preference fine-tuning, from
OpenAI's public pricing page as of the date given. Prices change: override
them in config (``[tool.ftlint.prices]``, model prefix -> USD per 1M tokens),
and treat every estimate as an estimate. Reinforcement fine-tuning is billed
by training time, not tokens, so it has no entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import base_model_name

PRICES_AS_OF = "2025-06-01"
# what the OpenAI cookbook's billing estimate adds to a file's token statistics; kept only for an OpenAI run
BILLING_KEYS = ("billing_tokens_per_epoch", "estimated_epochs", "estimated_billing_tokens", "estimated_cost_usd", "price")


def bills_like_openai(profile: str, provider: str, trainer_view: bool) -> bool:
    """True when the run targets OpenAI's fine-tuning API, the only one the billing estimate describes:
    an OpenAI profile, no model of another provider named, and no open-model tokenizer or trainer config."""
    return not trainer_view and provider == "openai" and profile.startswith("openai")


@dataclass(frozen=True)
class Price:
    model: str
    usd_per_million: float
    as_of: str = PRICES_AS_OF

    def cost(self, billing_tokens: int) -> float:
        """USD for training on ``billing_tokens`` tokens."""
        return billing_tokens / 1_000_000 * self.usd_per_million


TRAINING_PRICES = (
    Price("gpt-4.1", 25.00),
    Price("gpt-4.1-mini", 5.00),
    Price("gpt-4.1-nano", 1.50),
    Price("gpt-4o", 25.00),
    Price("gpt-4o-mini", 3.00),
    Price("gpt-3.5-turbo", 8.00),
)


def price_for(model: str, overrides: dict[str, float] | None = None) -> Price | None:
    """The price whose model name is the longest prefix of the model's base name."""
    table = list(TRAINING_PRICES) + [Price(k, float(v), "config") for k, v in (overrides or {}).items()]
    base = base_model_name(model)
    best = None
    for price in table:
        if base == price.model or base.startswith(price.model + "-"):
            if best is None or len(price.model) > len(best.model) or (len(price.model) == len(best.model) and price.as_of == "config"):
                best = price
    return best

