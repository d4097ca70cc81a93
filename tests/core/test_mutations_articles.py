"""Knowledge articles: drafted by staff, published by a lead or an admin."""

from __future__ import annotations

import pytest

from acero_desktop.core.errors import NotFound, PermissionDenied
from acero_desktop.models import ArticleState, KnowledgeArticle, TicketStatus

from .conftest import T0, Org, uid

ARTICLE = uid("article")


def draft(org: Org, who: str = "alice", **extra: object) -> KnowledgeArticle:
    args = {"id": str(ARTICLE), "title": "Resetting the VPN", "body": "1. Open...", **extra}
    org.apply(who, "article.create", args)
    article = org.session.get(KnowledgeArticle, ARTICLE)
    assert article is not None
    return article


def test_an_agent_drafts_an_article(org: Org) -> None:
    article = draft(org)
    assert (article.state, article.author_id, article.created_at) == (
        ArticleState.DRAFT,
        org.alice,
        T0,
    )


def test_an_article_can_capture_a_ticket_the_author_sees(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.RESOLVED)
    assert draft(org, source_ticket_id=str(ticket.id)).source_ticket_id == ticket.id


def test_an_article_cannot_cite_a_ticket_the_author_cannot_see(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.RESOLVED)
    with pytest.raises(NotFound):
        draft(org, "carl", source_ticket_id=str(ticket.id))


def test_requesters_do_not_write_articles(org: Org) -> None:
    with pytest.raises(PermissionDenied, match="Only support staff can write"):
        draft(org, "rita")


def test_the_author_edits_their_draft(org: Org) -> None:
    draft(org)
    org.apply("alice", "article.update", {"id": str(ARTICLE), "title": "VPN reset"})
    article = org.session.get(KnowledgeArticle, ARTICLE)
    assert article is not None
    assert article.title == "VPN reset"


def test_another_agent_may_not_edit_the_draft(org: Org) -> None:
    draft(org)
    with pytest.raises(PermissionDenied, match="Only its author, a team lead or an admin"):
        org.apply("bob", "article.update", {"id": str(ARTICLE), "title": "Mine now"})


def test_the_author_cannot_publish_their_own_draft(org: Org) -> None:
    draft(org)
    with pytest.raises(PermissionDenied, match="Only a team lead or an admin can publish"):
        org.apply("alice", "article.publish", {"id": str(ARTICLE)})


def test_a_lead_publishes_a_draft(org: Org) -> None:
    article = draft(org)
    org.apply("dan", "article.publish", {"id": str(ARTICLE)})
    assert (article.state, article.published_at) == (ArticleState.PUBLISHED, T0)


def test_requesters_do_not_see_drafts(org: Org) -> None:
    draft(org)
    with pytest.raises(NotFound):
        org.apply("rita", "article.update", {"id": str(ARTICLE), "title": "x"})


def test_an_admin_archives_an_article(org: Org) -> None:
    article = draft(org)
    org.apply("ada", "article.archive", {"id": str(ARTICLE)})
    assert article.state is ArticleState.ARCHIVED
