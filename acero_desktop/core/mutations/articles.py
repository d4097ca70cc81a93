"""Knowledge articles: drafts by staff, published or archived by a lead or an admin.

Publishing is a review step: the author cannot publish their own draft unless they lead a team,
so every article everyone reads had a second pair of eyes. Published articles are visible to
all staff members (requesters included); drafts and archived ones to staff only.
"""

from __future__ import annotations

import uuid

from acero_desktop.models import ArticleState, KnowledgeArticle, TicketCategory

from ..errors import Conflict, NotFound, ValidationFailed
from ..permissions import (
    person,
    require,
    why_not_edit_article,
    why_not_publish_article,
    why_not_write_articles,
)
from ..visibility import can_see_article, require_ticket
from .argtypes import ArticleBody, Title
from .base import MutationArgs, MutationContext, mutation

ARTICLE_NOT_FOUND = "That article does not exist, or you do not have access to it."


class CreateArticle(MutationArgs):
    id: uuid.UUID
    title: Title
    body: ArticleBody
    category_id: uuid.UUID | None = None
    # The ticket whose resolution the article captures ("turn this into an article").
    source_ticket_id: uuid.UUID | None = None


class UpdateArticle(MutationArgs):
    """Only given fields change; an explicit null clears the category."""

    id: uuid.UUID
    title: Title | None = None
    body: ArticleBody | None = None
    category_id: uuid.UUID | None = None


class ArticleRef(MutationArgs):
    id: uuid.UUID


@mutation("article.create", CreateArticle)
def create_article(ctx: MutationContext, args: CreateArticle) -> None:
    session, actor = ctx.session, ctx.actor
    require(why_not_write_articles(actor))
    if session.get(KnowledgeArticle, args.id) is not None:
        raise Conflict("This article has already been created.")
    if args.source_ticket_id is not None:
        require_ticket(session, actor, args.source_ticket_id)
    _check_category(ctx, args.category_id)
    session.add(
        KnowledgeArticle(
            id=args.id,
            title=args.title,
            body=args.body,
            state=ArticleState.DRAFT,
            category_id=args.category_id,
            author_id=person(actor),
            source_ticket_id=args.source_ticket_id,
            created_at=ctx.at,
            updated_at=ctx.at,
            published_at=None,
        )
    )


@mutation("article.update", UpdateArticle)
def update_article(ctx: MutationContext, args: UpdateArticle) -> None:
    article = _require_article(ctx, args.id)
    require(why_not_edit_article(ctx.actor, article))
    changed = False
    if args.title is not None and args.title != article.title:
        article.title, changed = args.title, True
    if args.body is not None and args.body != article.body:
        article.body, changed = args.body, True
    if "category_id" in args.model_fields_set and args.category_id != article.category_id:
        _check_category(ctx, args.category_id)
        article.category_id, changed = args.category_id, True
    if changed:
        article.updated_at = ctx.at


@mutation("article.publish", ArticleRef)
def publish_article(ctx: MutationContext, args: ArticleRef) -> None:
    article = _require_article(ctx, args.id)
    require(why_not_publish_article(ctx.actor, article))
    if article.state is ArticleState.PUBLISHED:
        return
    article.state = ArticleState.PUBLISHED
    article.published_at = ctx.at
    article.updated_at = ctx.at


@mutation("article.archive", ArticleRef)
def archive_article(ctx: MutationContext, args: ArticleRef) -> None:
    """Withdraw an article from everyone but staff (it stays searchable for them)."""
    article = _require_article(ctx, args.id)
    require(why_not_publish_article(ctx.actor, article))
    if article.state is ArticleState.ARCHIVED:
        return
    article.state = ArticleState.ARCHIVED
    article.updated_at = ctx.at


def _require_article(ctx: MutationContext, article_id: uuid.UUID) -> KnowledgeArticle:
    article = ctx.session.get(KnowledgeArticle, article_id)
    if article is None or not can_see_article(ctx.actor, article):
        raise NotFound(ARTICLE_NOT_FOUND)
    return article


def _check_category(ctx: MutationContext, category_id: uuid.UUID | None) -> None:
    if category_id is not None and ctx.session.get(TicketCategory, category_id) is None:
        raise ValidationFailed("That category does not exist.", field="category_id")
