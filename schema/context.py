"""What every resolver sees as `info.context`: the viewer, the request's id and its loaders."""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from strawberry.types import Info as StrawberryInfo

from apps.api_budget.services import Budget
from apps.privacy.policy import Viewer
from schema.dataloaders import Loaders


@dataclass
class Context:
    user: User | None  # None when anonymous
    request_id: str = ""
    # The viewer's budget after the HTTP layer charged this operation; None when nothing charged it (then the
    # `rateLimit` field looks the budget up without charging).
    budget: "Budget | None" = None
    viewer_key: str | None = None  # whose budget: apps.api_budget.services.viewer_key
    loaders: Loaders = field(init=False)
    # Who is asking, as the privacy policy (apps.privacy.policy) sees them: every visibility rule takes it.
    viewer: Viewer = field(init=False)

    def __post_init__(self) -> None:
        self.viewer = Viewer.of(self.user)
        self.loaders = Loaders(viewer_id=self.viewer_id, viewer_is_staff=self.viewer_is_staff)

    @property
    def viewer_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def viewer_is_staff(self) -> bool:
        return self.user is not None and self.user.is_staff


Info = StrawberryInfo[Context, None]
