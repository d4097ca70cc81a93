"""A line-based three-way merge (base / theirs / mine) for a refused description edit.

Lines changed on one side only are taken from that side; lines both sides changed the same
way are taken once; lines both changed differently become a conflict hunk between markers
the person edits out before saving. Pure Python (difflib), no Qt.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

THEIRS_MARK = "<<<<<<< theirs (the current text)"
MIDDLE_MARK = "======="
MINE_MARK = ">>>>>>> yours (your refused edit)"
MARKERS = (THEIRS_MARK.split()[0], MIDDLE_MARK, MINE_MARK.split()[0])


@dataclass(frozen=True, slots=True)
class Merged:
    text: str
    conflicts: int  # how many hunks carry markers


@dataclass(frozen=True, slots=True)
class _Hunk:
    side: int  # 0 theirs, 1 mine
    b_start: int
    b_end: int
    o_start: int
    o_end: int

    @property
    def growth(self) -> int:
        return (self.o_end - self.o_start) - (self.b_end - self.b_start)


def _hunks(side: int, base: list[str], other: list[str]) -> list[_Hunk]:
    """The changes from ``base`` to ``other``, the unchanged start and end set aside first.

    difflib matches the longest common block first, so one changed line among repeated ones
    ("a a a" → "x a a") comes out as an insertion plus a deletion elsewhere, which merged
    with the other side's edit duplicates a line. Trimming the common prefix and suffix first
    (as diff tools do) keeps such an edit a replacement where it happened.
    """
    prefix = 0
    limit = min(len(base), len(other))
    while prefix < limit and base[prefix] == other[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < limit - prefix and base[len(base) - 1 - suffix] == other[len(other) - 1 - suffix]
    ):
        suffix += 1
    middle_base = base[prefix : len(base) - suffix]
    middle_other = other[prefix : len(other) - suffix]
    matcher = difflib.SequenceMatcher(None, middle_base, middle_other, autojunk=False)
    return [
        _Hunk(side, prefix + i1, prefix + i2, prefix + j1, prefix + j2)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _ended(lines: list[str]) -> list[str]:
    """The lines with a final newline, so a marker after them starts on its own line."""
    if lines and not lines[-1].endswith("\n"):
        return [*lines[:-1], lines[-1] + "\n"]
    return lines


def three_way_merge(base: str, theirs: str, mine: str) -> Merged:
    b = base.splitlines(keepends=True)
    sides = (theirs.splitlines(keepends=True), mine.splitlines(keepends=True))
    hunks = sorted(
        _hunks(0, b, sides[0]) + _hunks(1, b, sides[1]), key=lambda h: (h.b_start, h.b_end)
    )
    out: list[str] = []
    conflicts = 0
    growth = [0, 0]  # line offset of each side, from the hunks already merged
    pos = 0  # base lines before pos are written
    i = 0
    while i < len(hunks):
        group = [hunks[i]]
        lo, hi = hunks[i].b_start, hunks[i].b_end
        i += 1
        # Overlapping changes are one region, and so are insertions at its end (two lines
        # added at the same place): a conflict unless both sides wrote the same.
        while i < len(hunks) and (
            hunks[i].b_start < hi or hunks[i].b_start == hunks[i].b_end == hi
        ):
            hi = max(hi, hunks[i].b_end)
            group.append(hunks[i])
            i += 1
        out.extend(b[pos:lo])
        versions: list[list[str] | None] = []
        for side in (0, 1):
            mine_of_side = [h for h in group if h.side == side]
            if not mine_of_side:
                versions.append(None)
                continue
            start = lo + growth[side]
            growth[side] += sum(h.growth for h in mine_of_side)
            end = hi + growth[side]
            versions.append(sides[side][start:end])
        t, m = versions
        if t is None:
            out.extend(m or [])
        elif m is None or t == m:
            out.extend(t)
        else:
            conflicts += 1
            out.extend([THEIRS_MARK + "\n", *_ended(t), MIDDLE_MARK + "\n"])
            out.extend([*_ended(m), MINE_MARK + "\n"])
        pos = hi
    out.extend(b[pos:])
    return Merged("".join(out), conflicts)


def has_markers(text: str) -> bool:
    """Whether conflict markers are still in the text (a line starting with one)."""
    return any(line.startswith(MARKERS) for line in text.splitlines())
