"""Fractional index keys stay ordered, however tasks are inserted and moved."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acero_desktop.core.fractional import DIGITS, InvalidKey, key_between, validate_key


def test_the_first_key_is_a0() -> None:
    assert key_between(None, None) == "a0"


def test_appending_and_prepending_move_away_from_the_neighbour() -> None:
    assert key_between("a0", None) == "a1"
    assert key_between(None, "a0") == "Zz"


def test_a_key_between_two_neighbours_sorts_between_them() -> None:
    assert "a0" < key_between("a0", "a1") < "a1"


def test_neighbours_in_the_wrong_order_are_refused() -> None:
    with pytest.raises(InvalidKey):
        key_between("a1", "a0")
    with pytest.raises(InvalidKey):
        key_between("a1", "a1")


@pytest.mark.parametrize("bad", ["", "a", "a00", "b1", "a0!"])
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(InvalidKey):
        validate_key(bad)


def test_ten_thousand_appends_keep_keys_short() -> None:
    key = None
    for _ in range(10_000):
        key = key_between(key, None)
    assert key is not None
    assert len(key) <= 4


def test_the_same_neighbours_always_give_the_same_key() -> None:
    assert key_between("a0", "a1") == key_between("a0", "a1")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=60))
def test_keys_stay_strictly_ordered_under_random_inserts(spots: list[int]) -> None:
    keys: list[str] = []
    for spot in spots:
        i = spot % (len(keys) + 1)
        before = keys[i - 1] if i > 0 else None
        after = keys[i] if i < len(keys) else None
        key = key_between(before, after)
        validate_key(key)
        assert set(key) <= set(DIGITS)
        assert before is None or before < key
        assert after is None or key < after
        keys.insert(i, key)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_repeated_inserts_at_the_same_edge_stay_ordered(towards_start: list[bool]) -> None:
    low, high = "a0", "a1"
    for left in towards_start:
        middle = key_between(low, high)
        assert low < middle < high
        if left:
            high = middle
        else:
            low = middle
