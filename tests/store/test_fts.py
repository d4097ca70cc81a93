"""The FTS5 index: kept current by triggers, rebuilt on demand, and safe against any input."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, inspect, text, update

from acero_desktop.core.ids import uuid7
from acero_desktop.core.search.nodes import TextTerm
from acero_desktop.models import Role, Ticket, TicketComment, User
from acero_desktop.store import make_engine, upgrade
from acero_desktop.store.engine import sqlite_url
from acero_desktop.store.fts import (
    FTS_TABLES,
    TOKENIZER,
    check_fts,
    drop_fts,
    fts_query,
    fts_term,
    install_fts,
    rebuild_fts,
)
from acero_desktop.store.migrate import alembic_config

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Store:
    """Rows written with Core inserts, as a bulk loader would (no ORM, no Python hooks)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.user = uuid7()
        self.clock = 0
        with engine.begin() as conn:
            conn.execute(
                insert(User),
                [
                    {
                        "id": self.user,
                        "username": "u",
                        "name": "U",
                        "email": "u@x",
                        "role": Role.AGENT,
                        "created_at": NOW,
                    }
                ],
            )

    def tick(self) -> datetime:
        self.clock += 1
        return NOW + timedelta(seconds=self.clock)

    def ticket(self, title: str, description: str = "", number: int | None = None) -> uuid.UUID:
        tid = uuid7()
        with self.engine.begin() as conn:
            conn.execute(
                insert(Ticket),
                [
                    {
                        "id": tid,
                        "number": number,
                        "title": title,
                        "description": description,
                        "requester_id": self.user,
                        "created_by_id": self.user,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                ],
            )
        return tid

    def comment(self, ticket: uuid.UUID, body: str, internal: bool = False) -> uuid.UUID:
        cid = uuid7()
        with self.engine.begin() as conn:
            conn.execute(
                insert(TicketComment),
                [
                    {
                        "id": cid,
                        "ticket_id": ticket,
                        "author_id": self.user,
                        "body": body,
                        "internal": internal,
                        "created_at": self.tick(),
                    }
                ],
            )
        return cid

    def run(self, stmt: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def search(self, query: str, table: str = "fts_ticket") -> set[uuid.UUID]:
        sql = (
            f"SELECT k.ticket_id FROM {table} f JOIN fts_ticket_key k ON k.id = f.rowid"
            f" WHERE {table} MATCH :q"
        )
        with self.engine.connect() as conn:
            return {uuid.UUID(r[0]) for r in conn.execute(text(sql), {"q": query})}

    def ranked(self, query: str) -> list[uuid.UUID]:
        sql = (
            "SELECT k.ticket_id FROM fts_ticket f JOIN fts_ticket_key k ON k.id = f.rowid"
            " WHERE fts_ticket MATCH :q ORDER BY bm25(fts_ticket, 4.0, 10.0, 3.0, 1.0)"
        )
        with self.engine.connect() as conn:
            return [uuid.UUID(r[0]) for r in conn.execute(text(sql), {"q": query})]

    def contents(self) -> dict[str, tuple[str, ...]]:
        """The indexed text per ticket id (rowids may differ between builds; ids do not)."""
        sql = """
            SELECT k.ticket_id, f.number, f.title, f.description, f.comments, i.notes
            FROM fts_ticket_key k JOIN fts_ticket f ON f.rowid = k.id
            LEFT JOIN fts_ticket_internal i ON i.rowid = k.id
        """
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql)).all()
            orphans = conn.execute(
                text(
                    "SELECT count(*) FROM fts_ticket_internal"
                    " WHERE rowid NOT IN (SELECT id FROM fts_ticket_key)"
                )
            ).scalar()
        assert orphans == 0
        return {r[0]: tuple(r[1:]) for r in rows}


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store(engine)


def schema_of_fts(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE name LIKE 'fts\\_%' ESCAPE '\\'")
        ).all()
    return dict(rows)


# -- schema --------------------------------------------------------------------------------


def test_migration_creates_the_index_that_fts_module_describes(
    engine: Engine, tmp_path: Path
) -> None:
    migrated = schema_of_fts(engine)
    assert {"fts_ticket", "fts_ticket_internal", "fts_ticket_key", "fts_ticket_insert"} <= set(
        migrated
    )
    fresh = make_engine(sqlite_url(tmp_path / "fresh.db"))
    upgrade(fresh)
    with fresh.begin() as conn:
        drop_fts(conn)
    assert schema_of_fts(fresh) == {}
    with fresh.begin() as conn:
        install_fts(conn)
    assert schema_of_fts(fresh) == migrated, "fts.py changed: add a migration for it"
    fresh.dispose()


def test_tokenizer_folds_case_and_diacritics(engine: Engine) -> None:
    assert TOKENIZER in FTS_TABLES[1]
    store = Store(engine)
    t = store.ticket("Résumé d'Ærøskøbing", "naïve café")
    assert store.search('"resume"') == {t}
    assert store.search('"RESUMÉ" AND "cafe" AND "naive"') == {t}


def test_downgrade_removes_the_index_and_upgrade_restores_it(engine: Engine) -> None:
    store = Store(engine)
    t = store.ticket("Printer on fire")
    command.downgrade(alembic_config(engine), "0001")
    assert schema_of_fts(engine) == {}
    store.ticket("Still works without the index")
    upgrade(engine)
    assert store.search('"printer"') == {t}
    assert len(store.contents()) == 2


def test_upgrading_a_database_with_tickets_indexes_them(tmp_path: Path) -> None:
    eng = make_engine(sqlite_url(tmp_path / "old.db"))
    command.upgrade(alembic_config(eng), "0001")
    store = Store(eng)
    t = store.ticket("Old ticket", "from before the index", number=7)
    store.comment(t, "public reply about the scanner")
    store.comment(t, "internal musings", internal=True)
    upgrade(eng)
    assert store.search('"scanner"') == {t}
    assert store.search('"7"') == {t}
    assert store.search('"musings"', "fts_ticket_internal") == {t}
    assert store.search('"musings"') == set()
    eng.dispose()


def test_fts_tables_are_invisible_to_the_schema_comparison(engine: Engine) -> None:
    assert "fts_ticket" in inspect(engine).get_table_names()  # and test_migrations still passes


# -- triggers keep the index current ---------------------------------------------------------


def test_ticket_number_title_and_description_are_indexed(store: Store) -> None:
    t = store.ticket("Wifi down", "In the east wing", number=12)
    assert store.search('"ACR-12"') == {t}
    assert store.search('"12"') == {t}
    assert store.search('"east wing"') == {t}
    store.run(update(Ticket).where(Ticket.id == t).values(title="Ethernet down", number=13))
    assert store.search('"wifi"') == set()
    assert store.search('"ethernet"') == {t}
    assert store.search('"ACR-13"') == {t}
    assert store.search('"12"') == set()


def test_pending_ticket_gets_its_number_later(store: Store) -> None:
    t = store.ticket("Made offline")
    assert store.contents()[t.hex][0] == ""
    store.run(update(Ticket).where(Ticket.id == t).values(number=99))
    assert store.search('"ACR-99"') == {t}


def test_comments_public_and_internal_go_to_separate_tables(store: Store) -> None:
    t = store.ticket("Laptop")
    store.comment(t, "battery swollen")
    store.comment(t, "vendor owes us one", internal=True)
    assert store.search('"battery"') == {t}
    assert store.search('"vendor"') == set()
    assert store.search('"vendor"', "fts_ticket_internal") == {t}
    assert store.search('"laptop" AND "battery"') == {t}  # title + comment, one row


def test_comment_edits_tombstones_moves_and_deletes(store: Store) -> None:
    a, b = store.ticket("A"), store.ticket("B")
    c = store.comment(a, "original words")
    n = store.comment(a, "secret note", internal=True)
    store.run(update(TicketComment).where(TicketComment.id == c).values(body="edited words"))
    assert store.search('"original"') == set()
    assert store.search('"edited"') == {a}
    store.run(update(TicketComment).where(TicketComment.id == n).values(internal=False))
    assert store.search('"secret"') == {a}
    assert store.search('"secret"', "fts_ticket_internal") == set()
    store.run(update(TicketComment).where(TicketComment.id == c).values(ticket_id=b))
    assert store.search('"edited"') == {b}
    store.run(update(TicketComment).where(TicketComment.id == c).values(deleted_at=NOW))
    assert store.search('"edited"') == set()
    store.run(delete(TicketComment).where(TicketComment.id == n))
    assert store.search('"secret"') == set()


def test_deleting_a_ticket_removes_its_rows(store: Store) -> None:
    t = store.ticket("Doomed")
    store.comment(t, "public")
    store.comment(t, "internal", internal=True)
    keep = store.ticket("Kept")
    store.run(delete(Ticket).where(Ticket.id == t))
    assert set(store.contents()) == {keep.hex}
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM fts_ticket_internal")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM fts_ticket_key")).scalar() == 1


def test_insert_or_replace_of_a_ticket_keeps_one_consistent_row(store: Store) -> None:
    t = store.ticket("First title")
    other = store.ticket("Other")
    store.comment(other, "a reply")
    with store.engine.begin() as conn:
        row = conn.execute(text("SELECT * FROM ticket WHERE id = :id"), {"id": t.hex})
        values = {**row.mappings().one(), "title": "Second title"}
        names = ", ".join(values)
        params = ", ".join(f":{c}" for c in values)
        conn.execute(text(f"INSERT OR REPLACE INTO ticket ({names}) VALUES ({params})"), values)
    assert store.search('"second"') == {t}
    assert store.search('"first"') == set()
    before = store.contents()
    assert len(before) == 2
    rebuild_fts(store.engine)
    assert store.contents() == before


def test_triggers_and_rebuild_produce_the_same_index(store: Store) -> None:
    tickets = [store.ticket(f"Ticket {i} about printers", f"desc {i}", number=i) for i in range(5)]
    for i, t in enumerate(tickets):
        for j in range(i):
            store.comment(t, f"reply {j} on {i}", internal=(j % 2 == 1))
    store.run(update(Ticket).where(Ticket.id == tickets[0]).values(description="changed"))
    store.run(delete(Ticket).where(Ticket.id == tickets[4]))
    before = store.contents()
    with store.engine.connect() as conn:
        check_fts(conn)
    rebuild_fts(store.engine)
    assert store.contents() == before
    with store.engine.connect() as conn:
        check_fts(conn)
    # and the rebuilt triggers still work
    store.comment(tickets[1], "after rebuild")
    assert store.search('"after" AND "rebuild"') == {tickets[1]}


def test_rebuild_repairs_a_damaged_index(store: Store) -> None:
    t = store.ticket("Projector bulb")
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM fts_ticket"))
        conn.execute(text("DROP TRIGGER fts_comment_insert_public"))
    assert store.search('"projector"') == set()
    rebuild_fts(store.engine)
    assert store.search('"projector"') == {t}
    store.comment(t, "replaced")
    assert store.search('"replaced"') == {t}


def test_bulk_inserts_are_indexed(store: Store) -> None:
    ids = [uuid7() for _ in range(200)]
    with store.engine.begin() as conn:
        conn.execute(
            insert(Ticket),
            [
                {
                    "id": i,
                    "number": n,
                    "title": f"Bulk {n}",
                    "description": "lorem",
                    "requester_id": store.user,
                    "created_by_id": store.user,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n, i in enumerate(ids, start=1)
            ],
        )
        conn.execute(
            insert(TicketComment),
            [
                {
                    "id": uuid7(),
                    "ticket_id": i,
                    "author_id": store.user,
                    "body": f"word{n % 7}",
                    "internal": False,
                    "created_at": NOW,
                }
                for n, i in enumerate(ids * 3)
            ],
        )
    assert len(store.search('"bulk"')) == 200
    assert len(store.search('"word3"')) == len({i for n, i in enumerate(ids * 3) if n % 7 == 3})


# -- ranking -----------------------------------------------------------------------------------


def test_bm25_ranks_title_over_description_over_comments(store: Store) -> None:
    in_comment = store.ticket("Alpha", "one two three")
    store.comment(in_comment, "zebra crossing")
    in_description = store.ticket("Beta", "zebra crossing")
    in_title = store.ticket("Zebra crossing", "one two three")
    for i in range(5):
        store.ticket(f"Filler {i}", "nothing to see")
    assert store.ranked('"zebra"') == [in_title, in_description, in_comment]


# -- MATCH strings -------------------------------------------------------------------------------


def test_user_text_never_becomes_fts_syntax() -> None:
    assert fts_term(TextTerm("printer")) == '"printer"'
    assert fts_term(TextTerm('say "hi"', phrase=True)) == '"say ""hi"""'
    assert fts_term(TextTerm("NEAR(a b)")) == '"NEAR(a b)"'
    assert fts_term(TextTerm("title:x")) == '"title:x"'
    assert fts_term(TextTerm("print*")) == '"print" *'
    assert fts_term(TextTerm("print*", phrase=True)) == '"print*"'
    assert fts_term(TextTerm("***")) is None
    assert fts_term(TextTerm("-")) is None
    assert (
        fts_query([TextTerm("a"), TextTerm("-"), TextTerm("b c", phrase=True)]) == '"a" AND "b c"'
    )
    assert fts_query([TextTerm("a"), TextTerm("b")], any_of=True) == '"a" OR "b"'
    assert fts_query([TextTerm("?")]) is None


@pytest.fixture(scope="module")
def fts_conn() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize = '{TOKENIZER}')")
    conn.execute("INSERT INTO t VALUES ('near the printer ACR-12', 'résumé * \"quoted\"')")
    yield conn
    conn.close()


SYNTAX = [
    '"',
    "*",
    "-",
    "NEAR",
    "NEAR(",
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    ":",
    "^",
    "+",
    "a:",
    "{a b}",
    "\x00",
    "'",
    "\\",
    " ",
    "é",
    "日本",
    "printer",
]
terms = st.builds(
    TextTerm,
    st.one_of(st.text(), st.lists(st.sampled_from(SYNTAX), max_size=8).map("".join)),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(terms, min_size=1, max_size=4), st.booleans())
def test_any_text_compiles_to_a_match_sqlite_accepts(
    fts_conn: sqlite3.Connection, words: list[TextTerm], any_of: bool
) -> None:
    match = fts_query(words, any_of=any_of)
    if match is not None:
        fts_conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (match,)).fetchall()


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1))
def test_a_phrase_finds_the_text_it_came_from(fts_conn: sqlite3.Connection, words: str) -> None:
    match = fts_term(TextTerm(words, phrase=True))
    if match is None:
        return
    fts_conn.execute("DELETE FROM t WHERE rowid = 99")
    fts_conn.execute("INSERT INTO t (rowid, a) VALUES (99, ?)", (words.replace("\x00", " "),))
    found = fts_conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (match,)).fetchall()
    assert (99,) in found


# -- PostgreSQL -------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_has_no_fts_and_rebuild_is_a_no_op(pg_url: str) -> None:
    eng = make_engine(pg_url)
    upgrade(eng)
    assert not [t for t in inspect(eng).get_table_names() if t.startswith("fts_")]
    rebuild_fts(eng)
    eng.dispose()
