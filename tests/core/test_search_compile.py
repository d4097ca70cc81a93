"""Searches compiled to SQL and run against a real migrated store (SQLite, and PostgreSQL)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, true
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor, load_actor
from acero_desktop.core.ids import uuid7
from acero_desktop.core.search import QueryError, parse_query
from acero_desktop.core.search.compile import (
    SearchContext,
    compile_search,
    search_context,
    search_ticket_ids,
)
from acero_desktop.models import (
    Attachment,
    BusinessCalendar,
    Feedback,
    Priority,
    Role,
    SlaPolicy,
    Team,
    TeamMember,
    Ticket,
    TicketCategory,
    TicketComment,
    TicketStatus,
    TicketTask,
    TicketWatcher,
    User,
)
from acero_desktop.store import make_engine, session_factory, upgrade
from acero_desktop.store.engine import sqlite_url

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


@dataclass
class Org:
    """A small organisation; tickets are numbered 1-6 except the pending (offline) one."""

    s: Session
    users: dict[str, User]
    tickets: dict[int | None, Ticket]

    def actor(self, username: str) -> Actor:
        return load_actor(self.s, self.users[username].id)

    def ctx(self, username: str) -> SearchContext:
        """The real visibility rules (core.visibility) for ``username``."""
        return search_context(self.actor(username), NOW)

    def find(self, text: str, who: str = "ann") -> list[int | None]:
        """Ticket numbers (None = the pending ticket) found by ``who``, in result order."""
        ids = search_ticket_ids(self.s, text, self.ctx(who))
        number = {t.id: n for n, t in self.tickets.items()}
        return [number[i] for i in ids]

    def found(self, text: str, who: str = "ann") -> set[int | None]:
        found = self.find(text, who)
        assert len(found) == len(set(found)), "a ticket came back twice"
        return set(found)

    def comment(
        self, number: int | None, body: str, *, internal: bool = False, at: datetime = NOW
    ) -> TicketComment:
        ticket = self.tickets[number]
        c = TicketComment(
            id=uuid7(),
            ticket_id=ticket.id,
            author_id=ticket.requester_id,
            body=body,
            internal=internal,
            created_at=at,
        )
        self.s.add(c)
        self.s.flush()
        return c


def build_org(s: Session) -> Org:
    def user(username: str, name: str, role: Role) -> User:
        u = User(
            id=uuid7(),
            username=username,
            name=name,
            email=f"{username}@acero.test",
            role=role,
            created_at=NOW - 400 * D,
        )
        s.add(u)
        return u

    users = {
        "dana": user("dana", "Dana Scully", Role.REQUESTER),
        "bob": user("bob", "Bob Builder", Role.REQUESTER),
        "fox": user("fox", "Fox Mulder", Role.AGENT),
        "walter": user("walter", "Walter Skinner", Role.LEAD),
        "ann": user("ann", "Ann Admin", Role.ADMIN),
        "emile": user("emile", "Émile Zola", Role.AGENT),
    }
    s.flush()
    ops = Team(id=uuid7(), name="Ops", lead_id=users["walter"].id)
    network = Team(id=uuid7(), name="Network")
    s.add_all([ops, network])
    s.flush()
    s.add_all(
        [
            TeamMember(id=uuid7(), team_id=ops.id, user_id=users["fox"].id),
            TeamMember(id=uuid7(), team_id=network.id, user_id=users["emile"].id),
        ]
    )

    def category(name: str, parent: TicketCategory | None = None) -> TicketCategory:
        c = TicketCategory(id=uuid7(), name=name, parent_id=parent.id if parent else None)
        s.add(c)
        s.flush()
        return c

    hardware = category("Hardware")
    printers = category("Printers", hardware)
    laser = category("Laser", printers)
    net_cat = category("Network")
    vpn = category("VPN", net_cat)
    cal = BusinessCalendar(id=uuid7(), name="Always", working_hours={}, holidays=[])
    s.add(cal)
    s.flush()
    eager = SlaPolicy(id=uuid7(), name="Eager", calendar_id=cal.id, at_risk_share=0.4)
    s.add(eager)
    s.flush()

    def ticket(number: int | None, title: str, description: str, **kw: object) -> Ticket:
        t = Ticket(
            id=uuid7(),
            number=number,
            title=title,
            description=description,
            created_by_id=kw["requester_id"],
            **kw,
        )
        s.add(t)
        s.flush()
        return t

    u = {k: v.id for k, v in users.items()}
    tickets = {
        1: ticket(
            1,
            "Printer jam on floor 3",
            "The laser printer jams every morning",
            status=TicketStatus.NEW,
            priority=Priority.HIGH,
            requester_id=u["dana"],
            assignee_id=u["fox"],
            team_id=ops.id,
            category_id=laser.id,
            created_at=NOW - 10 * D,
            updated_at=NOW - 25 * H,
            resolution_due_at=NOW - H,
        ),
        2: ticket(
            2,
            "VPN drops every five minutes",
            "Connection is unstable",
            status=TicketStatus.IN_PROGRESS,
            priority=Priority.URGENT,
            requester_id=u["bob"],
            assignee_id=u["emile"],
            team_id=network.id,
            category_id=vpn.id,
            created_at=NOW - 3 * D,
            updated_at=NOW - 3 * H,
            resolution_due_at=NOW + H,
        ),
        3: ticket(
            3,
            "Résumé template broken",
            "Word crashes when opening the résumé",
            status=TicketStatus.WAITING,
            priority=Priority.NORMAL,
            requester_id=u["dana"],
            assignee_id=u["fox"],
            team_id=ops.id,
            created_at=NOW - 40 * D,
            updated_at=NOW - 20 * D,
            resolution_due_at=NOW - 2 * D,
            sla_paused_since=NOW - 5 * D,
        ),
        4: ticket(
            4,
            "New laptop for Bob",
            "Please order a laptop",
            status=TicketStatus.CLOSED,
            priority=Priority.LOW,
            requester_id=u["bob"],
            assignee_id=u["walter"],
            team_id=ops.id,
            category_id=hardware.id,
            created_at=datetime(2026, 1, 15, 9, tzinfo=UTC),
            updated_at=NOW - 30 * D,
            resolution_due_at=datetime(2026, 1, 17, tzinfo=UTC),
            resolved_at=datetime(2026, 1, 20, 15, tzinfo=UTC),
            closed_at=datetime(2026, 1, 25, 8, tzinfo=UTC),
        ),
        None: ticket(
            None,
            "Monitor flickers",
            "Since this morning",
            status=TicketStatus.NEW,
            priority=Priority.NORMAL,
            requester_id=u["dana"],
            created_at=NOW - 2 * H,
            updated_at=NOW - 2 * H,
            resolution_due_at=NOW + 2 * H,
            sla_policy_id=eager.id,
        ),
        6: ticket(
            6,
            "Printer toner empty",
            "Replace the cartridge",
            status=TicketStatus.RESOLVED,
            priority=Priority.NORMAL,
            requester_id=u["bob"],
            team_id=ops.id,
            category_id=printers.id,
            created_at=NOW - 5 * D,
            updated_at=NOW - 4 * D,
            resolved_at=NOW - 4 * D,
        ),
    }
    org = Org(s, users, tickets)
    org.comment(2, "The printer in room 12 also jams", at=NOW - 2 * D)
    org.comment(3, "Customer still uses the legacy macro", internal=True, at=NOW - 30 * D)
    org.comment(4, "Secret vendor discount code", internal=True, at=NOW - 35 * D)
    note = org.comment(6, "Photo of the cartridge label", internal=True, at=NOW - 4 * D)

    def attach(number: int, comment_id: uuid.UUID | None) -> None:
        s.add(
            Attachment(
                id=uuid7(),
                ticket_id=tickets[number].id,
                comment_id=comment_id,
                sha256="0" * 64,
                filename="f.png",
                mime_type="image/png",
                size=1,
                uploaded_by_id=u["fox"],
                created_at=NOW,
            )
        )

    attach(1, None)
    attach(6, note.id)
    for number in (1, 6):
        s.add(
            TicketTask(
                id=uuid7(),
                ticket_id=tickets[number].id,
                title="Check",
                position="a",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    s.add(
        Feedback(
            id=uuid7(),
            ticket_id=tickets[4].id,
            user_id=u["bob"],
            rating=5,
            comment="",
            created_at=NOW,
        )
    )
    s.add(TicketWatcher(id=uuid7(), ticket_id=tickets[2].id, user_id=u["dana"]))
    # An agent of another team who watches a ticket sees it, but not its internal notes.
    s.add(TicketWatcher(id=uuid7(), ticket_id=tickets[3].id, user_id=u["emile"]))
    s.commit()
    return org


@pytest.fixture
def search_org(session: Session) -> Org:
    """Named apart from tests/core/conftest.py's ``org``, which seeds another organisation."""
    return build_org(session)


# -- each field selects exactly the right tickets -----------------------------------------------

CASES = [
    # status
    ("status:open", None, {1, 2, 3, None}),
    ("status:waiting", None, {3}),
    ("status:done", None, {4, 6}),
    ("status:new,closed", None, {1, 4, None}),
    # priority
    ("priority:high", None, {1}),
    ("priority:>=high", None, {1, 2}),
    ("priority:>normal", None, {1, 2}),
    ("priority:<normal", None, {4}),
    ("priority:<=normal", None, {3, 4, 6, None}),
    ("priority:low,urgent", None, {2, 4}),
    # people
    ("assignee:me", "fox", {1, 3}),
    ("assignee:none", None, {6, None}),
    ("assignee:walter", None, {4}),
    ("assignee:FOX", None, {1, 3}),
    ('assignee:"Fox Mulder"', None, {1, 3}),
    ("assignee:mul", None, {1, 3}),
    ("assignee:émile", None, {2}),
    ("assignee:emile,walter", None, {2, 4}),
    ("requester:me", "dana", {1, 3, None}),
    ("requester:bob", None, {2, 4, 6}),
    # teams and categories
    ("team:ops", None, {1, 3, 4, 6}),
    ("team:mine", "fox", {1, 3, 4, 6}),
    ("team:mine", "emile", {2}),
    ("team:none", None, {None}),
    ("team:Network,ops", None, {1, 2, 3, 4, 6}),
    ("category:hardware", None, {1, 4, 6}),
    ("category:Printers", None, {1, 6}),
    ("category:network", None, {2}),
    ("category:none", None, {3, None}),
    # numbers
    ("number:1", None, {1}),
    ("ACR-2", None, {2}),
    ("number:1,3", None, {1, 3}),
    ("number:>4", None, {6}),
    ("number:<=ACR-2", None, {1, 2}),
    # dates: NOW is 2026-03-02 10:00 UTC
    ("created:2026-01-15", None, {4}),
    ("created:<2026-01-16", None, {4}),
    ("created:<=2026-01-15", None, {4}),
    ("created:>2026-02-01", None, {1, 2, 6, None}),
    ("created:>=2026-02-20", None, {1, 2, 6, None}),
    ("created:<7d", None, {2, 6, None}),
    ("created:7d", None, {2, 6, None}),
    ("created:>30d", None, {3, 4}),
    ("updated:<1d", None, {2, None}),
    ("updated:>=2w", None, {3, 4}),
    ("due:<2h", None, {1, 2, 3, 4}),
    ("due:2h", None, {2, None}),
    ("due:>1d", None, set()),
    ("resolved:2026-01-20", None, {4}),
    ("resolved:<7d", None, {6}),
    ("closed:<=2026-01-25", None, {4}),
    ("closed:>2026-01-25", None, set()),
    # is:
    ("is:open", None, {1, 2, 3, None}),
    ("is:closed", None, {4, 6}),
    ("is:breached", None, {1}),  # 3 is paused (waiting), 4 is closed
    ("is:at_risk", None, {2, None}),  # None: 50% used, its policy warns at 40%
    ("is:breached,at_risk", None, {1, 2, None}),
    ("is:unassigned", None, {6, None}),
    ("is:mine", "fox", {1, 3}),
    ("is:mine", "ann", set()),
    ("is:pending", None, {None}),
    ("is:watching", "dana", {2}),
    # has:
    ("has:attachment", None, {1, 6}),
    ("has:attachment", "bob", set()),  # the file on 6 hangs off an internal note
    ("has:tasks", None, {1, 6}),
    ("has:comments", None, {2, 3, 4, 6}),
    ("has:comments", "dana", {2}),  # dana's tickets only have internal notes
    ("has:comments", "emile", {2}),  # he watches 3, but may not read its notes
    ("has:attachment", "fox", {1, 6}),  # 6 is his team's: he may read the note
    ("has:feedback", None, {4}),
]


@pytest.mark.parametrize(("text", "who", "expected"), CASES, ids=[c[0] + f"@{c[1]}" for c in CASES])
def test_field_filters(
    search_org: Org, text: str, who: str | None, expected: set[int | None]
) -> None:
    assert search_org.found(text, who or "ann") == expected


# -- negation, OR and visibility -----------------------------------------------------------------


def test_negation_keeps_rows_where_the_field_is_empty(search_org: Org) -> None:
    assert search_org.found("-assignee:fox") == {2, 4, 6, None}
    assert search_org.found("-due:<2h") == {6, None}
    assert search_org.found("-category:hardware") == {2, 3, None}
    assert search_org.found("-is:open") == {4, 6}
    assert search_org.found("--is:open") == {1, 2, 3, None}


def test_or_and_parentheses(search_org: Org) -> None:
    assert search_org.found("vpn OR laptop") == {2, 4}
    assert search_org.found("(laptop OR vpn) -is:closed") == {2}
    assert search_org.found("status:waiting OR priority:urgent is:open") == {2, 3}


def test_visibility_is_always_applied(search_org: Org) -> None:
    assert search_org.found("", "dana") == {1, 2, 3, None}
    assert search_org.found("", "bob") == {2, 4, 6}
    assert search_org.found("printer", "bob") == {2, 6}
    assert search_org.found("requester:dana", "bob") == set()


def test_sorting(search_org: Org) -> None:
    assert search_org.find("") == [None, 2, 1, 6, 3, 4]  # default: most recently updated first
    assert search_org.find("sort:priority") == [4, None, 6, 3, 1, 2]
    assert search_org.find("sort:-priority") == [2, 1, None, 6, 3, 4]
    assert search_org.find("sort:-number") == [6, 4, 3, 2, 1, None]
    assert search_org.find("sort:number") == [1, 2, 3, 4, 6, None]
    assert search_org.find("sort:due") == [4, 3, 1, 2, None, 6]
    assert search_org.find("sort:created status:open") == [3, 1, 2, None]
    assert search_org.find("sort:-updated,-priority") == [None, 2, 1, 6, 3, 4]


# -- text -----------------------------------------------------------------------------------


def test_words_may_be_spread_over_title_description_and_comments(search_org: Org) -> None:
    assert search_org.found("printer") == {1, 2, 6}
    assert search_org.found("vpn printer") == {2}  # title + comment of the same ticket
    assert search_org.found("jam morning") == {1}  # title + description


def test_phrase_versus_words(search_org: Org) -> None:
    assert search_org.found("printer jams") == {1, 2}
    assert search_org.found('"printer jams"') == {1}
    assert search_org.found('"jams printer"') == set()


def test_text_combined_with_filters(search_org: Org) -> None:
    assert search_org.found("printer status:open") == {1, 2}
    assert search_org.found("printer -is:open") == {6}
    assert search_org.found("printer priority:>=high assignee:fox") == {1}
    assert search_org.found("printer -toner") == {1, 2}
    assert search_org.found('-"printer" is:open') == {3, None}


def test_diacritics_and_case_are_folded(search_org: Org) -> None:
    assert search_org.found("resume") == {3}
    assert search_org.found("RÉSUMÉ") == {3}
    assert search_org.found('"resume template"') == {3}


def test_internal_notes_are_found_by_staff_and_never_by_requesters(search_org: Org) -> None:
    assert search_org.found("macro") == {3}
    assert search_org.found("macro", "fox") == {3}
    assert search_org.found("macro", "dana") == set()  # ticket 3 is hers, the note is not
    assert search_org.found("discount", "bob") == set()
    assert search_org.found("laptop discount") == {4}  # title + note, staff
    assert search_org.found("laptop discount", "bob") == set()
    assert search_org.found("laptop -discount", "bob") == {4}
    assert search_org.found("laptop -discount") == set()


def test_notes_are_only_searched_where_the_searcher_works_the_ticket(search_org: Org) -> None:
    # Émile (Network) watches ticket 3 (Ops): he sees it and its public text, not its notes.
    assert search_org.found("resume", "emile") == {3}
    assert search_org.found("macro", "emile") == set()
    assert search_org.found("resume -macro", "emile") == {3}
    # Words spread over title and notes, for an agent of the ticket's team.
    assert search_org.found("laptop discount", "fox") == {4}
    assert search_org.found("laptop discount status:closed", "fox") == {4}
    assert search_org.found("resume macro", "fox") == {3}
    assert search_org.found("resume macro", "emile") == set()
    # A notes clause without a visibility restriction still limits the notes.
    from acero_desktop.core.visibility import works_on_clause

    emile = search_org.actor("emile")
    loose = SearchContext(emile, NOW, true(), works_on_clause(emile))
    assert search_ticket_ids(search_org.s, "resume macro", loose) == []
    assert len(search_ticket_ids(search_org.s, "laptop", loose)) == 1
    # Without a notes clause only an admin's search reads notes.
    fox = search_org.actor("fox")
    bare = SearchContext(fox, NOW, true())
    assert search_ticket_ids(search_org.s, "macro", bare) == []
    admin = SearchContext(search_org.actor("ann"), NOW, true())
    assert len(search_ticket_ids(search_org.s, "macro", admin)) == 1


def test_a_comment_added_later_becomes_searchable(search_org: Org) -> None:
    assert search_org.found("hdmi") == set()
    search_org.comment(None, "It only flickers on the HDMI port")
    search_org.s.commit()
    assert search_org.found("hdmi") == {None}
    assert search_org.found("hdmi monitor", "dana") == {None}


def test_prefix_numbers_and_meaningless_terms(search_org: Org) -> None:
    assert search_org.found("print*") == {1, 2, 6}
    assert search_org.found('"ACR-6"') == {6}
    assert search_org.found("12") == {2}  # "room 12" in a comment
    assert search_org.found("*** ---x !!") == {
        1,
        2,
        3,
        4,
        6,
        None,
    }  # nothing to search for: ignored
    assert search_org.found('printer "" ?') == {1, 2, 6}


def test_title_matches_rank_above_comment_matches(search_org: Org) -> None:
    assert search_org.find("printer")[-1] == 2  # only in a comment
    assert set(search_org.find("printer")[:2]) == {1, 6}


def test_explicit_sort_overrides_relevance(search_org: Org) -> None:
    assert search_org.find("printer sort:number") == [1, 2, 6]


# -- unknown names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("assignee:bbo", 'Unknown user "bbo" at 10 — did you mean "bob"?', 9),
        ("printer requester:zzzzzz", 'Unknown user "zzzzzz" at 19', 18),
        ("assignee:fox,bbo", 'Unknown user "bbo" at 14 — did you mean "bob"?', 13),
        ("team:opps", 'Unknown team "opps" at 6 — did you mean "Ops"?', 5),
        ('team:"Net work"', 'Unknown team "Net work" at 7 — did you mean "Network"?', 6),
        ("-category:Prnters", 'Unknown category "Prnters" at 11 — did you mean "Printers"?', 10),
        ("team:ops OR category:nope", 'Unknown category "nope" at 22', 21),
    ],
)
def test_unknown_names_are_errors_not_empty_results(
    search_org: Org, text: str, message: str, position: int
) -> None:
    with pytest.raises(QueryError) as info:
        compile_search(search_org.s, parse_query(text), search_org.ctx("ann"))
    assert (info.value.message, info.value.position) == (message, position)


def test_the_statement_can_select_other_columns_and_count(search_org: Org) -> None:
    compiled = compile_search(search_org.s, parse_query("printer"), search_org.ctx("ann"))
    titles = search_org.s.scalars(compiled.statement(Ticket.title)).all()
    assert titles[-1] == "VPN drops every five minutes"
    assert search_org.s.scalar(compiled.count()) == 3


@pytest.mark.parametrize("who", ["ann", "fox", "dana"])
@pytest.mark.parametrize("text", ["printer", "printer jams -toner", "laptop discount", "vpn OR x"])
def test_where_alone_is_the_whole_filter(search_org: Org, who: str, text: str) -> None:
    compiled = compile_search(search_org.s, parse_query(text), search_org.ctx(who))
    alone = search_org.s.scalars(select(Ticket.id).where(compiled.where)).all()
    assert set(alone) == set(search_org.s.scalars(compiled.ids()).all())
    assert search_org.s.scalar(compiled.count()) == len(alone)


def test_the_context_needs_an_aware_time(search_org: Org) -> None:
    with pytest.raises(ValueError, match="aware"):
        SearchContext(search_org.actor("ann"), datetime(2026, 1, 1), true())


def test_system_actor_has_no_me(search_org: Org) -> None:
    from acero_desktop.core.actor import SYSTEM

    ctx = SearchContext(SYSTEM, NOW, true())
    assert search_ticket_ids(search_org.s, "assignee:me OR is:mine OR is:watching", ctx) == []


# -- property: any text either compiles and runs, or is a QueryError ------------------------


@pytest.fixture(scope="module")
def shared_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    engine = make_engine(sqlite_url(Path(tmp_path_factory.mktemp("search")) / "acero.db"))
    upgrade(engine)
    with session_factory(engine)() as s:
        yield build_org(s)
    engine.dispose()


FRAGMENTS = [
    "status:",
    "assignee:",
    "team:",
    "category:",
    "priority:>",
    "created:<",
    "due:",
    "is:",
    "has:",
    "sort:-",
    "number:",
    "-",
    "(",
    ")",
    '"',
    " OR ",
    " ",
    "printer",
    "NEAR",
    "*",
    "^",
    "fox",
    "ops",
    "7d",
    "open",
    ":",
    ",",
    "é",
    "\x00",
    "'",
    ";",
]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(st.text(max_size=30), st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)),
    st.sampled_from(["ann", "dana"]),
)
def test_any_text_runs_or_is_a_query_error(shared_org: Org, text: str, who: str) -> None:
    with contextlib.suppress(QueryError):
        shared_org.find(text, who)


# -- PostgreSQL: the same compiler with the ILIKE fallback ----------------------------------


@pytest.fixture
def pg_org(pg_url: str) -> Iterator[Org]:
    engine: Engine = make_engine(pg_url)
    upgrade(engine)
    with session_factory(engine)() as s:
        yield build_org(s)
    engine.dispose()


@pytest.mark.postgres
def test_postgres_filters_and_errors(pg_org: Org) -> None:
    assert pg_org.found("status:open priority:>=high") == {1, 2}
    assert pg_org.found("category:hardware -assignee:walter") == {1, 6}
    assert pg_org.found("is:breached") == {1}
    assert pg_org.found("is:at_risk") == {2, None}
    assert pg_org.found("assignee:émile") == {2}
    assert pg_org.find("sort:-number") == [6, 4, 3, 2, 1, None]
    with pytest.raises(QueryError, match='Unknown team "opps"'):
        pg_org.find("team:opps")


@pytest.mark.postgres
def test_postgres_text_falls_back_to_ilike(pg_org: Org) -> None:
    assert pg_org.found("printer") == {1, 2, 6}
    assert pg_org.found("vpn printer") == {2}
    assert pg_org.found('"printer jams"') == {1}
    assert pg_org.found("macro") == {3}
    assert pg_org.found("macro", "dana") == set()
    assert pg_org.found("laptop -discount", "bob") == {4}
    assert pg_org.found("100%_") == set()  # LIKE wildcards are escaped
    assert pg_org.find("printer")[-1] == 2  # title matches first
