"""The three-way merge offered on a refused description edit, over many texts (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from acero_desktop.ui.detail.merge import has_markers, three_way_merge

# Few distinct lines, so texts repeat lines and difflib has ambiguous alignments to get right.
LINES = st.lists(st.sampled_from(["a", "b", "c", "printer", "E13", ""]), max_size=12)


def _text(lines: list[str], final_newline: bool = True) -> str:
    return "".join(f"{line}\n" for line in lines) if final_newline else "\n".join(lines)


@given(base=LINES, theirs=LINES)
def test_an_edit_of_one_side_only_is_taken_as_it_is(base: list[str], theirs: list[str]) -> None:
    for merged in (
        three_way_merge(_text(base), _text(theirs), _text(base)),
        three_way_merge(_text(base), _text(base), _text(theirs)),
    ):
        assert merged.text == _text(theirs)
        assert merged.conflicts == 0


@given(base=LINES, both=LINES)
def test_the_same_edit_on_both_sides_is_taken_once(base: list[str], both: list[str]) -> None:
    merged = three_way_merge(_text(base), _text(both), _text(both))
    assert merged.text == _text(both)
    assert merged.conflicts == 0


@settings(max_examples=300)
@given(
    base=st.lists(st.sampled_from(["a", "b", "c"]), min_size=4, max_size=12),
    data=st.data(),
)
def test_edits_to_lines_apart_are_both_kept(base: list[str], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(base) - 3), label="their line")
    j = data.draw(st.integers(i + 2, len(base) - 1), label="my line")
    theirs, mine, expected = list(base), list(base), list(base)
    theirs[i] = expected[i] = "theirs"
    mine[j] = expected[j] = "mine"
    merged = three_way_merge(_text(base), _text(theirs), _text(mine))
    assert merged.text == _text(expected)
    assert merged.conflicts == 0 and not has_markers(merged.text)


@given(base=LINES, theirs=LINES, mine=LINES)
def test_markers_appear_exactly_when_a_conflict_is_counted(
    base: list[str], theirs: list[str], mine: list[str]
) -> None:
    merged = three_way_merge(_text(base), _text(theirs), _text(mine))
    assert has_markers(merged.text) == (merged.conflicts > 0)


@given(base=LINES, theirs=LINES, mine=LINES)
def test_every_line_of_the_merge_comes_from_one_of_the_texts(
    base: list[str], theirs: list[str], mine: list[str]
) -> None:
    """Nothing is invented: apart from markers, each line is one someone wrote."""
    merged = three_way_merge(_text(base), _text(theirs), _text(mine))
    written = set(base) | set(theirs) | set(mine)
    kept = [line for line in merged.text.splitlines() if not has_markers(line)]
    assert set(kept) <= written


def test_a_text_without_a_final_newline_still_puts_markers_on_their_own_lines() -> None:
    merged = three_way_merge("Paper: A4\n", "Paper: A3", "Paper: Letter")
    assert merged.conflicts == 1
    assert merged.text.splitlines() == [
        "<<<<<<< theirs (the current text)",
        "Paper: A3",
        "=======",
        "Paper: Letter",
        ">>>>>>> yours (your refused edit)",
    ]
