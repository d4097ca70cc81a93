"""The demo organisation: departments, people, teams, skills, categories, calendar and SLA policies.

Small (a few hundred to a few thousand rows) but it fixes everything the tickets refer to; its
lookups (who works in which team, how good they are at a category) drive the ticket generator.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, time
from itertools import accumulate
from typing import Any

from . import demo_vocab as vocab
from .demo_clock import HourlyBusinessClock
from .demo_rows import Codec, Row
from .demo_schedule import DAY

CALENDAR_NAME = "Berlin office"
CALENDAR_TZ = "Europe/Berlin"
WORKING_HOURS = {str(d): [["08:00", "12:00"], ["13:00", "17:00"]] for d in range(5)}
HOLIDAYS = (
    # German federal holidays that fall on working days around the seeded period.
    "2025-01-01",
    "2025-04-18",
    "2025-04-21",
    "2025-05-01",
    "2025-05-29",
    "2025-06-09",
    "2025-10-03",
    "2025-12-25",
    "2025-12-26",
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-01",
    "2026-05-14",
    "2026-05-25",
    "2026-10-03",
    "2026-12-24",
    "2026-12-25",
    "2026-12-26",
    "2026-12-31",
    "2027-01-01",
    "2027-03-26",
    "2027-03-29",
    "2027-05-06",
    "2027-05-17",
    "2027-12-24",
)

# SLA targets in business minutes (8 business hours a day): (first response, resolution).
SLA_POLICIES: dict[str, dict[str, tuple[int, int]]] = {
    "Standard support": {
        "urgent": (60, 480),  # 1 h / 8 h
        "high": (240, 960),  # 4 h / 2 business days
        "normal": (480, 2400),  # 8 h / 5 days
        "low": (960, 4800),  # 16 h / 10 days
    },
    "Critical infrastructure": {
        "urgent": (30, 240),
        "high": (120, 480),
        "normal": (240, 1440),
        "low": (480, 2880),
    },
    "Facilities": {
        "urgent": (60, 480),
        "high": (480, 1440),
        "normal": (960, 4800),
        "low": (1920, 9600),
    },
}
DEFAULT_POLICY = "Standard support"
AVAILABILITIES = ("available", "busy", "away", "off")
AVAILABILITY_WEIGHTS = (70, 15, 8, 7)
SKILL_LEVEL_WEIGHTS = (1, 2, 4, 3, 2)  # levels 1..5: most agents are solid, few are experts


@dataclass
class Person:
    id: Any
    name: str
    role: str
    username: str
    availability: str = "available"
    last_assigned_at: int | None = None
    first: str = field(init=False)  # the first name, for "Hi Dana," in comments

    def __post_init__(self) -> None:
        self.first = self.name.split(" ")[0]


@dataclass
class TeamInfo:
    id: Any
    name: str
    lead: Person
    members: list[Person] = field(default_factory=list)


@dataclass
class Category:
    id: Any
    name: str
    team: TeamInfo
    priority: str
    policy: str
    leaf: vocab.Leaf | None  # None for a root (its tickets borrow a random leaf's phrases)
    root: vocab.Root
    auto_assign: bool = False
    # Assignee choice inside the team, by skill: members and cumulative weights.
    assignees: list[Person] = field(default_factory=list)
    cum_weights: list[float] = field(default_factory=list)


@dataclass
class Org:
    rows: dict[str, list[Row]]
    people: dict[str, Person]  # demo accounts by username
    requesters: list[Person]
    staff: list[Person]
    teams: dict[str, TeamInfo]
    categories: list[Category]
    category_weights: list[float]  # cumulative, over ``categories``
    policy_ids: dict[str, Any]
    targets: dict[tuple[str, str], tuple[int, int]]  # (policy, priority) -> minutes
    clock: HourlyBusinessClock
    skills: dict[tuple[str, str], int]  # (username, category name) -> level


def build_org(codec: Codec, *, tickets: int, start: int, end: int) -> Org:
    """Everything but the tickets. ``start``/``end`` bound the seeded period (seconds)."""
    return _OrgBuilder(codec, tickets, start, end).build()


class _OrgBuilder:
    def __init__(self, codec: Codec, tickets: int, start: int, end: int) -> None:
        self.codec = codec
        self.rng = codec.rng
        self.tickets = tickets
        self.start = start
        self.end = end
        self.setup_at = start - 400 * DAY  # when the organisation was set up
        self.rows: dict[str, list[Row]] = {}
        self.usernames: set[str] = set()
        self.skills: dict[tuple[str, str], int] = {}

    def add(self, table: str, row: Row) -> None:
        self.rows.setdefault(table, []).append(row)

    def build(self) -> Org:
        c = self.codec
        departments = {}
        for name in vocab.DEPARTMENTS:
            departments[name] = c.new_id(self.setup_at)
            self.add("department", (departments[name], name))
        self.departments = departments

        calendar_id = c.new_id(self.setup_at)
        self.add(
            "business_calendar",
            (calendar_id, CALENDAR_NAME, CALENDAR_TZ, c.json(WORKING_HOURS), c.json(HOLIDAYS)),
        )
        policy_ids: dict[str, Any] = {}
        targets: dict[tuple[str, str], tuple[int, int]] = {}
        for name, per_priority in SLA_POLICIES.items():
            pid = policy_ids[name] = c.new_id(self.setup_at)
            self.add("sla_policy", (pid, name, calendar_id, 0.75, c.flag(name == DEFAULT_POLICY)))
            for priority, (first, resolution) in per_priority.items():
                targets[(name, priority)] = (first, resolution)
                self.add("sla_target", (c.new_id(self.setup_at), pid, priority, first, resolution))

        people = self._demo_accounts()
        staff, teams = self._teams(people)
        requesters = self._requesters(people["requester"])
        categories = self._categories(teams, policy_ids)
        self._skills(teams, categories, people["agent"])
        for cat in categories:
            self._assignee_weights(cat)
        weights = [float(cat.leaf.weight if cat.leaf else 1) for cat in categories]
        hours = {
            int(day): tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in intervals)
            for day, intervals in WORKING_HOURS.items()
        }
        holidays = frozenset(date.fromisoformat(d) for d in HOLIDAYS)
        clock = HourlyBusinessClock(
            CALENDAR_TZ, hours, holidays, self.start - 2 * DAY, self.end + 120 * DAY
        )
        return Org(
            rows=self.rows,
            people=people,
            requesters=requesters,
            staff=staff,
            teams=teams,
            categories=categories,
            category_weights=list(accumulate(weights)),
            policy_ids=policy_ids,
            targets=targets,
            clock=clock,
            skills=self.skills,
        )

    # --- people ---------------------------------------------------------------------------

    def _user(
        self,
        name: str,
        role: str,
        department: str,
        *,
        username: str | None = None,
        availability: str | None = None,
    ) -> Person:
        c = self.codec
        username = username or self._username(name)
        self.usernames.add(username)
        if availability is None:
            availability = self.rng.choices(AVAILABILITIES, AVAILABILITY_WEIGHTS)[0]
        created = self.setup_at + self.rng.randrange(0, 300 * DAY)
        person = Person(c.new_id(created), name, role, username, availability)
        self.add(
            "user",
            (
                person.id,
                username,
                name,
                f"{username}@acero.example",
                role,
                self.departments[department],
                availability,
                c.flag(True),
                c.ts(created),
                None,  # last_assigned_at: set once the tickets are made
            ),
        )
        return person

    def _username(self, name: str) -> str:
        folded = _ascii(name).lower().replace(" ", ".").replace("'", "")
        candidate, n = folded, 1
        while candidate in self.usernames:
            n += 1
            candidate = f"{folded}{n}"
        return candidate

    def _random_name(self) -> str:
        return f"{self.rng.choice(vocab.FIRST_NAMES)} {self.rng.choice(vocab.LAST_NAMES)}"

    def _demo_accounts(self) -> dict[str, Person]:
        people = {}
        for acc in vocab.DEMO_ACCOUNTS:
            people[acc.username] = self._user(
                acc.name, acc.role, acc.department, username=acc.username, availability="available"
            )
        name, dept = vocab.SECOND_ADMIN
        self._user(name, "admin", dept, availability="available")
        return people

    def _teams(self, people: dict[str, Person]) -> tuple[list[Person], dict[str, TeamInfo]]:
        c = self.codec
        scale = min(8.0, 1.0 + self.tickets / 40_000)
        teams: dict[str, TeamInfo] = {}
        staff: list[Person] = [people["lead"], people["agent"]]
        for spec in vocab.TEAMS:
            lead = (
                people[spec.lead]
                if spec.lead
                else self._user(self._random_name(), "lead", spec.department)
            )
            if not spec.lead:
                staff.append(lead)
            team = TeamInfo(c.new_id(self.setup_at), spec.name, lead, [lead])
            teams[spec.name] = team
            self.add(
                "team", (team.id, spec.name, self.departments[spec.department], lead.id, spec.email)
            )
            for _ in range(max(2, round(spec.agents * scale))):
                agent = self._user(self._random_name(), "agent", spec.department)
                team.members.append(agent)
                staff.append(agent)
        teams["Network & Telecom"].members.insert(1, people["agent"])
        # Some agents help out in a second team (first-line Service Desk and Workplace IT).
        home = {name: list(team.members) for name, team in teams.items()}
        for name, other in vocab.SECOND_TEAM.items():
            for agent in home[name][1:]:
                if agent.role == "agent" and agent not in home[other] and self.rng.random() < 0.25:
                    teams[other].members.append(agent)
        for team in teams.values():
            for member in team.members:
                self.add("team_member", (c.new_id(self.setup_at), team.id, member.id))
        return staff, teams

    def _requesters(self, demo_requester: Person) -> list[Person]:
        depts = list(vocab.DEPARTMENTS)
        out = [demo_requester]
        for _ in range(max(60, self.tickets // 20)):
            dept = self.rng.choices(depts, vocab.DEPARTMENT_WEIGHTS)[0]
            out.append(self._user(self._random_name(), "requester", dept, availability="available"))
        return out

    # --- categories and skills ---------------------------------------------------------------

    def _categories(self, teams: dict[str, TeamInfo], policy_ids: dict[str, Any]) -> list[Category]:
        c = self.codec
        out: list[Category] = []
        for root in vocab.CATEGORIES:
            team = teams[root.team]
            root_id = c.new_id(self.setup_at)
            policy = root.policy or DEFAULT_POLICY
            self.add(
                "ticket_category",
                (
                    root_id,
                    root.name,
                    None,
                    team.id,
                    root.priority,
                    policy_ids[root.policy] if root.policy else None,
                    c.flag(True),
                    c.flag(False),
                ),
            )
            out.append(Category(root_id, root.name, team, root.priority, policy, None, root))
            for leaf in root.leaves:
                leaf_id = c.new_id(self.setup_at)
                priority = leaf.priority or root.priority
                # Leaves inherit the policy through the tree (core.sla_fields walks up).
                self.add(
                    "ticket_category",
                    (
                        leaf_id,
                        leaf.name,
                        root_id,
                        team.id,
                        priority,
                        None,
                        c.flag(True),
                        c.flag(leaf.auto_assign),
                    ),
                )
                out.append(
                    Category(
                        leaf_id, leaf.name, team, priority, policy, leaf, root, leaf.auto_assign
                    )
                )
        self.category_ids = {cat.name: cat.id for cat in out}
        return out

    def _skills(self, teams: dict[str, TeamInfo], cats: list[Category], dana: Person) -> None:
        c = self.codec
        levels = range(1, 6)
        fixed = {"Network": 4, "VPN": 5, "Wi-Fi": 4, "Telephony": 3, "Firewall & ports": 2}
        for team in teams.values():
            own = [cat for cat in cats if cat.team is team]
            for member in team.members:
                for cat in own:
                    key = (member.username, cat.name)
                    if key in self.skills:
                        continue
                    if member is dana:
                        level: int | None = fixed.get(cat.name)
                    elif cat.leaf is None or self.rng.random() < 0.65:
                        level = self.rng.choices(levels, SKILL_LEVEL_WEIGHTS)[0]
                    else:
                        level = None
                    if level is None:
                        continue
                    self.skills[key] = level
                    self.add("user_skill", (c.new_id(self.setup_at), member.id, cat.id, level))

    def _assignee_weights(self, cat: Category) -> None:
        """Better-skilled agents get more of a category's tickets, everybody gets some."""
        members = cat.team.members
        weights = []
        for m in members:
            level = self.skills.get((m.username, cat.name)) or self.skills.get(
                (m.username, cat.root.name), 0
            )
            weights.append(1.0 + level * level)
        cat.assignees = list(members)
        cat.cum_weights = list(accumulate(weights))


def _ascii(text: str) -> str:
    """A name as plain ASCII for usernames and e-mail addresses (Łukasz → Lukasz)."""
    special = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "ı": "i"})
    decomposed = unicodedata.normalize("NFKD", text.translate(special))
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch in " -'"))
