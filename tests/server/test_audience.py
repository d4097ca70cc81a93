"""The fan-out filter (``server.audience``) agrees with ``core.visibility`` row by row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from acero_desktop.core import visibility as vis
from acero_desktop.core.actor import load_actor
from acero_desktop.core.rowcodec import encode_row
from acero_desktop.models import (
    Attachment,
    KnowledgeArticle,
    Ticket,
    TicketComment,
    TicketHistory,
    User,
)
from acero_desktop.server.audience import (
    Viewer,
    load_internal_comments,
    load_ticket_facts,
    sees_row,
    sees_ticket,
)


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    from acero_desktop.server.db import Store
    from acero_desktop.store.demo import seed_demo

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('aud') / 'demo.db'}")
    seed_demo(store.engine, tickets=150, seed=7)
    yield store.engine
    store.dispose()


def test_predicates_agree_with_core_visibility(demo_engine: Engine) -> None:
    with Session(demo_engine) as s:
        users = list(s.scalars(select(User).where(User.active.is_(True)).order_by(User.username)))
        # The demo accounts (one per role) and a spread of the others.
        named = [u for u in users if u.username in ("agent", "lead", "admin", "requester")]
        sample = named + users[:: max(1, len(users) // 6)]
        tickets = list(s.scalars(select(Ticket)))
        facts = load_ticket_facts(s, [str(t.id) for t in tickets])
        comments = list(s.scalars(select(TicketComment)))
        internal = load_internal_comments(s, [str(c.id) for c in comments])
        history = list(s.scalars(select(TicketHistory).limit(600)))
        articles = list(s.scalars(select(KnowledgeArticle)))
        attachments = list(s.scalars(select(Attachment)))
        checked = 0
        for user in sample:
            actor = load_actor(s, user.id)
            viewer = Viewer.of(actor)
            for t in tickets:
                assert sees_ticket(viewer, facts[str(t.id)]) == vis.can_see_ticket(s, actor, t)
                checked += 1
            for c in comments:
                got = sees_row(
                    viewer, "ticket_comment", encode_row(c), facts[str(c.ticket_id)], internal
                )
                assert got == vis.can_see_comment(s, actor, c), (user.username, c.id)
            for h in history:
                got = sees_row(
                    viewer, "ticket_history", encode_row(h), facts[str(h.ticket_id)], internal
                )
                assert got == vis.can_see_history(s, actor, h)
            for a in articles:
                assert sees_row(
                    viewer, "knowledge_article", encode_row(a), None
                ) == vis.can_see_article(actor, a)
            for a in attachments:
                got = sees_row(
                    viewer, "attachment", encode_row(a), facts[str(a.ticket_id)], internal
                )
                assert got == vis.can_see_attachment(s, actor, a)
        assert checked > 1000
