"""Who does what with personal-data duties (pure).

- The register of data-subject requests, a student's data export and the parent access
  log: the BGH (hiệu trưởng, phó hiệu trưởng), who answer for the school's processing.
- Erasing a guardian's contact data: the admin (quản trị), who manages the school's data.
"""

from __future__ import annotations

from app.accounts.models import User
from app.core.authz import BGH, Role


def can_manage_requests(user: User) -> bool:
    return bool(user.roles & BGH)


def can_export_student(user: User) -> bool:
    return bool(user.roles & BGH)


def can_view_access_log(user: User) -> bool:
    return bool(user.roles & BGH)


def can_erase_guardian(user: User) -> bool:
    return Role.ADMIN in user.roles
