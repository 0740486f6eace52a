from typing import Any

import strawberry
from strawberry.scalars import JSON

from apps.user_profile.services.reconcile import PlayerNotFoundError, ReconcileReport, StatsDriftRow, stats_reconcile
from schema.context import Info
from schema.db import run_sync
from schema.directives import Cost, ListSize
from schema.errors import NotFoundError, PermissionDeniedError, UnauthenticatedError
from schema.node import pk_from_global_id
from schema.privacy.access import viewer_field_visible
from schema.users.types import User


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


@strawberry.type(description="One stored stats field that differs from a recomputation from the events.")
class StatsDrift:
    field: str
    expected: JSON
    actual: JSON
    user_id: strawberry.Private[int]

    @strawberry.field(directives=[Cost(weight="1")])
    async def user(self, info: Info) -> User | None:
        return await info.context.loaders.user.load(self.user_id)  # type: ignore[return-value]


@strawberry.type
class ReconcileResult:
    users_checked: int
    users_with_drift: int
    fixed: int
    # One player's drift is at most one entry per stored counter.
    drifts: list[StatsDrift] = strawberry.field(directives=[ListSize(assumed_size=25)])


def _result(report: ReconcileReport) -> ReconcileResult:
    def drift(row: StatsDriftRow) -> StatsDrift:
        return StatsDrift(
            user_id=row.user_id, field=row.field, expected=_json_value(row.expected), actual=_json_value(row.actual)
        )

    return ReconcileResult(
        users_checked=report.users_checked,
        users_with_drift=report.users_with_drift,
        fixed=report.fixed,
        drifts=[drift(row) for row in report.drifts],
    )


@strawberry.type
class ReconcileMutation:
    # Recomputes stats from every event of the players asked for: weighed like ten lookups.
    @strawberry.mutation(
        directives=[Cost(weight="10")],
        description="Staff only. Compare stored stats with a recomputation from the events for one player "
        "(`userId`) or all; with `fix: true` correct the drifted ones.",
    )
    async def reconcile_user_stats(
        self, info: Info, user_id: strawberry.ID | None = None, fix: bool = False
    ) -> ReconcileResult:
        if not viewer_field_visible(info, "Mutation.reconcileUserStats"):
            denied = UnauthenticatedError if info.context.user is None else PermissionDeniedError
            raise denied("Only staff may reconcile player stats.")
        user_ids = [pk_from_global_id(user_id, expected_type="User")] if user_id is not None else None
        try:
            report = await run_sync(stats_reconcile, user_ids=user_ids, fix=fix)
        except PlayerNotFoundError as error:
            raise NotFoundError(str(error)) from error
        return _result(report)
