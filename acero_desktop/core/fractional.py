"""Fractional index keys: order strings that always leave room between two neighbours.

A task's ``position`` is such a key. Moving a task writes that one row with a key between its
new neighbours, so concurrent moves on two clients never renumber siblings and never conflict
(Figma's and Linear's ``sortOrder``). Keys compare as plain byte strings.

The scheme is the one of rocicorp's ``fractional-indexing`` (after Evan Wallace's article): a
key is an *integer part* whose first character encodes its length ("a0" .. "az", "b00" ..,
and "Zz", "Y.." below zero) followed by a *fraction* of base-62 digits without a trailing "0".
Appending at the end increments the integer part, so a column of n tasks built by appends has
keys of length O(log n); inserting between two keys takes their midpoint.

``key_between`` is deterministic (no random jitter): mutators must be. Two clients inserting at
the same place get the same key; readers order by (position, id), so the tie is stable.

Ordering caveat: PostgreSQL sorts text by the database collation, which need not be byte order;
query positions with ``COLLATE "C"`` there (SQLite's default BINARY collation is byte order).
"""

from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE = len(DIGITS)
_ZERO = DIGITS[0]
_SMALLEST_INTEGER = "A" + _ZERO * 26
_INDEX = {d: i for i, d in enumerate(DIGITS)}


class InvalidKey(ValueError):
    """A malformed position key, or neighbours given in the wrong order."""


def key_between(a: str | None, b: str | None) -> str:
    """A key strictly between ``a`` and ``b``; None means "the start" or "the end"."""
    if a is not None:
        validate_key(a)
    if b is not None:
        validate_key(b)
    if a is not None and b is not None and a >= b:
        raise InvalidKey(f"{a!r} is not before {b!r}")
    if a is None:
        if b is None:
            return "a" + _ZERO
        int_b = _integer_part(b)
        frac_b = b[len(int_b) :]
        if int_b == _SMALLEST_INTEGER:
            return int_b + _midpoint("", frac_b)
        if int_b < b:
            return int_b
        lower = _decrement_integer(int_b)
        if lower is None:
            raise InvalidKey("cannot make a key before the smallest key")
        return lower
    int_a = _integer_part(a)
    frac_a = a[len(int_a) :]
    if b is None:
        higher = _increment_integer(int_a)
        return int_a + _midpoint(frac_a, None) if higher is None else higher
    int_b = _integer_part(b)
    frac_b = b[len(int_b) :]
    if int_a == int_b:
        return int_a + _midpoint(frac_a, frac_b)
    higher = _increment_integer(int_a)
    if higher is None:
        raise InvalidKey("cannot make a key after the largest key")
    return higher if higher < b else int_a + _midpoint(frac_a, None)


def validate_key(key: str) -> None:
    if key == _SMALLEST_INTEGER:
        raise InvalidKey(f"{key!r} is reserved")
    integer = _integer_part(key)
    fraction = key[len(integer) :]
    if fraction.endswith(_ZERO):
        raise InvalidKey(f"{key!r} has a trailing zero")
    if any(c not in _INDEX for c in key[1:]):
        raise InvalidKey(f"{key!r} has characters that are not base-62 digits")


def _midpoint(a: str, b: str | None) -> str:
    """A fraction strictly between fractions ``a`` and ``b`` (None: 1)."""
    if b is not None and a >= b:
        raise InvalidKey(f"{a!r} is not before {b!r}")
    if a.endswith(_ZERO) or (b is not None and b.endswith(_ZERO)):
        raise InvalidKey("fractions may not end in a zero")
    if b is not None:
        # Strip the longest common prefix, reading a missing digit of ``a`` as zero.
        n = 0
        while (a[n] if n < len(a) else _ZERO) == b[n]:
            n += 1
        if n > 0:
            return b[:n] + _midpoint(a[n:], b[n:])
    digit_a = _INDEX[a[0]] if a else 0
    digit_b = _INDEX[b[0]] if b is not None else _BASE
    if digit_b - digit_a > 1:
        return DIGITS[round(0.5 * (digit_a + digit_b))]
    # Consecutive first digits: keep a's digit and go one level deeper.
    if b is not None and len(b) > 1:
        return b[0]
    return DIGITS[digit_a] + _midpoint(a[1:], None)


def _integer_length(head: str) -> int:
    if "a" <= head <= "z":
        return ord(head) - ord("a") + 2
    if "A" <= head <= "Z":
        return ord("Z") - ord(head) + 2
    raise InvalidKey(f"invalid head {head!r} of a position key")


def _integer_part(key: str) -> str:
    if not key:
        raise InvalidKey("a position key cannot be empty")
    length = _integer_length(key[0])
    if length > len(key):
        raise InvalidKey(f"{key!r} is shorter than its integer part")
    return key[:length]


def _increment_integer(x: str) -> str | None:
    head, digits = x[0], list(x[1:])
    for i in range(len(digits) - 1, -1, -1):
        d = _INDEX[digits[i]] + 1
        if d < _BASE:
            digits[i] = DIGITS[d]
            return head + "".join(digits)
        digits[i] = _ZERO
    if head == "Z":
        return "a" + _ZERO
    if head == "z":
        return None
    new_head = chr(ord(head) + 1)
    if new_head > "a":
        digits.append(_ZERO)
    else:
        digits.pop()
    return new_head + "".join(digits)


def _decrement_integer(x: str) -> str | None:
    head, digits = x[0], list(x[1:])
    for i in range(len(digits) - 1, -1, -1):
        d = _INDEX[digits[i]] - 1
        if d >= 0:
            digits[i] = DIGITS[d]
            return head + "".join(digits)
        digits[i] = DIGITS[-1]
    if head == "a":
        return "Z" + DIGITS[-1]
    if head == "A":
        return None
    new_head = chr(ord(head) - 1)
    if new_head < "Z":
        digits.append(DIGITS[-1])
    else:
        digits.pop()
    return new_head + "".join(digits)
