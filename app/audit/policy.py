"""Who may read which part of the audit trail.

- The timeline of one object: whoever may see that object — its domain's scoped loader,
  registered with audit (registry.SubjectKind.load_for), decides (missing or out of
  scope → 404).
- The school-wide live feed, the chain head and the daily digest: the BGH only. The
  admin has no audit screen (SECURITY.md test 5); teachers see their own records' trails.
"""

from __future__ import annotations

from typing import Any

from app.audit import registry
from app.core.authz import BGH, not_found


def can_view_school_trail(user: Any) -> bool:
    return bool(user.roles & BGH)


def load_subject(user: Any, subject_type: str, subject_id: int) -> Any:
    """The object whose timeline is asked for, through its domain's scope (404 otherwise)."""
    kind = registry.subject_kind(subject_type)
    if kind is None:
        not_found(subject_type[:40], subject_id)
    return kind.load_for(user, subject_id)
