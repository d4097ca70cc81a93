"""``acero-server check``: integrity of the store, in plain sentences."""

from __future__ import annotations

from sqlalchemy import func, select

from acero_desktop.models import User

from .db import Store, head_and_floor, sqlite_checks
from .tables import ChangeLog, Credential, MutationResultRow, ServerInfo, SyncClient


def run_checks(store: Store) -> list[str]:
    problems: list[str] = []
    with store.read_session() as session:
        if store.is_sqlite:
            problems += sqlite_checks(session)
        if session.get(ServerInfo, 1) is None:
            problems.append("server_info row is missing")
        head, floor = head_and_floor(session)
        max_seq = session.scalar(select(func.max(ChangeLog.seq))) or 0
        if max_seq > head:
            problems.append(f"change_log has seq {max_seq} beyond the head {head}")
        if floor > head:
            problems.append(f"floor {floor} is beyond the head {head}")
        count, lo, hi = session.execute(
            select(func.count(), func.min(ChangeLog.seq), func.max(ChangeLog.seq)).where(
                ChangeLog.seq > floor
            )
        ).one()
        if count and hi - lo + 1 != count:
            problems.append(f"change_log above the floor has holes ({count} rows in {lo}..{hi})")
        for client_id, last, top in session.execute(
            select(
                SyncClient.client_id,
                SyncClient.last_mutation_id,
                func.max(MutationResultRow.mutation_id),
            )
            .join(MutationResultRow, MutationResultRow.client_id == SyncClient.client_id)
            .group_by(SyncClient.client_id, SyncClient.last_mutation_id)
        ):
            if top is not None and top > last:
                problems.append(
                    f"client {client_id}: result for mutation {top} beyond last_mutation_id {last}"
                )
        no_password = session.scalars(
            select(User.username)
            .outerjoin(Credential, Credential.user_id == User.id)
            .where(Credential.user_id.is_(None), User.active.is_(True))
        ).all()
        if no_password:
            problems.append("active users without a password: " + ", ".join(no_password))
    return problems
