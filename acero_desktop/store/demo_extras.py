"""What the demo adds around the tickets: knowledge articles, saved searches, notifications."""

from __future__ import annotations

from . import demo_vocab as vocab
from .demo_org import Org
from .demo_rows import Codec, Row
from .demo_schedule import DAY, HOUR, PERIOD_DAYS
from .demo_tickets import KnowledgeSource, Notice

ARTICLES = 40
NOTIFICATIONS_PER_ACCOUNT = 14
UNREAD_PER_ACCOUNT = 5


def knowledge_articles(
    org: Org, codec: Codec, sources: dict[str, list[KnowledgeSource]], now: int
) -> list[Row]:
    """About 40 articles: the how-tos of the vocabulary, then ones captured from resolutions."""
    rng = codec.rng
    rows: list[Row] = []
    for cat in org.categories:
        if cat.leaf is None:
            continue
        for title in cat.leaf.articles:
            linked = sources.get(cat.name, [])
            source = linked[0] if linked and rng.random() < 0.4 else None
            author = source.author if source else rng.choice(cat.team.members)
            created = source.at if source else now - rng.randrange(20 * DAY, PERIOD_DAYS * DAY)
            topic = title[0].lower() + title[1:]
            intro = rng.choice(vocab.ARTICLE_INTRO).format(topic_lower=topic)
            steps = rng.sample(vocab.ARTICLE_STEPS, 4)
            body = f"# {title}\n\n{intro}\n\n" + "\n".join(
                f"{i}. {step}" for i, step in enumerate(steps, 1)
            )
            rows.append(_article(codec, cat.id, title, body, author.id, source, created, now))
    captured = [s for per_cat in sources.values() for s in per_cat[1:]]
    rng.shuffle(captured)
    for source in captured[: max(0, ARTICLES - len(rows))]:
        first_sentence = source.resolution.split(";")[0].split(". ")[0].rstrip(".")
        title = f"{source.category.name}: {first_sentence}"[:200]
        body = (
            f"# {title}\n\n## Symptoms\n\nFirst reported in {source.label}.\n\n"
            f"## Resolution\n\n{source.resolution}\n"
        )
        rows.append(
            _article(
                codec, source.category.id, title, body, source.author.id, source, source.at, now
            )
        )
    return rows


def _article(
    codec: Codec,
    category_id: object,
    title: str,
    body: str,
    author_id: object,
    source: KnowledgeSource | None,
    created: int,
    now: int,
) -> Row:
    rng = codec.rng
    published = rng.random() < 0.7
    published_at = min(created + rng.randrange(HOUR, 5 * DAY), now - 1) if published else None
    updated = published_at or created
    return (
        codec.new_id(created),
        title,
        body,
        "published" if published else "draft",
        category_id,
        author_id,
        source.ticket_id if source else None,
        codec.ts(created),
        codec.ts(updated),
        codec.ts(published_at),
    )


def saved_searches(org: Org, codec: Codec, now: int) -> list[Row]:
    rows: list[Row] = []
    for username, searches in vocab.SAVED_SEARCHES.items():
        owner = org.people[username]
        for position, (name, query) in enumerate(searches):
            at = now - (30 - position) * DAY
            rows.append(
                (codec.new_id(at), owner.id, name, query, position, codec.ts(at), codec.ts(at))
            )
    return rows


def notifications(org: Org, codec: Codec, notices: list[Notice], now: int) -> list[Row]:
    """The latest notices of each demo account; all but the newest few already read."""
    rng = codec.rng
    rows: list[Row] = []
    by_user: dict[str, list[Notice]] = {}
    for notice in notices:
        by_user.setdefault(notice.user, []).append(notice)
    admin = org.people["admin"]
    system_notes = (
        "Nightly backup of the ticket store finished.",
        "3 e-mails were quarantined by the e-mail gateway.",
        "The SLA policy 'Critical infrastructure' was edited by Tomás Ferreira.",
    )
    by_user.setdefault("admin", []).extend(
        Notice(now - (i + 1) * 20 * HOUR, "admin", None, "system", text)
        for i, text in enumerate(system_notes)
    )
    for username in sorted(by_user):
        person = org.people[username] if username != "admin" else admin
        latest = sorted(by_user[username], key=lambda n: n.at)[-NOTIFICATIONS_PER_ACCOUNT:]
        for i, notice in enumerate(latest):
            unread = i >= len(latest) - UNREAD_PER_ACCOUNT
            read_at = None if unread else min(notice.at + rng.randrange(60, 8 * HOUR), now - 1)
            emailed = notice.kind in ("sla_breach", "sla_warning", "resolved")
            rows.append(
                (
                    codec.new_id(notice.at),
                    person.id,
                    notice.ticket_id,
                    notice.kind,
                    notice.message,
                    codec.ts(notice.at),
                    codec.ts(read_at),
                    codec.ts(min(notice.at + 60, now) if emailed else None),
                )
            )
    return rows
