"""Which known key a misnamed key stands for, and the fix that renames it.

Trainers and APIs read keys exactly: ``Input``, ``inptu`` or ``sytem`` beside
an Alpaca row's ``instruction`` is a column nobody reads, so the text it holds
is silently left out of training. The rules that say so (FT110, FT111, FT900,
FT901) and the adapters whose rows need the key (a ShareGPT turn's ``value``,
reported as FT120) ask this one module which key a key stands for, so they
agree on it, and they rename it: never remove it, since its value is what the
key was meant to hold.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any, Iterable

from . import patching
from .findings import Applicability, Fix
from .text import show

# a key that adds one of these to a known key is another column about it (prompt_id, conversation_id,
# system_prompt, chosen-score), not that key misspelt
_SEPARATORS = ("_", "-", ".", " ")


def near_miss(key: Any, known: Iterable[str]) -> str | None:
    """The key of ``known`` that ``key`` looks like a misspelling of: its letters swapped (``rloe``:
    ``role``) or a close spelling (``tols``: ``tools``; ``sytem``: ``system``)."""
    if not isinstance(key, str):
        return None
    return _near(key, frozenset(known))


@functools.lru_cache(maxsize=4096)  # rows of a dataset repeat a few key sets: the same questions
def _near(key: str, known: frozenset) -> str | None:
    candidates = sorted(k for k in known if isinstance(k, str) and k != key
                        and not any(sep in key and sep not in k for sep in _SEPARATORS) and not _another_column(key, k))
    lowered = sorted(key.lower())
    swapped = [k for k in candidates if len(k) == len(key) and sorted(k) == lowered]
    if swapped:
        return swapped[0]
    found = difflib.get_close_matches(key, candidates, n=1, cutoff=0.8)
    return found[0] if found else None


def _another_column(key: str, known: str) -> bool:
    """A key that is a known key's plural or singular (``labels``, ``image``) or extends it by a word
    (``messageid``) names another column, not that key misspelt: renaming it would make ``labels`` a KTO
    label and break the row."""
    lower, other = key.lower(), known.lower()
    stem = other[:-1] if other.endswith("s") else other
    if lower in (stem, stem + "s") and lower != other:
        return True  # the plural or the singular
    rest = lower[len(stem):] if lower.startswith(stem) else ""
    return len(rest) >= 2 and bool(rest.strip("s"))  # a word after it ('id'), not a doubled 's'



def misnames(key: Any, target: str) -> bool:
    """True when ``key`` is ``target`` in another case (``From``) or misspelt (``frm``)."""
    return isinstance(key, str) and key != target and (key.lower() == target or near_miss(key, (target,)) is not None)


def meant_keys(value: dict, known: Iterable[str], case: bool = True, present: bool = False) -> dict:
    """Each key of the object that is no key of ``known`` but names one, mapped to it: the same key in
    another case (``Input``, with ``case``) or a close spelling (``inptu``) of a known key the object
    lacks; with ``present``, else of one it holds too (``promt`` beside ``prompt``: a duplicate no
    rename can settle). Two keys naming one target are both in the map: ``rename_fix`` renames neither."""
    known = frozenset(known)
    absent = frozenset(k for k in known if k not in value)
    pools = (absent, known - absent) if present else (absent,)
    targets = {}
    for key in value:
        if key in known or not isinstance(key, str):
            continue
        lower = key.lower()
        for pool in pools:
            target = lower if case and lower in pool else near_miss(key, pool)
            if target is not None:
                targets[key] = target
                break
    return targets


def rename_fix(targets: dict, value: dict, key: str, base: tuple = ()) -> Fix | None:
    """The fix that renames ``key`` (in the object at path ``base``) to the key it stands for: safe when
    only the case differs (``Input`` is ``input``), unsafe for a close spelling (a guess). None when the
    object holds that key already, or another key names it too (the second move would overwrite the
    first): no removal either, so neither value is lost (both stay for the user to merge)."""
    if not_renamed(targets, value, key):
        return None
    return renaming(key, targets[key], base)


def not_renamed(targets: dict, value: dict, key: str) -> str:
    """Why ``rename_fix`` makes no fix for ``key``, as a clause for its finding ("" when it makes one): the
    row holds the key it stands for already (``meant_keys(..., present=True)``: ``promt`` beside
    ``prompt``), or other keys name that key too (``contnet`` and ``conten``), so the user sees why a key
    the finding names as a misspelling keeps its name."""
    target = targets[key]
    if target in value:
        return "the row has one too, so it is not renamed"
    rivals = [other for other, meant in targets.items() if meant == target]
    if len(rivals) == 2:
        return f"neither is renamed: both {show(rivals[0])} and {show(rivals[1])} look like {show(target)}"
    if len(rivals) > 2:
        return f"none is renamed: {', '.join(map(show, rivals[:-1]))} and {show(rivals[-1])} all look like {show(target)}"
    return ""


def renaming(key: str, target: str, base: tuple = ()) -> Fix:
    """The fix that renames ``key`` to ``target`` in the object at path ``base``: safe when only the case
    differs, unsafe for a close spelling."""
    applicability = Applicability.SAFE if key.lower() == target else Applicability.UNSAFE
    edit = patching.rename(patching.at(*base, key), patching.at(*base, target))
    return Fix(f"rename to \"{target}\"", applicability, edits=(edit,))
