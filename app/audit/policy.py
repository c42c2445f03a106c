"""Who may read which part of the audit trail.

- The timeline of one object: whoever may see that object — its domain's scoped loader
  decides (missing or out of scope → 404).
- The school-wide live feed, the chain head and the daily digest: the BGH only. The
  admin has no audit screen (SECURITY.md test 5); teachers see their own records' trails.
"""

from __future__ import annotations

import importlib
from typing import Any

from app.core.authz import BGH, not_found

#: subject type → "module:function(user, id)" returning the object or answering 404
TIMELINE_LOADERS = {
    "record": "app.records.queries:get_for",
}

#: what the BGH's live feed shows: submissions and decisions across the school
FEED_ACTIONS = (
    "record.submitted",
    "record.approved",
    "record.returned",
    "record.withdrawn",
    "record.version_added",
)


def can_view_school_trail(user: Any) -> bool:
    return bool(user.roles & BGH)


def load_subject(user: Any, subject_type: str, subject_id: int) -> Any:
    """The object whose timeline is asked for, through its domain's scope (404 otherwise)."""
    target = TIMELINE_LOADERS.get(subject_type)
    if target is None:
        not_found(subject_type[:40], subject_id)
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)(user, subject_id)
