"""``acero-server``: serve, and administer users, teams and categories.

Every subcommand takes ``--db URL`` (default: the store ``serve`` uses, see ``config``). Admin
writes go through the change log like any other change, so connected clients see a new user or
team; changes to access (disable, role, password, team membership) also bump the auth epoch;
every serving process hears of it (NOTIFY on PostgreSQL, else its poll) and closes the sockets
it concerns.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.core.rowcodec import encode_row
from acero_desktop.models import Base, Role, Team, TeamMember, TicketCategory, User
from acero_desktop.store.migrate import SchemaTooNew

from .capture import Change
from .config import DEFAULT_PORT, ServerConfig, default_data_dir, default_db_url
from .db import Store, bump_auth_epoch, mark_out_of_band, utcnow
from .push import number_and_log


class CliError(Exception):
    pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SchemaTooNew as exc:
        print(f"acero-server: {exc}", file=sys.stderr)
        return 3
    except CliError as exc:
        print(f"acero-server: {exc}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="acero-server", description="The Acero shared server.")
    sub = parser.add_subparsers(dest="command")

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", help="database URL (default: SQLite in the data dir)")
        p.add_argument("--data-dir", type=Path, help="where the store and attachments live")
        return p

    serve = with_db(sub.add_parser("serve", help="run the server"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    serve.add_argument("--port-file", type=Path, help="write the bound port here once listening")
    serve.add_argument("--certfile")
    serve.add_argument("--keyfile")
    serve.add_argument("--log-json", action="store_true", help="one JSON object per log line")
    serve.add_argument("--log-level", default="INFO")
    serve.add_argument("--token-ttl", type=int, help="token lifetime in seconds")
    serve.add_argument(
        "--poll-interval",
        type=float,
        default=1.0,
        help="seconds between reads of the change-log head and the auth epoch written by others"
        " when nothing notifies this process (SQLite; PostgreSQL while LISTEN is down)",
    )
    serve.add_argument(
        "--listen-poll-interval",
        type=float,
        default=5.0,
        help="PostgreSQL: the fallback poll's interval while LISTEN/NOTIFY is connected"
        " (never shorter than --poll-interval)",
    )
    serve.add_argument(
        "--no-listen",
        dest="listen",
        action="store_false",
        help="PostgreSQL: do not LISTEN for other processes' commits; poll only",
    )
    serve.add_argument("--idle-timeout", type=float)
    serve.add_argument("--max-frame-bytes", type=int)
    serve.add_argument("--max-batch", type=int)
    serve.add_argument("--rate", type=float, help="messages per second per connection")
    serve.add_argument("--burst", type=int, help="messages allowed in a burst (default 2 x rate)")
    serve.add_argument("--max-attachment-bytes", type=int)
    serve.set_defaults(func=cmd_serve)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action")
    add = with_db(user.add_parser("add"))
    add.add_argument("username")
    add.add_argument("--email", required=True)
    add.add_argument("--name")
    add.add_argument("--role", choices=[r.value for r in Role], default="requester")
    add.add_argument("--team", action="append", default=[])
    add.add_argument("--password-stdin", action="store_true")
    add.set_defaults(func=cmd_user_add)
    lst = with_db(user.add_parser("list"))
    lst.set_defaults(func=cmd_user_list)
    for name, func in (("disable", cmd_user_disable), ("enable", cmd_user_enable)):
        p = with_db(user.add_parser(name))
        p.add_argument("username")
        p.set_defaults(func=func)
    pw = with_db(user.add_parser("passwd"))
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")
    pw.set_defaults(func=cmd_user_passwd)
    role = with_db(user.add_parser("role"))
    role.add_argument("username")
    role.add_argument("role", choices=[r.value for r in Role])
    role.set_defaults(func=cmd_user_role)

    team = sub.add_parser("team", help="manage teams").add_subparsers(dest="action")
    tadd = with_db(team.add_parser("add"))
    tadd.add_argument("name")
    tadd.add_argument("--lead")
    tadd.add_argument("--email")
    tadd.set_defaults(func=cmd_team_add)
    with_db(team.add_parser("list")).set_defaults(func=cmd_team_list)
    for name, func in (("add-member", cmd_team_add_member), ("remove-member", cmd_team_remove)):
        p = with_db(team.add_parser(name))
        p.add_argument("team")
        p.add_argument("username")
        p.set_defaults(func=func)

    cat = sub.add_parser("category", help="manage categories").add_subparsers(dest="action")
    cadd = with_db(cat.add_parser("add"))
    cadd.add_argument("name")
    cadd.add_argument("--parent")
    cadd.add_argument("--team", help="default team")
    cadd.add_argument("--auto-assign", action="store_true")
    cadd.set_defaults(func=cmd_category_add)
    with_db(cat.add_parser("list")).set_defaults(func=cmd_category_list)

    seed = with_db(sub.add_parser("seed-demo", help="fill the store with demo data"))
    seed.add_argument("--tickets", type=int, default=300)
    seed.add_argument("--seed", type=int, default=1)
    seed.add_argument(
        "--password", default="demo-password", help="password given to every demo user"
    )
    seed.set_defaults(func=cmd_seed_demo)

    compact = with_db(sub.add_parser("compact", help="drop old change-log entries"))
    compact.add_argument(
        "--keep", type=int, required=True, help="sequence numbers to keep below the head"
    )
    compact.set_defaults(func=cmd_compact)

    new_id = with_db(
        sub.add_parser(
            "new-id",
            help="give the store a new server id (after restoring a backup by hand)",
            description="Run after restoring a backup this server could not notice (a store "
            "moved in from another machine, a database restored while no server ran here): "
            "every client rebuilds its cache from a snapshot and keeps its pending changes.",
        )
    )
    new_id.set_defaults(func=cmd_new_id)

    check = with_db(sub.add_parser("check", help="check the store's integrity"))
    check.set_defaults(func=cmd_check)
    return parser


# --- helpers ------------------------------------------------------------------------------


def _db_url(args: argparse.Namespace) -> str:
    data_dir = args.data_dir or default_data_dir()
    if args.db:
        return str(args.db)
    data_dir.mkdir(parents=True, exist_ok=True)
    return default_db_url(data_dir)


def _store(args: argparse.Namespace) -> Store:
    return Store(_db_url(args))


def _read_password(args: argparse.Namespace) -> str:
    if not args.password_stdin:
        raise CliError("give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        raise CliError("a password needs at least 8 characters")
    return password


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise CliError(f"no user named {username!r}")
    return user


def _team(session: Session, name: str) -> Team:
    team = session.scalars(select(Team).where(Team.name == name)).first()
    if team is None:
        raise CliError(f"no team named {name!r}")
    return team


def log_rows(session: Session, upserts: Sequence[Base] = (), deletes: Sequence[Base] = ()) -> None:
    """Append admin writes to the change log (in the same transaction)."""
    session.flush()
    changes = [
        Change(o.__tablename__, str(o.id), "upsert", encode_row(o), None, None)  # type: ignore[attr-defined]
        for o in upserts
    ]
    changes += [
        Change(o.__tablename__, str(o.id), "delete", None, encode_row(o), None)  # type: ignore[attr-defined]
        for o in deletes
    ]
    number_and_log(
        session,
        changes,
        actor_id=None,
        client_id="cli",
        origins=[(None, len(changes))],
        now=utcnow(),
    )


def _run(args: argparse.Namespace, fn: Any) -> Any:
    store = _store(args)
    try:
        with store.write_session() as session:
            return fn(session)
    finally:
        store.dispose()


# --- user ---------------------------------------------------------------------------------


def cmd_user_add(args: argparse.Namespace) -> int:
    from .auth import set_password

    password = _read_password(args)

    def run(session: Session) -> None:
        if session.scalars(select(User).where(User.username == args.username)).first():
            raise CliError(f"user {args.username!r} exists already")
        user = User(
            id=uuid.uuid4(),
            username=args.username,
            name=args.name or args.username,
            email=args.email,
            role=Role(args.role),
            created_at=utcnow(),
        )
        session.add(user)
        session.flush()
        set_password(session, user.id, password)
        members = []
        for team_name in args.team:
            team = _team(session, team_name)
            member = TeamMember(id=uuid.uuid4(), team_id=team.id, user_id=user.id)
            session.add(member)
            members.append(member)
        log_rows(session, [user, *members])
        print(f"added {user.role.value} {user.username} ({user.id})")

    _run(args, run)
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    def run(session: Session) -> None:
        for user in session.scalars(select(User).order_by(User.username)):
            state = "active" if user.active else "disabled"
            print(f"{user.username}\t{user.role.value}\t{state}\t{user.email}\t{user.id}")

    _run(args, run)
    return 0


def _set_active(args: argparse.Namespace, active: bool) -> int:
    from .auth import revoke_all

    def run(session: Session) -> None:
        user = _user(session, args.username)
        user.active = active
        if not active:
            revoke_all(session, user.id)
        bump_auth_epoch(session)
        log_rows(session, [user])
        print(f"{user.username} {'enabled' if active else 'disabled'}")

    _run(args, run)
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    return _set_active(args, False)


def cmd_user_enable(args: argparse.Namespace) -> int:
    return _set_active(args, True)


def cmd_user_passwd(args: argparse.Namespace) -> int:
    from .auth import set_password

    password = _read_password(args)

    def run(session: Session) -> None:
        user = _user(session, args.username)
        set_password(session, user.id, password)
        bump_auth_epoch(session)
        print(f"password of {user.username} changed; their sessions were ended")

    _run(args, run)
    return 0


def cmd_user_role(args: argparse.Namespace) -> int:
    def run(session: Session) -> None:
        user = _user(session, args.username)
        user.role = Role(args.role)
        bump_auth_epoch(session)
        log_rows(session, [user])
        print(f"{user.username} is now {user.role.value}")

    _run(args, run)
    return 0


# --- team and category --------------------------------------------------------------------


def cmd_team_add(args: argparse.Namespace) -> int:
    def run(session: Session) -> None:
        if session.scalars(select(Team).where(Team.name == args.name)).first():
            raise CliError(f"team {args.name!r} exists already")
        lead = _user(session, args.lead) if args.lead else None
        team = Team(
            id=uuid.uuid4(), name=args.name, lead_id=lead.id if lead else None, email=args.email
        )
        session.add(team)
        if lead is not None:
            bump_auth_epoch(session)
        log_rows(session, [team])
        print(f"added team {team.name} ({team.id})")

    _run(args, run)
    return 0


def cmd_team_list(args: argparse.Namespace) -> int:
    def run(session: Session) -> None:
        for team in session.scalars(select(Team).order_by(Team.name)):
            members = session.scalars(
                select(User.username)
                .join(TeamMember, TeamMember.user_id == User.id)
                .where(TeamMember.team_id == team.id)
                .order_by(User.username)
            ).all()
            print(f"{team.name}\t{team.id}\t{','.join(members)}")

    _run(args, run)
    return 0


def cmd_team_add_member(args: argparse.Namespace) -> int:
    def run(session: Session) -> None:
        team = _team(session, args.team)
        user = _user(session, args.username)
        exists = session.scalars(
            select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id)
        ).first()
        if exists:
            raise CliError(f"{user.username} is in {team.name} already")
        member = TeamMember(id=uuid.uuid4(), team_id=team.id, user_id=user.id)
        session.add(member)
        bump_auth_epoch(session)
        log_rows(session, [member])
        print(f"{user.username} joined {team.name}")

    _run(args, run)
    return 0


def cmd_team_remove(args: argparse.Namespace) -> int:
    def run(session: Session) -> None:
        team = _team(session, args.team)
        user = _user(session, args.username)
        member = session.scalars(
            select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id)
        ).first()
        if member is None:
            raise CliError(f"{user.username} is not in {team.name}")
        session.delete(member)
        bump_auth_epoch(session)
        log_rows(session, deletes=[member])
        print(f"{user.username} left {team.name}")

    _run(args, run)
    return 0


def cmd_category_add(args: argparse.Namespace) -> int:
    def run(session: Session) -> None:
        parent = None
        if args.parent:
            parent = session.scalars(
                select(TicketCategory).where(TicketCategory.name == args.parent)
            ).first()
            if parent is None:
                raise CliError(f"no category named {args.parent!r}")
        team = _team(session, args.team) if args.team else None
        cat = TicketCategory(
            id=uuid.uuid4(),
            name=args.name,
            parent_id=parent.id if parent else None,
            default_team_id=team.id if team else None,
            auto_assign=bool(args.auto_assign),
        )
        session.add(cat)
        log_rows(session, [cat])
        print(f"added category {cat.name} ({cat.id})")

    _run(args, run)
    return 0


def cmd_category_list(args: argparse.Namespace) -> int:
    def run(session: Session) -> None:
        for cat in session.scalars(select(TicketCategory).order_by(TicketCategory.name)):
            print(f"{cat.name}\t{cat.id}\tparent={cat.parent_id}\tteam={cat.default_team_id}")

    _run(args, run)
    return 0


# --- seed, check, serve -------------------------------------------------------------------


def cmd_seed_demo(args: argparse.Namespace) -> int:
    """Demo data, and one password for every demo account that has none.

    The accounts share ONE argon2id hash (same salt): hashing hundreds of demo users one by
    one costs minutes, and these are throwaway demo logins, never real people.
    """
    from acero_desktop.store.demo import seed_demo

    from .auth import hash_password
    from .tables import Credential

    store = _store(args)
    try:
        summary = seed_demo(store.engine, tickets=args.tickets, seed=args.seed)
        shared = hash_password(args.password)
        with store.write_session() as session:
            have = set(session.scalars(select(Credential.user_id)))
            now = utcnow()
            for user_id in session.scalars(select(User.id)):
                if user_id not in have:
                    session.add(Credential(user_id=user_id, password_hash=shared, changed_at=now))
            # The seed wrote rows behind the change log: every client re-snapshots.
            mark_out_of_band(session)
            bump_auth_epoch(session)
    finally:
        store.dispose()
    print(summary.table())
    print(f"every demo account's password: {args.password}")
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    """Delete log entries older than head - keep; clients below that re-snapshot."""
    from sqlalchemy import delete, update

    from .db import head_and_floor
    from .tables import ChangeLog, SyncHead

    def run(session: Session) -> None:
        head, floor = head_and_floor(session)
        new_floor = max(floor, head - max(0, args.keep))
        result = session.execute(delete(ChangeLog).where(ChangeLog.seq <= new_floor))
        gone = getattr(result, "rowcount", 0)
        session.execute(update(SyncHead).where(SyncHead.id == 1).values(floor=new_floor))
        print(f"removed {gone} log entries; clients older than seq {new_floor} will re-snapshot")

    _run(args, run)
    return 0


def cmd_new_id(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        old = store.server_id
        new = store.new_server_id()
    finally:
        store.dispose()
    print(f"server id {old} -> {new}; clients rebuild their caches at their next sync")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .check import run_checks

    store = _store(args)
    try:
        problems = run_checks(store)
    finally:
        store.dispose()
    for line in problems:
        print(f"problem: {line}")
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's bound listener.

    IPPROTO_TCP is named explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the
    listener's protocol says TCP. With Nagle on, every small answer (a push result, a pong)
    waited ~40 ms for the client's delayed ACK: one client pushing one change at a time got
    18 a second.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from . import logging as slog
    from .app import create_app

    data_dir: Path = args.data_dir or default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    config = ServerConfig(
        db_url=args.db or default_db_url(data_dir),
        data_dir=data_dir,
        host=args.host,
        port=args.port,
        certfile=args.certfile,
        keyfile=args.keyfile,
        log_json=args.log_json,
        log_level=args.log_level,
        poll_interval=args.poll_interval,
        listen=args.listen,
        listen_poll_interval=args.listen_poll_interval,
    )
    if args.token_ttl:
        config.auth.token_ttl_seconds = args.token_ttl
    for attr, value in (
        ("idle_timeout", args.idle_timeout),
        ("max_frame_bytes", args.max_frame_bytes),
        ("max_batch", args.max_batch),
        ("messages_per_second", args.rate),
        ("max_attachment_bytes", args.max_attachment_bytes),
    ):
        if value is not None:
            setattr(config.limits, attr, value)
    if args.rate is not None:
        config.limits.burst = args.burst or max(1, int(args.rate * 2))
    elif args.burst is not None:
        config.limits.burst = args.burst
    if bool(args.certfile) != bool(args.keyfile):
        raise CliError("--certfile and --keyfile go together")
    slog.configure(as_json=config.log_json, level=config.log_level)
    app = create_app(config)
    sock = listening_socket(config.host, config.port)
    port = sock.getsockname()[1]
    uv_config = uvicorn.Config(
        app,
        ws="websockets-sansio",
        ws_max_size=max(16 << 20, config.limits.max_frame_bytes * 4),
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        log_config=None,
        access_log=False,
        ssl_certfile=config.certfile,
        ssl_keyfile=config.keyfile,
        timeout_graceful_shutdown=10,
        lifespan="on",
    )
    server = _Server(uv_config, app.state.acero)
    scheme = "https" if config.certfile else "http"
    from .logging import event

    event("server.listening", url=f"{scheme}://{config.host}:{port}", port=port)
    if args.port_file:
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(str(port))
        tmp.replace(args.port_file)
    asyncio.run(server.serve(sockets=[sock]))
    return 0


class _Server:
    """uvicorn's server, closing our sockets with 1001 and a reason before it stops."""

    def __new__(cls, config: Any, state: Any) -> Any:
        import uvicorn

        class Server(uvicorn.Server):
            async def shutdown(self, sockets: Any = None) -> None:
                await state.shutdown()
                await super().shutdown(sockets)

        return Server(config)


if __name__ == "__main__":
    sys.exit(main())
