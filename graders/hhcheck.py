"""A check on real data: do the graders flag hh-rlhf's `rejected` replies more often?

In Anthropic's hh-rlhf harmless set, crowdworkers saw two replies to the same
conversation and chose the less harmful one (`chosen`); the other is `rejected`.
Graders that measure harm should flag `rejected` more often. Both replies share the
prefix, so the comparison is paired: per category, the discordant pairs (only
`rejected` flagged, only `chosen` flagged) carry the signal, and the difference of
flagged shares gets Newcombe's paired interval and McNemar's exact test.

`any_harm` is the union over the harmful-compliance and privacy categories. Refusal
is reported too; there the sign is expected to reverse, since the less harmful reply
is often the one that declines.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from graders.base import Grader
from graders.errors import LabelledDataError
from graders.exchange import Exchange, Turn
from graders.stats import PairedDifference, paired_difference
from graders.taxonomy import Taxonomy
from graders.verdicts import GraderResult

__all__ = [
    "ANY_HARM",
    "HARM_GROUPS",
    "HhRow",
    "format_hh_rows",
    "hh_check",
    "read_hh_pairs",
]

ANY_HARM = "any_harm"
HARM_GROUPS = frozenset({"harmful_compliance", "privacy"})
BATCH = 64

_TURN = re.compile(r"\n\n(Human|Assistant): ?")
_ROLES = {"Human": "user", "Assistant": "assistant"}


@dataclass(frozen=True, slots=True)
class HhRow:
    """One category's paired comparison: `first` is rejected, `second` chosen."""

    category: str
    comparison: PairedDifference


def read_hh_pairs(
    path: Path, limit: int | None = None
) -> list[tuple[Exchange, Exchange]]:
    """(chosen, rejected) exchanges sharing a prefix, from an hh-rlhf JSONL(.gz) file.

    Pairs whose transcripts do not share everything but the last reply are skipped.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    pairs: list[tuple[Exchange, Exchange]] = []
    try:
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if limit is not None and len(pairs) >= limit:
                    break
                if not line.strip():
                    continue
                row = json.loads(line)
                pair = _pair(row["chosen"], row["rejected"])
                if pair is not None:
                    pairs.append(pair)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LabelledDataError(
            f"cannot read hh-rlhf pairs from {path}: {exc}"
        ) from exc
    return pairs


async def hh_check(
    grader: Grader, pairs: Sequence[tuple[Exchange, Exchange]], taxonomy: Taxonomy
) -> list[HhRow]:
    """Per category (and `any_harm`), rejected's flagged share minus chosen's."""
    flags: list[tuple[dict[str, bool], dict[str, bool]]] = []
    for start in range(0, len(pairs), BATCH):
        batch = pairs[start : start + BATCH]
        chosen = await asyncio.gather(*(grader.grade(c) for c, _ in batch))
        rejected = await asyncio.gather(*(grader.grade(r) for _, r in batch))
        flags.extend(
            (_flags(c), _flags(r)) for c, r in zip(chosen, rejected, strict=True)
        )

    harm = {c.id for c in taxonomy.categories if c.group in HARM_GROUPS}
    for chosen_flags, rejected_flags in flags:
        for side in (chosen_flags, rejected_flags):
            evaluated = harm & side.keys()
            if evaluated:
                side[ANY_HARM] = any(side[c] for c in evaluated)

    categories = [*sorted(grader.categories & taxonomy.ids), ANY_HARM]
    rows = []
    for category in categories:
        comparison = _compare(flags, category)
        if comparison is not None:
            rows.append(HhRow(category, comparison))
    return rows


def format_hh_rows(rows: Sequence[HhRow]) -> str:
    """The comparison as a fixed-width table."""
    header = (
        f"{'category':<20} {'pairs':>5} {'rejected':>8} {'chosen':>7} "
        f"{'rej only':>8} {'cho only':>8}  {'difference [95% CI]':<26} {'McNemar p':>9}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        c = row.comparison
        lines.append(
            f"{row.category:<20} {c.pairs:>5} {c.both + c.first_only:>8} "
            f"{c.both + c.second_only:>7} {c.first_only:>8} {c.second_only:>8}  "
            f"{c.difference:+.3f} [{c.low:+.3f}, {c.high:+.3f}]      "
            f"{c.mcnemar_p:>9.2g}"
        )
    lines.append("")
    lines.append(
        "difference = share of `rejected` replies flagged minus share of `chosen`; "
        "Newcombe paired 95% interval; pairs where either side was not evaluated "
        "are left out"
    )
    return "\n".join(lines)


def _compare(
    flags: Sequence[tuple[dict[str, bool], dict[str, bool]]], category: str
) -> PairedDifference | None:
    both = rejected_only = chosen_only = neither = 0
    for chosen, rejected in flags:
        if category not in chosen or category not in rejected:
            continue
        r, c = rejected[category], chosen[category]
        both += r and c
        rejected_only += r and not c
        chosen_only += c and not r
        neither += not r and not c
    if both + rejected_only + chosen_only + neither == 0:
        return None
    return paired_difference(both, rejected_only, chosen_only, neither)


def _flags(result: GraderResult) -> dict[str, bool]:
    return {v.category: v.flagged for v in result.verdicts} if result.ok else {}


def _pair(chosen: str, rejected: str) -> tuple[Exchange, Exchange] | None:
    chosen_turns, rejected_turns = _turns(chosen), _turns(rejected)
    if not chosen_turns or not rejected_turns:
        return None
    if chosen_turns[:-1] != rejected_turns[:-1]:
        return None
    if chosen_turns[-1].role != "assistant" or rejected_turns[-1].role != "assistant":
        return None
    prefix = tuple(chosen_turns[:-1])
    return Exchange(prefix, chosen_turns[-1]), Exchange(prefix, rejected_turns[-1])


def _turns(transcript: str) -> list[Turn]:
    pieces = _TURN.split(transcript)
    speakers, bodies = pieces[1::2], pieces[2::2]
    return [
        Turn(_ROLES[speaker], body.strip())
        for speaker, body in zip(speakers, bodies, strict=True)
    ]
