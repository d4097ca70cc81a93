"""Entry points the ``acero`` and ``acero demo`` commands call."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import qasync

from .crash import configure_logging

log = logging.getLogger("acero.ui")


def run_client(argv: Sequence[str]) -> int:
    """The desktop client; returns the process exit code."""
    from .app import client_main, make_app, parse_client_args
    from .single_instance import SingleInstance, instance_name

    args = parse_client_args(argv)
    configure_logging()
    app = make_app(argv)
    instance = SingleInstance(instance_name("client"))
    if not instance.claim():
        print("Acero is already running; its window was brought to the front.", file=sys.stderr)
        return 0
    try:
        return int(qasync.run(client_main(app, args, instance)))
    finally:
        instance.release()


def run_demo(argv: Sequence[str]) -> int:
    """``acero demo``: an embedded server with demo data and the client signed in to it."""
    from .app import make_app
    from .demo import demo_main, parse_demo_args
    from .single_instance import SingleInstance, instance_name

    args = parse_demo_args(argv)
    configure_logging()
    app = make_app(argv)
    instance = SingleInstance(instance_name("demo"))
    if not instance.claim():
        print("The Acero demo is already running; it was brought to the front.", file=sys.stderr)
        return 0
    try:
        return int(qasync.run(demo_main(app, args, instance)))
    finally:
        instance.release()
