"""full-text index (SQLite FTS5) of tickets, comments and internal notes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 19:00:00

A frozen copy of acero_desktop/store/fts.py at the time of writing (a migration must not change
when that module does; tests/store/test_fts.py checks the two still agree). SQLite only: on
PostgreSQL the search falls back to ILIKE and this migration does nothing.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREATE = (
    """
CREATE TABLE fts_ticket_key (id INTEGER PRIMARY KEY, ticket_id CHAR(32) NOT NULL UNIQUE)
    """,
    """
CREATE VIRTUAL TABLE fts_ticket USING fts5(number, title, description, comments, tokenize = 'unicode61 remove_diacritics 2')
    """,
    """
CREATE VIRTUAL TABLE fts_ticket_internal USING fts5(notes, tokenize = 'unicode61 remove_diacritics 2')
    """,
    """
CREATE TRIGGER fts_ticket_insert AFTER INSERT ON ticket BEGIN
  INSERT OR IGNORE INTO fts_ticket_key (ticket_id) VALUES (NEW.id);
  DELETE FROM fts_ticket WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = NEW.id);
  INSERT INTO fts_ticket (rowid, number, title, description, comments) SELECT k.id, CASE WHEN NEW.number IS NULL THEN '' ELSE 'ACR-' || NEW.number END, NEW.title, NEW.description, coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = NEW.id AND internal = 0 AND deleted_at IS NULL ORDER BY created_at, id)), '') FROM fts_ticket_key k WHERE k.ticket_id = NEW.id;
  DELETE FROM fts_ticket_internal WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = NEW.id);
  INSERT INTO fts_ticket_internal (rowid, notes) SELECT k.id, n.notes FROM fts_ticket_key k, (SELECT (SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = NEW.id AND internal = 1 AND deleted_at IS NULL ORDER BY created_at, id)) AS notes) n WHERE k.ticket_id = NEW.id AND n.notes IS NOT NULL;
END
    """,
    """
CREATE TRIGGER fts_ticket_update AFTER UPDATE OF number, title, description ON ticket WHEN NEW.number IS NOT OLD.number OR NEW.title IS NOT OLD.title OR NEW.description IS NOT OLD.description BEGIN
  UPDATE fts_ticket SET number = CASE WHEN NEW.number IS NULL THEN '' ELSE 'ACR-' || NEW.number END, title = NEW.title, description = NEW.description WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = NEW.id);
END
    """,
    """
CREATE TRIGGER fts_ticket_rekey AFTER UPDATE OF id ON ticket WHEN NEW.id <> OLD.id BEGIN
  UPDATE fts_ticket_key SET ticket_id = NEW.id WHERE ticket_id = OLD.id;
END
    """,
    """
CREATE TRIGGER fts_ticket_delete AFTER DELETE ON ticket BEGIN
  DELETE FROM fts_ticket WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = OLD.id);
  DELETE FROM fts_ticket_internal WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = OLD.id);
  DELETE FROM fts_ticket_key WHERE ticket_id = OLD.id;
END
    """,
    """
CREATE TRIGGER fts_comment_insert_public AFTER INSERT ON ticket_comment WHEN NEW.internal = 0 BEGIN
  UPDATE fts_ticket SET comments = coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = NEW.ticket_id AND internal = 0 AND deleted_at IS NULL ORDER BY created_at, id)), '') WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = NEW.ticket_id);
END
    """,
    """
CREATE TRIGGER fts_comment_insert_internal AFTER INSERT ON ticket_comment WHEN NEW.internal <> 0 BEGIN
  DELETE FROM fts_ticket_internal WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = NEW.ticket_id);
  INSERT INTO fts_ticket_internal (rowid, notes) SELECT k.id, n.notes FROM fts_ticket_key k, (SELECT (SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = NEW.ticket_id AND internal = 1 AND deleted_at IS NULL ORDER BY created_at, id)) AS notes) n WHERE k.ticket_id = NEW.ticket_id AND n.notes IS NOT NULL;
END
    """,
    """
CREATE TRIGGER fts_comment_update AFTER UPDATE OF ticket_id, body, internal, deleted_at ON ticket_comment BEGIN
  UPDATE fts_ticket SET comments = coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = OLD.ticket_id AND internal = 0 AND deleted_at IS NULL ORDER BY created_at, id)), '') WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = OLD.ticket_id);
  DELETE FROM fts_ticket_internal WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = OLD.ticket_id);
  INSERT INTO fts_ticket_internal (rowid, notes) SELECT k.id, n.notes FROM fts_ticket_key k, (SELECT (SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = OLD.ticket_id AND internal = 1 AND deleted_at IS NULL ORDER BY created_at, id)) AS notes) n WHERE k.ticket_id = OLD.ticket_id AND n.notes IS NOT NULL;
END
    """,
    """
CREATE TRIGGER fts_comment_move AFTER UPDATE OF ticket_id ON ticket_comment WHEN NEW.ticket_id <> OLD.ticket_id BEGIN
  UPDATE fts_ticket SET comments = coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = NEW.ticket_id AND internal = 0 AND deleted_at IS NULL ORDER BY created_at, id)), '') WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = NEW.ticket_id);
  DELETE FROM fts_ticket_internal WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = NEW.ticket_id);
  INSERT INTO fts_ticket_internal (rowid, notes) SELECT k.id, n.notes FROM fts_ticket_key k, (SELECT (SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = NEW.ticket_id AND internal = 1 AND deleted_at IS NULL ORDER BY created_at, id)) AS notes) n WHERE k.ticket_id = NEW.ticket_id AND n.notes IS NOT NULL;
END
    """,
    """
CREATE TRIGGER fts_comment_delete AFTER DELETE ON ticket_comment BEGIN
  UPDATE fts_ticket SET comments = coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = OLD.ticket_id AND internal = 0 AND deleted_at IS NULL ORDER BY created_at, id)), '') WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = OLD.ticket_id);
  DELETE FROM fts_ticket_internal WHERE rowid = (SELECT id FROM fts_ticket_key WHERE ticket_id = OLD.ticket_id);
  INSERT INTO fts_ticket_internal (rowid, notes) SELECT k.id, n.notes FROM fts_ticket_key k, (SELECT (SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = OLD.ticket_id AND internal = 1 AND deleted_at IS NULL ORDER BY created_at, id)) AS notes) n WHERE k.ticket_id = OLD.ticket_id AND n.notes IS NOT NULL;
END
    """,
)

# Index what is already there (an upgraded database with tickets).
POPULATE = (
    """
INSERT INTO fts_ticket_key (ticket_id) SELECT id FROM ticket ORDER BY created_at, id
    """,
    """
INSERT INTO fts_ticket (rowid, number, title, description, comments) SELECT k.id, CASE WHEN t.number IS NULL THEN '' ELSE 'ACR-' || t.number END, t.title, t.description, coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = t.id AND internal = 0 AND deleted_at IS NULL ORDER BY created_at, id)), '') FROM ticket t JOIN fts_ticket_key k ON k.ticket_id = t.id ORDER BY k.id
    """,
    """
INSERT INTO fts_ticket_internal (rowid, notes) SELECT k.id, (SELECT group_concat(body, char(10)) FROM (SELECT body FROM ticket_comment WHERE ticket_id = k.ticket_id AND internal = 1 AND deleted_at IS NULL ORDER BY created_at, id)) FROM fts_ticket_key k WHERE k.ticket_id IN (SELECT ticket_id FROM ticket_comment WHERE internal = 1 AND deleted_at IS NULL) ORDER BY k.id
    """,
    """
INSERT INTO fts_ticket (fts_ticket) VALUES ('optimize')
    """,
    """
INSERT INTO fts_ticket_internal (fts_ticket_internal) VALUES ('optimize')
    """,
)

TRIGGERS = (
    "fts_ticket_insert",
    "fts_ticket_update",
    "fts_ticket_rekey",
    "fts_ticket_delete",
    "fts_comment_insert_public",
    "fts_comment_insert_internal",
    "fts_comment_update",
    "fts_comment_move",
    "fts_comment_delete",
)
TABLES = ("fts_ticket", "fts_ticket_internal", "fts_ticket_key")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for stmt in (*CREATE, *POPULATE):
        op.execute(stmt.strip())


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name in TABLES:
        op.execute(f"DROP TABLE IF EXISTS {name}")
