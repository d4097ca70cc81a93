"""The SQLite FTS5 index of ticket text, kept current by SQL triggers.

Design:

- ``fts_ticket`` holds ONE row per ticket with the columns number ("ACR-12", so both "ACR-12"
  and "12" match), title, description and comments (the public, non-deleted comment bodies
  joined). A search's words may be spread over title and comments of the same ticket, and
  FTS5's AND is per row, so the row must be the ticket; a comment change rebuilds that one
  ticket's ``comments`` column. bm25 weights title > number > description > comments.
- ``fts_ticket_internal`` holds the internal notes of tickets that have some, in the same rowid
  space. A requester's search never reads it. A staff search treats each word or phrase as
  "in the public row OR in the notes row" (see ``core/search/text_match.py``), so words may be
  spread over public text and notes without storing the public text twice.
- Ticket ids are UUIDs, and SQLite's implicit rowid of ``ticket`` may change on VACUUM, so
  ``fts_ticket_key`` maps each ticket id to the stable integer rowid both FTS tables use.
- The triggers live in SQL, so bulk inserts (the demo generator, a sync snapshot) and every
  mutation keep the index current without Python code. They are written to be idempotent
  (an INSERT OR REPLACE of a ticket, a comment moved between tickets, cascaded deletes).
- Tokenizer ``unicode61 remove_diacritics 2``: case and diacritics folded ("resume" finds
  "résumé").

All names start with ``fts_`` so Alembic's autogenerate ignores them (migrations_filter.py).
The migration 0002 carries a frozen copy of this DDL; tests/store/test_fts.py checks that the
migrated schema equals :func:`install_fts`'s, so a change here without a migration fails.
PostgreSQL has no index here: the search compiler falls back to ILIKE there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import Connection, Engine, Integer, Uuid, column, table

FTS_TICKET = "fts_ticket"
FTS_INTERNAL = "fts_ticket_internal"
FTS_KEY = "fts_ticket_key"
TOKENIZER = "unicode61 remove_diacritics 2"

# bm25 column weights, in the column order of fts_ticket and fts_ticket_internal.
TICKET_WEIGHTS = (4.0, 10.0, 3.0, 1.0)  # number, title, description, comments
INTERNAL_WEIGHTS = (1.0,)  # notes

# Lightweight table clauses for building queries (they are not part of the ORM metadata).
fts_key = table(FTS_KEY, column("id", Integer), column("ticket_id", Uuid()))
fts_ticket = table(FTS_TICKET, column("rowid", Integer), column(FTS_TICKET))
fts_internal = table(FTS_INTERNAL, column("rowid", Integer), column(FTS_INTERNAL))

_LABEL = "CASE WHEN {t}.number IS NULL THEN '' ELSE 'ACR-' || {t}.number END"


def _key(ticket: str) -> str:
    return f"(SELECT id FROM {FTS_KEY} WHERE ticket_id = {ticket})"


def _bodies(ticket: str, internal: int) -> str:
    """The joined bodies of a ticket's live comments of one kind, oldest first (NULL if none)."""
    return (
        "(SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment"
        f" WHERE ticket_id = {ticket} AND internal = {internal} AND deleted_at IS NULL"
        " ORDER BY created_at, id))"
    )


def _refresh_comments(ticket: str) -> str:
    return (
        f"UPDATE {FTS_TICKET} SET comments = coalesce({_bodies(ticket, 0)}, '')"
        f" WHERE rowid = {_key(ticket)};"
    )


def _refresh_notes(ticket: str) -> str:
    return (
        f"DELETE FROM {FTS_INTERNAL} WHERE rowid = {_key(ticket)};\n"
        f"  INSERT INTO {FTS_INTERNAL} (rowid, notes)"
        f" SELECT k.id, n.notes FROM {FTS_KEY} k, (SELECT {_bodies(ticket, 1)} AS notes) n"
        f" WHERE k.ticket_id = {ticket} AND n.notes IS NOT NULL;"
    )


def _index_ticket(ticket: str) -> str:
    return (
        f"INSERT OR IGNORE INTO {FTS_KEY} (ticket_id) VALUES ({ticket}.id);\n"
        f"  DELETE FROM {FTS_TICKET} WHERE rowid = {_key(ticket + '.id')};\n"
        f"  INSERT INTO {FTS_TICKET} (rowid, number, title, description, comments)"
        f" SELECT k.id, {_LABEL.format(t=ticket)}, {ticket}.title, {ticket}.description,"
        f" coalesce({_bodies(ticket + '.id', 0)}, '')"
        f" FROM {FTS_KEY} k WHERE k.ticket_id = {ticket}.id;\n"
        f"  {_refresh_notes(ticket + '.id')}"
    )


FTS_TABLES: tuple[str, ...] = (
    f"CREATE TABLE {FTS_KEY} (id INTEGER PRIMARY KEY, ticket_id CHAR(32) NOT NULL UNIQUE)",
    f"CREATE VIRTUAL TABLE {FTS_TICKET} USING fts5("
    f"number, title, description, comments, tokenize = '{TOKENIZER}')",
    f"CREATE VIRTUAL TABLE {FTS_INTERNAL} USING fts5(notes, tokenize = '{TOKENIZER}')",
)

FTS_TRIGGERS: tuple[str, ...] = (
    f"CREATE TRIGGER fts_ticket_insert AFTER INSERT ON ticket BEGIN\n  {_index_ticket('NEW')}\nEND",
    f"CREATE TRIGGER fts_ticket_update AFTER UPDATE OF number, title, description ON ticket"
    " WHEN NEW.number IS NOT OLD.number OR NEW.title IS NOT OLD.title"
    " OR NEW.description IS NOT OLD.description BEGIN\n"
    f"  UPDATE {FTS_TICKET} SET number = {_LABEL.format(t='NEW')}, title = NEW.title,"
    f" description = NEW.description WHERE rowid = {_key('NEW.id')};\nEND",
    f"CREATE TRIGGER fts_ticket_rekey AFTER UPDATE OF id ON ticket WHEN NEW.id <> OLD.id BEGIN\n"
    f"  UPDATE {FTS_KEY} SET ticket_id = NEW.id WHERE ticket_id = OLD.id;\nEND",
    f"CREATE TRIGGER fts_ticket_delete AFTER DELETE ON ticket BEGIN\n"
    f"  DELETE FROM {FTS_TICKET} WHERE rowid = {_key('OLD.id')};\n"
    f"  DELETE FROM {FTS_INTERNAL} WHERE rowid = {_key('OLD.id')};\n"
    f"  DELETE FROM {FTS_KEY} WHERE ticket_id = OLD.id;\nEND",
    # A new comment touches only the row of its own kind: the hot path of bulk loads.
    f"CREATE TRIGGER fts_comment_insert_public AFTER INSERT ON ticket_comment"
    f" WHEN NEW.internal = 0 BEGIN\n  {_refresh_comments('NEW.ticket_id')}\nEND",
    f"CREATE TRIGGER fts_comment_insert_internal AFTER INSERT ON ticket_comment"
    f" WHEN NEW.internal <> 0 BEGIN\n  {_refresh_notes('NEW.ticket_id')}\nEND",
    # Edits, tombstones, a note made public (or back) and moves: rebuild both kinds.
    f"CREATE TRIGGER fts_comment_update AFTER UPDATE OF ticket_id, body, internal, deleted_at"
    f" ON ticket_comment BEGIN\n  {_refresh_comments('OLD.ticket_id')}\n"
    f"  {_refresh_notes('OLD.ticket_id')}\nEND",
    f"CREATE TRIGGER fts_comment_move AFTER UPDATE OF ticket_id ON ticket_comment"
    f" WHEN NEW.ticket_id <> OLD.ticket_id BEGIN\n  {_refresh_comments('NEW.ticket_id')}\n"
    f"  {_refresh_notes('NEW.ticket_id')}\nEND",
    f"CREATE TRIGGER fts_comment_delete AFTER DELETE ON ticket_comment BEGIN\n"
    f"  {_refresh_comments('OLD.ticket_id')}\n  {_refresh_notes('OLD.ticket_id')}\nEND",
)

_TRIGGER_NAMES = tuple(re.findall(r"CREATE TRIGGER (\w+)", "\n".join(FTS_TRIGGERS)))

# Fill the index from the tables in bulk (set-based; the triggers handle one row at a time).
FTS_POPULATE: tuple[str, ...] = (
    f"INSERT INTO {FTS_KEY} (ticket_id) SELECT id FROM ticket ORDER BY created_at, id",
    f"INSERT INTO {FTS_TICKET} (rowid, number, title, description, comments)"
    f" SELECT k.id, {_LABEL.format(t='t')}, t.title, t.description,"
    f" coalesce({_bodies('t.id', 0)}, '')"
    f" FROM ticket t JOIN {FTS_KEY} k ON k.ticket_id = t.id ORDER BY k.id",
    f"INSERT INTO {FTS_INTERNAL} (rowid, notes)"
    f" SELECT k.id, {_bodies('k.ticket_id', 1)} FROM {FTS_KEY} k"
    " WHERE k.ticket_id IN (SELECT ticket_id FROM ticket_comment"
    " WHERE internal = 1 AND deleted_at IS NULL) ORDER BY k.id",
    f"INSERT INTO {FTS_TICKET} ({FTS_TICKET}) VALUES ('optimize')",
    f"INSERT INTO {FTS_INTERNAL} ({FTS_INTERNAL}) VALUES ('optimize')",
)


def install_fts(conn: Connection) -> None:
    """Create the index tables and triggers (empty; see :data:`FTS_POPULATE`)."""
    for stmt in (*FTS_TABLES, *FTS_TRIGGERS):
        conn.exec_driver_sql(stmt)


def drop_fts(conn: Connection) -> None:
    for name in _TRIGGER_NAMES:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    for name in (FTS_TICKET, FTS_INTERNAL, FTS_KEY):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def rebuild_fts(engine: Engine) -> None:
    """Recreate the whole index from the tables (after a restore, or if it is damaged).

    Dropping and recreating is much faster than deleting every FTS row, and it also restores
    triggers that a restore may have lost. One transaction: readers see the old index or the
    new one. Does nothing on databases other than SQLite.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
        drop_fts(conn)
        install_fts(conn)
        for stmt in FTS_POPULATE:
            conn.exec_driver_sql(stmt)


def check_fts(conn: Connection) -> None:
    """Raise if an FTS table is inconsistent (FTS5 'integrity-check')."""
    for name in (FTS_TICKET, FTS_INTERNAL):
        conn.exec_driver_sql(f"INSERT INTO {name} ({name}) VALUES ('integrity-check')")


# -- MATCH strings ---------------------------------------------------------------------------


class TextLike(Protocol):
    """A word or phrase of a search (``core.search.nodes.TextTerm`` has this shape)."""

    @property
    def text(self) -> str: ...

    @property
    def phrase(self) -> bool: ...


def has_tokens(text: str) -> bool:
    """Whether unicode61 finds a token in ``text`` (letters, digits, private-use characters).

    A term without one would be an empty FTS5 phrase, which matches nothing: callers drop it.
    """
    return any(
        unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Co" for ch in text
    )


def fts_term(term: TextLike) -> str | None:
    """One word or phrase as an FTS5 string, or None when it has nothing to search for.

    Everything the user typed goes inside an FTS5 string, where quotes are doubled and
    ``*``, ``-``, ``:``, ``^``, ``NEAR``, ``AND``... are plain text, so no input is FTS syntax.
    A bare word ending in ``*`` is a prefix search (``print*``).
    """
    text = term.text.replace("\x00", " ")
    prefix = not term.phrase and text.endswith("*")
    if prefix:
        text = text.rstrip("*")
    if not has_tokens(text):
        return None
    quoted = '"' + text.replace('"', '""') + '"'
    return f"{quoted} *" if prefix else quoted


def fts_query(terms: Iterable[TextLike], *, any_of: bool = False) -> str | None:
    """A MATCH expression requiring all ``terms`` (or any, with ``any_of``); None if empty."""
    parts = [p for p in (fts_term(t) for t in terms) if p is not None]
    if not parts:
        return None
    return (" OR " if any_of else " AND ").join(parts)
