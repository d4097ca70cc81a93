"""The table's columns: what each shows and how SQL orders by it."""

from __future__ import annotations

from enum import IntEnum


class Column(IntEnum):
    NUMBER = 0
    TITLE = 1
    STATUS = 2
    PRIORITY = 3
    CATEGORY = 4
    REQUESTER = 5
    ASSIGNEE = 6
    TEAM = 7
    SLA = 8
    UPDATED = 9

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def default_width(self) -> int:
        return _WIDTHS[self]


_TITLES = {
    Column.NUMBER: "Number",
    Column.TITLE: "Title",
    Column.STATUS: "Status",
    Column.PRIORITY: "Priority",
    Column.CATEGORY: "Category",
    Column.REQUESTER: "Requester",
    Column.ASSIGNEE: "Assignee",
    Column.TEAM: "Team",
    Column.SLA: "SLA",
    Column.UPDATED: "Updated",
}
_WIDTHS = {
    Column.NUMBER: 80,
    Column.TITLE: 320,
    Column.STATUS: 110,
    Column.PRIORITY: 90,
    Column.CATEGORY: 130,
    Column.REQUESTER: 130,
    Column.ASSIGNEE: 130,
    Column.TEAM: 130,
    Column.SLA: 150,
    Column.UPDATED: 110,
}
