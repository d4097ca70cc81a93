"""The ``acero`` command: the desktop client's entry point.

``acero [--server URL] [--user NAME] [--login]`` opens the client; ``acero demo`` starts an
embedded server with demo data and the client signed in to it; ``acero demo --no-gui`` only
builds and seeds a demo store and prints what it made. ``acero --selftest`` checks an installation
end to end (``ui/selftest.py``); ``acero --reset-cache`` empties the local cache but keeps the
changes not yet sent (``ui/reset.py``); ``acero server …`` runs ``acero-server`` (a PyInstaller
build ships one executable). Qt is imported only when a window opens, so ``acero --version`` and
``acero demo --no-gui`` stay quick.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from acero_desktop import __version__

# When this process began (near enough: this module is imported first), for the self-test's
# start-to-first-paint figure.
STARTED = time.perf_counter()


def client_main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["server"]:
        from acero_desktop.server.cli import main as server_main

        return server_main(args_list[1:])
    parser = _parser()
    if "--selftest" in args_list or "--reset-cache" in args_list:
        args = parser.parse_args(args_list)
        if args.selftest:
            from acero_desktop.ui.selftest import run_selftest

            return run_selftest(STARTED)
        from acero_desktop.ui.reset import reset_main

        return reset_main(args.server, args.user)
    if args_list[:1] != ["demo"] and not {"-h", "--help", "--version"} & set(args_list):
        from acero_desktop.ui.main import run_client

        return run_client(args_list)
    args = parser.parse_args(args_list)
    if args.command == "demo":
        if args.no_gui:
            return _demo(args)
        from acero_desktop.ui.main import run_demo

        gui_args = ["--tickets", str(args.tickets), "--as", args.role]
        if args.template is not None:
            gui_args += ["--template", str(args.template)]
        return run_demo(gui_args)
    parser.print_help()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acero", description="Acero Desktop: the ticket system of the Acero platform."
    )
    parser.add_argument("--version", action="version", version=f"acero {__version__}")
    parser.add_argument("--server", help="server URL, e.g. https://acero.example.org:8765")
    parser.add_argument("--user", help="user name")
    parser.add_argument("--login", action="store_true", help="sign in again (another account)")
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="check this installation end to end (in a temporary folder) and exit",
    )
    parser.add_argument(
        "--reset-cache",
        action="store_true",
        help="empty the local cache, keeping changes not yet sent; the next start downloads "
        "everything again (the signed-in account, or --server/--user)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "server",
        help="run acero-server's commands (acero server --help)",
        add_help=False,
    )
    demo = commands.add_parser(
        "demo",
        help="try Acero on this machine with realistic demo data",
        description="Create a store seeded with demo data (departments, teams, agents, "
        "tickets in every state, comments, tasks, SLA policies, knowledge articles).",
    )
    demo.add_argument(
        "--tickets", type=_ticket_count, default=300, help="tickets to make (default 300)"
    )
    demo.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    demo.add_argument(
        "--db",
        type=Path,
        help="SQLite file to create (default: a temporary one, removed on exit)",
    )
    demo.add_argument("--no-gui", action="store_true", help="seed and report; do not open a window")
    demo.add_argument(
        "--as",
        dest="role",
        choices=["agent", "requester", "lead", "admin"],
        default="agent",
        help="whom the client signs in as (default: agent; the Demo menu switches)",
    )
    demo.add_argument("--template", type=Path, help="an already seeded server database to copy")
    return parser


def _ticket_count(text: str) -> int:
    from acero_desktop.store.demo import MAX_TICKETS

    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= MAX_TICKETS:
        raise argparse.ArgumentTypeError(f"choose between 1 and {MAX_TICKETS:,} tickets")
    return value


def _demo(args: argparse.Namespace) -> int:
    # Imported here so `acero --version` stays instant.
    from acero_desktop.store import make_engine, upgrade
    from acero_desktop.store.demo import seed_demo
    from acero_desktop.store.engine import sqlite_url

    temp_dir = None
    if args.db is None:
        temp_dir = Path(tempfile.mkdtemp(prefix="acero-demo-"))
        path = temp_dir / "acero-demo.db"
    else:
        path = args.db
        if path.exists():
            print(f"acero demo: {path} already exists; choose a new file.", file=sys.stderr)
            return 1
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = make_engine(sqlite_url(path))
        try:
            upgrade(engine)
            print(f"Seeding {args.tickets:,} demo tickets (seed {args.seed}) into {path}")
            summary = seed_demo(
                engine, tickets=args.tickets, seed=args.seed, progress=_Progress(sys.stderr)
            )
        finally:
            engine.dispose()
        print(summary.table())
        print(f"\nMade {summary.total_rows:,} rows in {summary.seconds:.1f} s.")
        if temp_dir is not None:
            print("The temporary store is removed now; pass --db PATH to keep one.")
        return 0
    finally:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)


class _Progress:
    """Progress on stderr: one updating line on a terminal, a line per stage otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        finished = done >= total
        if self.tty:
            now = time.monotonic()
            if finished or now - self.last > 0.2:
                self.last = now
                end = "\n" if finished else ""
                self.stream.write(f"\r  {stage:<13} {done:>9,} / {total:,}{end}")
                self.stream.flush()
        elif finished:
            self.stream.write(f"  {stage:<13} {done:>9,} / {total:,}\n")
            self.stream.flush()


if __name__ == "__main__":
    sys.exit(client_main())
