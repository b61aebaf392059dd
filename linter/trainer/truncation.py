"""How a trainer cuts an example longer than its maximum length, and what trained tokens survive.

The policies among the trainers ftlint mirrors (and axolotl's default, ``DROP``:
an over-long example is removed whole, not cut; ``RAISE`` stops the run):

- ``KEEP_START`` (TRL ``truncation_mode="keep_start"``, axolotl, mistral-finetune):
  the first ``max_seq_length`` tokens are kept, whatever they are.
- ``LLAMAFACTORY`` (LLaMA-Factory's supervised processor): the example is a list
  of (source, target) turn pairs, a target being an assistant answer and its
  source everything rendered before it since the previous answer. Pairs are
  added in order while the running length is below ``cutoff_len``; each pair
  is cut by ``infer_seqlen(source, target, cutoff_len - used)``, which keeps
  the first tokens of both parts but shares the remaining budget between
  them, so a long prompt no longer pushes its answer out of the window. Pairs
  after the budget is used up are dropped. With ``mask_history`` the pairs
  are taken last to first and only the last answer is trained.

The second policy keeps as many tokens as the first (``min(total, cutoff)``:
``infer_seqlen`` always fills the budget it is given), only different ones,
so every count but the trained tokens kept is the same for both.
"""

from __future__ import annotations

KEEP_START = "keep_start"
LLAMAFACTORY = "llamafactory"
# axolotl's excess_length_strategy: "drop" (its default: the example is removed, not cut) or "raise" (the
# run stops); "truncate" is KEEP_START
DROP = "drop"
RAISE = "raise"
WHOLE = (DROP, RAISE)  # policies under which an over-long example keeps nothing


def infer_seqlen(source_len: int, target_len: int, budget: int) -> tuple[int, int]:
    """The (source, target) lengths LLaMA-Factory keeps of one turn pair within ``budget`` tokens.

    A short target (under half the budget) is kept whole and the source gets
    the rest; else a short source is kept whole and the target the rest; else
    both are cut in proportion to their lengths. The proportional share is
    computed with a float division and ``int()``, as LLaMA-Factory does, so
    the rounding is the same.
    """
    if 2 * target_len < budget:
        target_cap = budget
    elif 2 * source_len < budget:
        target_cap = budget - source_len
    else:
        target_cap = int(budget * (target_len / (source_len + target_len)))
    target = min(target_cap, target_len)
    source = min(max(budget - target, 0), source_len)
    return source, target


def turn_pairs(ranges: list[tuple[int, int]], total: int) -> list[tuple[int, int, int]]:
    """``(source, target, trained)`` token lengths of each turn pair of a rendered example.

    ``ranges`` are the trained tokens' ``[start, end)`` ranges in order (one per
    assistant answer). A target starts at its trained range; its source is
    everything since the previous target. Tokens after the last trained range
    (a template's closing newline) belong to the last target, untrained: the
    target's trained tokens are always its first ``trained`` tokens.
    """
    pairs = []
    previous = 0
    for start, end in ranges:
        pairs.append([start - previous, end - start, end - start])
        previous = end
    if pairs:
        pairs[-1][1] += total - previous
    return [(s, t, trained) for s, t, trained in pairs]


def llamafactory_kept(pairs: list[tuple[int, int, int]], cutoff: int, mask_history: bool = False) -> list[tuple[int, int]]:
    """The (source, target) lengths kept of each pair, in the example's order; ``(0, 0)`` for a dropped pair."""
    kept = [(0, 0)] * len(pairs)
    used = 0
    order = range(len(pairs) - 1, -1, -1) if mask_history else range(len(pairs))
    for index in order:
        if used >= cutoff:
            break
        source, target = infer_seqlen(pairs[index][0], pairs[index][1], cutoff - used)
        kept[index] = (source, target)
        used += source + target
    return kept


def llamafactory_trained(ranges: list[tuple[int, int]], total: int, cutoff: int | None,
                         mask_history: bool = False) -> tuple[int, int]:
    """(trained tokens before truncation, trained tokens kept) under LLaMA-Factory's truncation.

    With ``mask_history`` only the last answer is trained, so it alone counts.
    """
    pairs = turn_pairs(ranges, total)
    if not pairs:
        return 0, 0
    trained_pairs = range(len(pairs) - 1, len(pairs)) if mask_history else range(len(pairs))
    trained = sum(pairs[i][2] for i in trained_pairs)
    if not cutoff or total <= cutoff:
        return trained, trained
    kept = llamafactory_kept(pairs, cutoff, mask_history)
    return trained, sum(min(kept[i][1], pairs[i][2]) for i in trained_pairs)
