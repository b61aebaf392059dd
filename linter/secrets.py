"""What looks like a secret: API keys, tokens, private keys.

One list for two jobs: FT205 reports secrets in training text, and every
message that quotes a dataset value (``text.show``) redacts them, whether or
not FT205 is enabled, so no output format ever repeats a key.
"""

from __future__ import annotations

import re

SECRETS = (
    ("an OpenAI API key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    # the whole key, not only its header: redacting the header alone printed the key material after it
    ("a private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----(?:[\s\S]*?(?:-----END[^-]*-----|\Z))")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}")),
    ("a Stripe secret key", re.compile(r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,}")),
)

# every pattern at once: one search tells whether a value needs redacting at all
ANY_SECRET = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in SECRETS))
REDACTED = "[redacted secret]"


def redact(text: str) -> str:
    """``text`` with everything that looks like a secret replaced by ``[redacted secret]``."""
    return ANY_SECRET.sub(REDACTED, text) if ANY_SECRET.search(text) else text
