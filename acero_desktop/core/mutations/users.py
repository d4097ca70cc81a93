"""``user.set_availability``: tell the team (and smart assignment) whether you can take work."""

from __future__ import annotations

from acero_desktop.models import Availability, User

from ..errors import NotFound
from ..permissions import person
from .base import MutationArgs, MutationContext, mutation


class SetAvailability(MutationArgs):
    availability: Availability


@mutation("user.set_availability", SetAvailability)
def set_availability(ctx: MutationContext, args: SetAvailability) -> None:
    """Change one's own availability; nobody sets it for someone else."""
    user = ctx.session.get(User, person(ctx.actor))
    if user is None:
        raise NotFound("That user does not exist.")
    user.availability = args.availability
