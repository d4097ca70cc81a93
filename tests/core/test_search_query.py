"""The search language: parser, formatter, errors and completion (pure Python, no database)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from acero_desktop.core.search import (
    QueryError,
    complete,
    completion_span,
    format_query,
    parse_query,
)
from acero_desktop.core.search.format import is_bare_word
from acero_desktop.core.search.nodes import (
    And,
    CategoryFilter,
    Comparison,
    DateField,
    DateFilter,
    Duration,
    DurationUnit,
    Field,
    HasFilter,
    HasValue,
    IsFilter,
    IsValue,
    Node,
    Not,
    NumberFilter,
    Or,
    PersonField,
    PersonFilter,
    PriorityFilter,
    Query,
    SortField,
    SortKey,
    StatusFilter,
    StatusGroup,
    TeamFilter,
    TextTerm,
    text_terms,
)
from acero_desktop.core.search.query import MAX_DATE, MAX_NUMBER, MIN_DATE
from acero_desktop.models import Priority, TicketStatus


def where(text: str) -> Node | None:
    return parse_query(text).where


def error(text: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        parse_query(text)
    return info.value


# -- the example from the brief ---------------------------------------------------------------


def test_the_full_example_parses_into_the_expected_tree() -> None:
    q = parse_query(
        'status:open,waiting priority:>=high assignee:me category:"Network" team:ops '
        "requester:dana created:>2026-01-01 updated:<7d is:breached is:unassigned "
        'has:attachment printer jam "exact phrase" -excluded'
    )
    assert q == Query(
        And(
            (
                StatusFilter((StatusGroup.OPEN, TicketStatus.WAITING)),
                PriorityFilter((Priority.HIGH,), Comparison.GE),
                PersonFilter(PersonField.ASSIGNEE, ("me",)),
                CategoryFilter(("Network",)),
                TeamFilter(("ops",)),
                PersonFilter(PersonField.REQUESTER, ("dana",)),
                DateFilter(DateField.CREATED, date(2026, 1, 1), Comparison.GT),
                DateFilter(DateField.UPDATED, Duration(7, DurationUnit.DAYS), Comparison.LT),
                IsFilter((IsValue.BREACHED,)),
                IsFilter((IsValue.UNASSIGNED,)),
                HasFilter((HasValue.ATTACHMENT,)),
                TextTerm("printer"),
                TextTerm("jam"),
                TextTerm("exact phrase", phrase=True),
                Not(TextTerm("excluded")),
            )
        )
    )


# -- every field and operator -----------------------------------------------------------------


def test_empty_and_blank_queries_match_everything() -> None:
    assert parse_query("") == Query()
    assert parse_query("  \t\n ") == Query()


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("status:open", (StatusGroup.OPEN,)),
        ("status:done", (StatusGroup.DONE,)),
        ("status:new,assigned", (TicketStatus.NEW, TicketStatus.ASSIGNED)),
        ("Status:In_Progress", (TicketStatus.IN_PROGRESS,)),
        ("status:in-progress", (TicketStatus.IN_PROGRESS,)),
        ('status:"in progress"', (TicketStatus.IN_PROGRESS,)),
        (
            "status:resolved,closed,cancelled,reopened",
            tuple(TicketStatus(s) for s in ("resolved", "closed", "cancelled", "reopened")),
        ),
    ],
)
def test_status_values(text: str, values: tuple[object, ...]) -> None:
    assert where(text) == StatusFilter(values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("priority:high", PriorityFilter((Priority.HIGH,))),
        ("priority:low,urgent", PriorityFilter((Priority.LOW, Priority.URGENT))),
        ("priority:>normal", PriorityFilter((Priority.NORMAL,), Comparison.GT)),
        ("priority:>=high", PriorityFilter((Priority.HIGH,), Comparison.GE)),
        ("priority:<high", PriorityFilter((Priority.HIGH,), Comparison.LT)),
        ("priority:<=normal", PriorityFilter((Priority.NORMAL,), Comparison.LE)),
        ("priority:=HIGH", PriorityFilter((Priority.HIGH,))),
    ],
)
def test_priority_values_and_comparisons(text: str, expected: Node) -> None:
    assert where(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("assignee:me", PersonFilter(PersonField.ASSIGNEE, ("me",))),
        ("assignee:ME", PersonFilter(PersonField.ASSIGNEE, ("me",))),
        ("assignee:none", PersonFilter(PersonField.ASSIGNEE, ("none",))),
        ("assignee:dana,Fox", PersonFilter(PersonField.ASSIGNEE, ("dana", "Fox"))),
        ('assignee:"Dana Scully"', PersonFilter(PersonField.ASSIGNEE, ("Dana Scully",))),
        ("requester:me", PersonFilter(PersonField.REQUESTER, ("me",))),
        ("requester:dana", PersonFilter(PersonField.REQUESTER, ("dana",))),
        ("team:ops", TeamFilter(("ops",))),
        ("team:mine,none", TeamFilter(("mine", "none"))),
        ('team:"Network & Telecom"', TeamFilter(("Network & Telecom",))),
        ('category:"Network"', CategoryFilter(("Network",))),
        ("category:none", CategoryFilter(("none",))),
        ("category:Printers,VPN", CategoryFilter(("Printers", "VPN"))),
    ],
)
def test_people_teams_and_categories(text: str, expected: Node) -> None:
    assert where(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("number:12", NumberFilter((12,))),
        ("number:ACR-12", NumberFilter((12,))),
        ("number:acr-12,13", NumberFilter((12, 13))),
        ("number:>100", NumberFilter((100,), Comparison.GT)),
        ("number:<=ACR-7", NumberFilter((7,), Comparison.LE)),
        ("ACR-12", NumberFilter((12,))),
        ("acr-12", NumberFilter((12,))),
        ("-ACR-12", Not(NumberFilter((12,)))),
    ],
)
def test_ticket_numbers(text: str, expected: Node) -> None:
    assert where(text) == expected


@pytest.mark.parametrize("field", list(DateField))
@pytest.mark.parametrize(
    ("suffix", "op", "value"),
    [
        ("2026-01-31", Comparison.EQ, date(2026, 1, 31)),
        (">2026-01-01", Comparison.GT, date(2026, 1, 1)),
        (">=2026-01-01", Comparison.GE, date(2026, 1, 1)),
        ("<2026-01-01", Comparison.LT, date(2026, 1, 1)),
        ("<=2026-01-01", Comparison.LE, date(2026, 1, 1)),
        ("<7d", Comparison.LT, Duration(7, DurationUnit.DAYS)),
        (">12h", Comparison.GT, Duration(12, DurationUnit.HOURS)),
        ("2w", Comparison.EQ, Duration(2, DurationUnit.WEEKS)),
        ("<=3D", Comparison.LE, Duration(3, DurationUnit.DAYS)),
    ],
)
def test_date_fields(field: DateField, suffix: str, op: Comparison, value: object) -> None:
    assert where(f"{field}:{suffix}") == DateFilter(field, value, op)  # type: ignore[arg-type]


def test_durations_know_their_length() -> None:
    assert Duration(2, DurationUnit.WEEKS).delta.days == 14
    assert Duration(36, DurationUnit.HOURS).delta.total_seconds() == 36 * 3600


@pytest.mark.parametrize("value", list(IsValue))
def test_every_is_value(value: IsValue) -> None:
    assert where(f"is:{value}") == IsFilter((value,))


def test_is_accepts_lists_and_dashes() -> None:
    assert where("is:at-risk,breached") == IsFilter((IsValue.AT_RISK, IsValue.BREACHED))


@pytest.mark.parametrize("value", list(HasValue))
def test_every_has_value(value: HasValue) -> None:
    assert where(f"has:{value}") == HasFilter((value,))


def test_sort_keys_collect_in_order_with_descending_prefix() -> None:
    q = parse_query("printer sort:-updated sort:priority,-number")
    assert q.where == TextTerm("printer")
    assert q.sort == (
        SortKey(SortField.UPDATED, descending=True),
        SortKey(SortField.PRIORITY),
        SortKey(SortField.NUMBER, descending=True),
    )


@pytest.mark.parametrize("key", list(SortField))
def test_every_sort_key(key: SortField) -> None:
    assert parse_query(f"sort:{key}").sort == (SortKey(key),)


# -- text, negation and boolean structure --------------------------------------------------------


def test_words_phrases_and_negation() -> None:
    assert where('printer "paper jam" -toner -"out of ink"') == And(
        (
            TextTerm("printer"),
            TextTerm("paper jam", phrase=True),
            Not(TextTerm("toner")),
            Not(TextTerm("out of ink", phrase=True)),
        )
    )


def test_any_field_term_can_be_negated() -> None:
    assert where("-status:closed -is:breached") == And(
        (Not(StatusFilter((TicketStatus.CLOSED,))), Not(IsFilter((IsValue.BREACHED,))))
    )


def test_dashes_inside_words_are_text() -> None:
    assert where("wi-fi e-mail") == And((TextTerm("wi-fi"), TextTerm("e-mail")))


def test_escaped_quotes_in_phrases() -> None:
    assert where(r'"say \"hi\" to C:\path"') == TextTerm('say "hi" to C:\\path', phrase=True)


def test_or_binds_tighter_than_the_implicit_and() -> None:
    assert where("printer status:open OR status:waiting") == And(
        (
            TextTerm("printer"),
            Or((StatusFilter((StatusGroup.OPEN,)), StatusFilter((TicketStatus.WAITING,)))),
        )
    )


def test_parentheses_group_and_negate() -> None:
    assert where("(printer jam) OR scanner -(is:closed OR has:feedback)") == And(
        (
            Or((And((TextTerm("printer"), TextTerm("jam"))), TextTerm("scanner"))),
            Not(Or((IsFilter((IsValue.CLOSED,)), HasFilter((HasValue.FEEDBACK,))))),
        )
    )


def test_explicit_and_is_accepted_and_lowercase_keywords_are_words() -> None:
    assert where("printer AND jam") == And((TextTerm("printer"), TextTerm("jam")))
    assert where("this or that") == And((TextTerm("this"), TextTerm("or"), TextTerm("that")))


def test_nested_groups_flatten_to_the_canonical_form() -> None:
    assert where("((a b) c) OR (d OR e)") == Or(
        (And((TextTerm("a"), TextTerm("b"), TextTerm("c"))), TextTerm("d"), TextTerm("e"))
    )


def test_double_negation_is_kept() -> None:
    assert where("--a") == Not(Not(TextTerm("a")))


def test_text_terms_skips_negated_ones_on_request() -> None:
    node = where('a -b "c" -(d -e)')
    assert [t.text for t in text_terms(node)] == ["a", "b", "c", "d", "e"]
    assert [t.text for t in text_terms(node, positive_only=True)] == ["a", "c", "e"]


def test_positions_point_at_terms_but_do_not_affect_equality() -> None:
    node = where("  printer status:open")
    assert isinstance(node, And)
    assert [getattr(i, "position", None) for i in node.items] == [2, 10]
    assert node == where("printer status:open")


# -- error messages ---------------------------------------------------------------------------


def test_unknown_field_suggests_the_closest() -> None:
    e = error("statsu:open")
    assert e.message == 'Unknown field "statsu" at 1 — did you mean "status"?'
    assert (e.position, e.expected.startswith("one of: status")) == (0, True)


def test_unknown_field_without_a_close_match_says_how_to_search_the_text() -> None:
    e = error("see http://intranet")
    assert e.message == ('Unknown field "http" at 5 — to search for this text, put it in quotes')
    assert e.position == 4
    assert where('see "http://intranet"') is not None


def test_missing_value() -> None:
    e = error("priority:")
    assert e.message == 'Expected a value after "priority:" at 10'
    assert (e.position, e.expected) == (9, "a value for priority:")
    assert error("status:open, x").message == 'Expected a value after "," at 13'
    assert error('team:""').message == 'Expected a value after "team:" at 6'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "status:opne",
            'Unknown status "opne" at 8 — expected one of: open, done, new, assigned, '
            "in_progress, waiting, resolved, reopened, closed, cancelled",
        ),
        (
            "priority:>=hihg",
            'Unknown priority "hihg" at 12 — expected one of: low, normal, high, urgent',
        ),
        (
            "is:breachd",
            'Unknown is: value "breachd" at 4 — expected one of: open, closed, breached, '
            "at_risk, unassigned, mine, pending, watching",
        ),
        (
            "has:attachments,x",
            'Unknown has: value "attachments" at 5 — expected one of: attachment, tasks, '
            "comments, feedback",
        ),
        (
            "sort:-age",
            'Unknown sort key "-age" at 6 — expected one of: created, updated, priority, due, '
            "number",
        ),
    ],
)
def test_unknown_enumerated_values_list_the_valid_ones(text: str, message: str) -> None:
    assert error(text).message == message


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("number:abc", 'Expected a ticket number like ACR-12 or 12 at 8, not "abc"', 7),
        (
            "number:1234567890123",
            'Expected a ticket number like ACR-12 or 12 at 8, not "1234567890123"',
            7,
        ),
        (
            "created:yesterday",
            'Expected a date like 2026-01-31 or a duration like 7d, 12h or 2w after "created:" '
            "at 9",
            8,
        ),
        ("due:<2026-02-30", '"2026-02-30" at 6 is not a real date', 5),
        (
            "updated:0999-12-31",
            "Expected a date like 2026-01-31 or a duration like 7d, 12h or "
            '2w after "updated:" at 9',
            8,
        ),
        (
            "created:100000d",
            "Expected a date like 2026-01-31 or a duration like 7d, 12h or "
            '2w after "created:" at 9',
            8,
        ),
        ("created:7d,8d", '"created:" takes a single value at 12', 11),
        ("priority:>high,urgent", "A comparison takes a single value at 16", 15),
        (
            "status:>open",
            '"status:" does not take ">" at 8 — comparisons work for priority, number and dates',
            7,
        ),
        (
            "team:<=ops",
            '"team:" does not take "<=" at 6 — comparisons work for priority, number and dates',
            5,
        ),
    ],
)
def test_bad_values(text: str, message: str, position: int) -> None:
    e = error(text)
    assert (e.message, e.position) == (message, position)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ('printer "paper jam', "Missing closing quote for the text that starts at 9", 8),
        ('status:"open', "Missing closing quote for the text that starts at 8", 7),
        ("(printer jam", 'Missing ")" to close the "(" at 1', 12),
        (
            "printer jam)",
            'Unexpected ")" at 12 — no "(" is open; put text with parentheses in quotes',
            11,
        ),
        ("a ()", "Expected a term inside the parentheses at 4", 3),
        (
            "printer - jam",
            'Expected a term right after "-" at 10 (write -word to exclude a word)',
            9,
        ),
        ("printer -", 'Expected a term right after "-" at 10 (write -word to exclude a word)', 9),
        ("OR printer", "Expected a term before OR at 1", 0),
        ("printer OR", "Expected a term after OR at 11", 10),
        ("a OR OR b", "Expected a term after OR at 6", 5),
        ("a OR AND b", "Expected a term after OR at 6", 5),
        (
            "-sort:created",
            '"sort:" cannot be negated at 1 — write sort:-updated for a descending sort',
            0,
        ),
        (
            "a OR sort:created",
            '"sort:" applies to the whole search at 6 — use it on its own, outside parentheses '
            "and OR",
            5,
        ),
        (
            "sort:created OR a",
            '"sort:" applies to the whole search at 14 — use it on its own, outside parentheses '
            "and OR",
            13,
        ),
        (
            "(sort:created)",
            '"sort:" applies to the whole search at 2 — use it on its own, outside parentheses '
            "and OR",
            1,
        ),
        (
            "sort:>created",
            '"sort:" does not take ">" at 6 — comparisons work for priority, number and dates',
            5,
        ),
    ],
)
def test_structure_errors(text: str, message: str, position: int) -> None:
    e = error(text)
    assert (e.message, e.position) == (message, position)


def test_pathological_nesting_is_refused_politely() -> None:
    assert error("(" * 500 + "a" + ")" * 500).message.startswith("Too many nested")
    assert error("-" * 500 + "a").message.startswith("Too many nested")
    assert where("(" * 10 + "a" + ")" * 10) == TextTerm("a")


def test_caret_line_points_under_the_problem() -> None:
    e = error("status:open priority:")
    assert e.caret_line("status:open priority:") == "status:open priority:\n" + " " * 21 + "^"


def test_caret_line_handles_tabs_wide_characters_and_multiple_lines() -> None:
    assert QueryError("x", 2, "y").caret_line("\tab") == "\tab\n\t ^"
    assert QueryError("x", 2, "y").caret_line("日本x") == "日本x\n    ^"
    assert QueryError("x", 5, "y").caret_line("ab\ncd ef") == "cd ef\n  ^"
    assert QueryError("x", 99, "y").caret_line("abc") == "abc\n   ^"


def test_query_error_is_an_acero_error_with_a_code() -> None:
    e = error("statsu:x")
    assert e.to_dict()["code"] == "invalid_query"
    assert e.to_dict()["position"] == "0"


# -- formatting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("  printer   jam ", "printer jam"),
        ('category:"Network"', "category:Network"),
        ('category:"Network Printers"', 'category:"Network Printers"'),
        ("ACR-12", "number:12"),
        ("sort:-updated printer", "printer sort:-updated"),
        ("a (b OR c)", "a b OR c"),
        ("(a b) OR c", "(a b) OR c"),
        ("-(a b)", "-(a b)"),
        ('"OR" "status:open" "-x" "ACR-1"', '"OR" "status:open" "-x" "ACR-1"'),
        ("priority:=high", "priority:high"),
    ],
)
def test_format_is_canonical(text: str, canonical: str) -> None:
    assert format_query(parse_query(text)) == canonical


# -- property tests -----------------------------------------------------------------------------

FRAGMENTS = [
    *(f"{f}:" for f in Field),
    "-",
    "(",
    ")",
    '"',
    "\\",
    ",",
    ":",
    "<",
    ">=",
    "=",
    " ",
    "OR",
    "AND",
    "ACR-",
    "12",
    "open",
    "high",
    "me",
    "7d",
    "2026-01-01",
    "é",
    "日本",
    "\x00",
    "\t",
    "\n",
    "*",
    "NEAR",
    "^",
]
query_like_text = st.one_of(
    st.text(),
    st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=15).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(query_like_text)
@example("(" * 2000)
@example("-" * 2000 + "x")
@example('"' * 3)
def test_parser_raises_only_query_errors(text: str) -> None:
    failure: QueryError | None = None
    try:
        q = parse_query(text)
    except QueryError as e:
        failure = e
    if failure is None:
        assert parse_query(format_query(q)) == q  # and what it accepts, it can write back
    else:
        assert 0 <= failure.position <= len(text)
        assert failure.message
        assert failure.expected
        failure.caret_line(text)


@settings(max_examples=200, deadline=None)
@given(query_like_text, st.integers(-5, 200))
def test_completion_never_fails(text: str, cursor: int) -> None:
    start, end = completion_span(text, cursor)
    assert 0 <= start <= end <= len(text)
    for suggestion in complete(text, cursor, lambda field, prefix: ["Dana Scully", 'a"b']):
        assert isinstance(suggestion, str)


# Generated trees in the canonical form the parser produces.
_RESERVED = {"me", "none", "mine"}
names = st.text(min_size=1, max_size=12).filter(
    lambda s: s == s.strip() and s.lower() not in _RESERVED
)
words = st.text(min_size=1, max_size=10).filter(is_bare_word)
ops = st.sampled_from(list(Comparison))


def _with_op(
    build: type, values: st.SearchStrategy[object], **kw: object
) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.lists(values, min_size=1, max_size=3).map(lambda v: build(tuple(v), **kw)),
        st.tuples(values, st.sampled_from([c for c in Comparison if c is not Comparison.EQ])).map(
            lambda v: build((v[0],), v[1], **kw)
        ),
    )


terms: st.SearchStrategy[Node] = st.one_of(
    words.map(TextTerm),
    st.text(max_size=12).map(lambda s: TextTerm(s, phrase=True)),
    st.lists(st.sampled_from([*StatusGroup, *TicketStatus]), min_size=1, max_size=3).map(
        lambda v: StatusFilter(tuple(v))
    ),
    _with_op(PriorityFilter, st.sampled_from(list(Priority))),
    _with_op(NumberFilter, st.integers(0, MAX_NUMBER)),
    st.builds(
        PersonFilter,
        st.just(PersonField.ASSIGNEE),
        st.lists(st.one_of(names, st.sampled_from(["me", "none"])), min_size=1, max_size=3).map(
            tuple
        ),
    ),
    st.builds(
        PersonFilter,
        st.just(PersonField.REQUESTER),
        st.lists(st.one_of(names, st.just("me")), min_size=1, max_size=3).map(tuple),
    ),
    st.lists(st.one_of(names, st.sampled_from(["mine", "none"])), min_size=1, max_size=3).map(
        lambda v: TeamFilter(tuple(v))
    ),
    st.lists(st.one_of(names, st.just("none")), min_size=1, max_size=3).map(
        lambda v: CategoryFilter(tuple(v))
    ),
    st.builds(
        DateFilter,
        st.sampled_from(list(DateField)),
        st.one_of(
            st.dates(MIN_DATE, MAX_DATE),
            st.builds(Duration, st.integers(0, 99_999), st.sampled_from(list(DurationUnit))),
        ),
        ops,
    ),
    st.lists(st.sampled_from(list(IsValue)), min_size=1, max_size=3).map(
        lambda v: IsFilter(tuple(v))
    ),
    st.lists(st.sampled_from(list(HasValue)), min_size=1, max_size=3).map(
        lambda v: HasFilter(tuple(v))
    ),
)


def _flat(kind: type[And] | type[Or], items: list[Node]) -> Node:
    out: list[Node] = []
    for item in items:
        out.extend(item.items if isinstance(item, kind) else (item,))
    return kind(tuple(out))


trees: st.SearchStrategy[Node] = st.recursive(
    terms,
    lambda children: st.one_of(
        children.map(Not),
        st.lists(children, min_size=2, max_size=4).map(lambda i: _flat(And, i)),
        st.lists(children, min_size=2, max_size=4).map(lambda i: _flat(Or, i)),
    ),
    max_leaves=12,
)
queries = st.builds(
    Query,
    st.one_of(st.none(), trees),
    st.lists(st.builds(SortKey, st.sampled_from(list(SortField)), st.booleans()), max_size=3).map(
        tuple
    ),
)


@settings(max_examples=400, deadline=None)
@given(queries)
def test_format_then_parse_round_trips(query: Query) -> None:
    text = format_query(query)
    assert parse_query(text) == query, text


# -- completion -------------------------------------------------------------------------------


def users(field: Field, prefix: str) -> list[str]:
    people = {Field.ASSIGNEE: ["dana", "dave", "Dana Scully"], Field.TEAM: ["Ops", "Network"]}
    return people.get(field, [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [f"{f}:" for f in Field]),
        ("st", ["status:"]),
        ("-pri", ["-priority:"]),
        ("C", ["category:", "created:", "closed:"]),
        ("printer s", ["status:", "sort:"]),
        (
            "status:",
            [
                f"status:{s}"
                for s in (
                    "open",
                    "done",
                    "new",
                    "assigned",
                    "in_progress",
                    "waiting",
                    "resolved",
                    "reopened",
                    "closed",
                    "cancelled",
                )
            ],
        ),
        ("status:open,wa", ["status:open,waiting"]),
        (
            "status:open,",
            [
                f"status:open,{s}"
                for s in (
                    "done",
                    "new",
                    "assigned",
                    "in_progress",
                    "waiting",
                    "resolved",
                    "reopened",
                    "closed",
                    "cancelled",
                )
            ],
        ),
        ("priority:>=h", ["priority:>=high"]),
        ("assignee:d", ["assignee:dana", "assignee:dave", 'assignee:"Dana Scully"']),
        (
            "assignee:",
            [
                "assignee:me",
                "assignee:none",
                "assignee:dana",
                "assignee:dave",
                'assignee:"Dana Scully"',
            ],
        ),
        ('assignee:"Dana S', ['assignee:"Dana Scully"']),
        ("team:n", ["team:none", "team:Network"]),
        ("is:b", ["is:breached"]),
        ("has:", ["has:attachment", "has:tasks", "has:comments", "has:feedback"]),
        ("sort:-u", ["sort:-updated"]),
        (
            "updated:<",
            ["updated:<12h", "updated:<1d", "updated:<7d", "updated:<30d", "updated:<2w"],
        ),
        ("status:<", []),
        ("bogus:", []),
        ("printer", []),
        ('"st', []),
    ],
)
def test_completion_examples(text: str, expected: list[str]) -> None:
    assert complete(text, len(text), users) == expected


def test_completion_works_in_the_middle_and_reports_the_span() -> None:
    text = "printer (stat jam"
    assert complete(text, 13) == ["status:"]
    assert completion_span(text, 13) == (9, 13)
    assert completion_span('"a b" c', 7) == (6, 7)
    assert completion_span('"a b', 4) == (0, 4)
