"""Django's model authentication backend, with the signed-in user loaded without compiling a queryset.

Every API request from a browser session loads its user (`get_user`); Django's own lookup compiles a queryset
each time, which costs more CPU than the query. Authentication itself (passwords, permissions) is Django's.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User

from apps.user_profile.selectors.rows import models_by_pk


class SessionUserBackend(ModelBackend):
    def get_user(self, user_id: int | str) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = models_by_pk(User, [pk]).get(pk)
        return user if user is not None and self.user_can_authenticate(user) else None
