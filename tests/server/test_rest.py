"""The REST API: tickets with filters, search, sort and paging; edits; attachments; directory."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.server.harness import ServerProcess, World, WsClient


@pytest.fixture(scope="module")
def tickets(server: ServerProcess, world: World) -> list[dict]:
    made = []
    with server.http(server.login("requester")) as h:
        for i in range(7):
            cat = "VPN" if i % 2 == 0 else "Chairs"
            r = h.post(
                "/api/tickets",
                json={
                    "title": f"Rest ticket {i}",
                    "category_id": world.categories[cat],
                    "priority": "high" if i < 3 else "low",
                },
            )
            assert r.status_code == 201, r.text
            made.append(r.json())
    return made


def test_create_numbers_the_ticket_and_routes_it(tickets: list[dict], world: World) -> None:
    numbers = [t["number"] for t in tickets]
    assert all(isinstance(n, int) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert tickets[0]["team_id"] == world.teams["Network"]
    assert tickets[1]["team_id"] == world.teams["Facilities"]


def test_get_by_uuid_or_acr_number(server: ServerProcess, tickets: list[dict]) -> None:
    t = tickets[0]
    with server.http(server.login("requester")) as h:
        assert h.get(f"/api/tickets/{t['id']}").json()["id"] == t["id"]
        assert h.get(f"/api/tickets/ACR-{t['number']}").json()["id"] == t["id"]
        assert h.get(f"/api/tickets/acr-{t['number']}").json()["id"] == t["id"]
        assert h.get("/api/tickets/ACR-0").status_code == 404


def test_filters_sort_and_cursor_paging(
    server: ServerProcess, tickets: list[dict], world: World
) -> None:
    with server.http(server.login("admin")) as h:
        high = h.get("/api/tickets", params={"priority": "high", "requester": "requester"}).json()[
            "items"
        ]
        assert {t["id"] for t in high} >= {t["id"] for t in tickets[:3]}
        assert all(t["priority"] == "high" for t in high)
        team = h.get("/api/tickets", params={"team": "Facilities"}).json()["items"]
        assert team
        assert all(t["team_id"] == world.teams["Facilities"] for t in team)
        by_number = h.get("/api/tickets", params={"sort": "number", "limit": 500}).json()["items"]
        nums = [t["number"] for t in by_number]
        assert nums == sorted(nums)
        seen, cursor = [], None
        while True:
            params = {"limit": 3, "sort": "-number"}
            if cursor:
                params["cursor"] = cursor
            page = h.get("/api/tickets", params=params).json()
            seen += [t["number"] for t in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == sorted(seen, reverse=True)
        assert len(seen) == len(set(seen)) == len(nums)
        q = h.get("/api/tickets", params={"q": "status:new priority:low"}).json()["items"]
        assert q
        assert all(t["priority"] == "low" and t["status"] == "new" for t in q)
        bad = h.get("/api/tickets", params={"q": "prority:high"})
        assert bad.status_code == 422
        assert bad.json()["error"]["message"]
        assert h.get("/api/tickets", params={"sort": "colour"}).status_code == 422
        assert h.get("/api/tickets", params={"cursor": "!!!"}).status_code == 400
        assert h.get("/api/tickets", params={"limit": 0}).status_code == 422
        assert h.get("/api/tickets", params={"assignee": "nobody-by-that-name"}).status_code == 422


async def test_put_status_assign_comments_tasks_history(
    server: ServerProcess, tickets: list[dict], world: World
) -> None:
    t = tickets[0]
    watcher = WsClient(server, server.login("requester"))
    await watcher.connect()
    with server.http(server.login("agent")) as h:
        r = h.put(f"/api/tickets/{t['id']}", json={"priority": "urgent"})
        assert r.status_code == 200
        assert r.json()["priority"] == "urgent"
        r = h.post(f"/api/tickets/{t['id']}/assign", json={"assignee_id": world.users["agent"]})
        assert r.status_code == 200, r.text
        assert r.json()["assignee_id"] == world.users["agent"]
        r = h.post(f"/api/tickets/{t['id']}/status", json={"to_status": "in_progress"})
        assert r.status_code == 200, r.text
        bad = h.post(f"/api/tickets/{t['id']}/status", json={"to_status": "closed"})
        assert bad.status_code == 409
        assert bad.json()["error"]["code"] == "invalid_transition"
        c = h.post(f"/api/tickets/{t['id']}/comments", json={"body": "Looking into it"})
        assert c.status_code == 201
        assert h.post(f"/api/tickets/{t['id']}/comments", json={"body": ""}).status_code == 422
        task = h.post(f"/api/tickets/{t['id']}/tasks", json={"title": "Check the VPN logs"})
        assert task.status_code == 201, task.text
        assert [x["title"] for x in h.get(f"/api/tickets/{t['id']}/tasks").json()["items"]] == [
            "Check the VPN logs"
        ]
        assert len(h.get(f"/api/tickets/{t['id']}/comments").json()["items"]) == 1
        fields = [x["field"] for x in h.get(f"/api/tickets/{t['id']}/history").json()["items"]]
        assert {"created", "priority", "assignee", "status"} <= set(fields)
        sugg = h.get(f"/api/tickets/{t['id']}/assignees").json()["items"]
        assert sugg
        assert all(s["explanation"] for s in sugg)
        conflict = h.put(
            f"/api/tickets/{t['id']}", json={"title": "New", "base_title": "not the title"}
        )
        assert conflict.status_code == 409
    await watcher.ping_sync()
    assert watcher.table("ticket")[t["id"]]["status"] == "in_progress"
    assert any(v["body"] == "Looking into it" for v in watcher.table("ticket_comment").values())
    await watcher.close()


def test_attachment_upload_download_and_size_limit(
    make_server: Callable[..., ServerProcess],
) -> None:
    srv = make_server("--max-attachment-bytes", "2048")
    with srv.http(srv.login("requester")) as h:
        t = h.post("/api/tickets", json={"title": "With a file"}).json()
        r = h.post(
            f"/api/tickets/{t['id']}/attachments",
            files={"file": ("../../etc/passwd", b"x", "text/plain")},
        )
        assert r.status_code == 422  # a path is not a file name
        r = h.post(
            f"/api/tickets/{t['id']}/attachments",
            files={"file": ("report.csv", b"a,b\n1,2\n", "text/csv")},
        )
        assert r.status_code == 201, r.text
        att = r.json()
        assert att["size"] == 8
        assert att["mime_type"] == "text/csv"
        got = h.get(f"/api/attachments/{att['id']}")
        assert got.content == b"a,b\n1,2\n"
        assert got.headers["content-type"].startswith("text/csv")
        assert 'filename="report.csv"' in got.headers["content-disposition"]
        big = h.post(
            f"/api/tickets/{t['id']}/attachments",
            files={"file": ("big.bin", b"0" * 10_000, "application/octet-stream")},
        )
        assert big.status_code == 413
        assert big.json()["error"]["code"] == "too_large"
        assert h.get("/api/attachments/00000000-0000-0000-0000-000000000000").status_code == 404
    blobs = list((srv.data_dir / "attachments").rglob("*"))
    assert all(".." not in str(p) and "passwd" not in str(p) for p in blobs)
    assert not [p for p in blobs if p.name.startswith(".upload-")]


def test_directory_and_saved_searches(server: ServerProcess) -> None:
    with server.http(server.login("agent")) as h:
        assert {u["username"] for u in h.get("/api/users").json()["items"]} >= {"agent", "admin"}
        assert "password_hash" not in h.get("/api/users").text
        teams = h.get("/api/teams").json()["items"]
        assert {t["name"] for t in teams} >= {"Network", "Facilities"}
        assert {c["name"] for c in h.get("/api/categories").json()["items"]} >= {"VPN", "Chairs"}
        s = h.post("/api/saved-searches", json={"name": "Mine", "query": "assignee:me"})
        assert s.status_code == 201, s.text
        r = h.put("/api/users/me/availability", json={"availability": "busy"})
        assert r.status_code == 200
        assert r.json()["availability"] == "busy"
        assert (
            h.put("/api/users/me/availability", json={"availability": "asleep"}).status_code == 422
        )
    with server.http(server.login("lead")) as h:
        assert h.get("/api/saved-searches").json()["items"] == []
        assert h.delete(f"/api/saved-searches/{s.json()['id']}").status_code == 404
    with server.http(server.login("agent")) as h:
        assert [x["name"] for x in h.get("/api/saved-searches").json()["items"]] == ["Mine"]
        assert h.delete(f"/api/saved-searches/{s.json()['id']}").status_code == 204


def test_openapi_is_served(server: ServerProcess) -> None:
    with server.http() as h:
        spec = h.get("/api/openapi.json").json()
    assert "/api/tickets" in spec["paths"]
    assert "/api/tickets/{ref}/assignees" in spec["paths"]
