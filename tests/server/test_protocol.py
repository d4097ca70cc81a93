"""The wire format: every message parses, and a bad frame says plainly what is wrong."""

from __future__ import annotations

import json

import pytest

from acero_desktop.sync import protocol as p


def test_protocol_module_imports_nothing_of_the_server() -> None:
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(p))
    imported = {
        (n.module or "") if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert not any(
        m.startswith(("acero_desktop", "fastapi", "sqlalchemy", "starlette")) for m in imported
    )


def test_versions() -> None:
    assert p.MIN_PROTOCOL_VERSION <= p.PROTOCOL_VERSION


@pytest.mark.parametrize(
    "message",
    [
        {"type": "hello", "protocol": 1, "token": "t", "client_id": "c", "cursor": None},
        {
            "type": "push",
            "mutations": [
                {"id": 1, "name": "ticket.create", "args": {}, "ts": "2026-01-01T00:00:00Z"}
            ],
        },
        {"type": "ping", "nonce": 3},
        {
            "type": "changes",
            "from": 1,
            "to": 4,
            "total": 1,
            "final": True,
            "rows": [{"seq": 4, "table": "ticket", "id": "x", "op": "delete", "row": None}],
        },
        {
            "type": "snapshot_page",
            "snapshot_seq": 3,
            "table": "user",
            "rows": [{}],
            "page": 1,
            "pages": 1,
            "total": 1,
        },
        {"type": "snapshot_done", "cursor": 3, "server_id": "s"},
        {"type": "push_result", "results": [{"id": 1, "status": "gap", "expected": 1}]},
        {"type": "pong", "nonce": None, "cursor": 9},
        {"type": "error", "code": "bad_frame", "message": "m"},
    ],
)
def test_every_message_round_trips(message: dict) -> None:
    parsed = p.parse_message(json.dumps(message))
    assert parsed.type == message["type"]
    again = json.loads(p.dump(parsed))
    for key, value in message.items():
        if key not in ("rows", "results", "mutations"):
            assert again[key] == value


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{", "not valid JSON"),
        ("42", "JSON object"),
        ('{"type": 5}', "no 'type'"),
        ('{"type": "nope"}', "Unknown message type"),
        ('{"type": "hello", "protocol": "one", "token": "t", "client_id": "c"}', "protocol"),
        ('{"type": "push", "mutations": [{"id": -1, "name": "x", "args": {}}]}', "mutations.0.id"),
    ],
)
def test_bad_frames_explain_themselves(raw: str, reason: str) -> None:
    with pytest.raises(p.ProtocolError) as info:
        p.parse_message(raw, types=p.CLIENT_TYPES)
    assert reason in info.value.reason


def test_server_messages_are_unexpected_from_a_client() -> None:
    with pytest.raises(p.ProtocolError) as info:
        p.parse_message('{"type": "welcome"}', types=p.CLIENT_TYPES)
    assert info.value.code == "unexpected"
