"""What the domains tell the audit screens, so that audit imports no domain.

Each domain registers, on its blueprint (`bp.record_once(...)`), for the app:
- its subject kinds: how to load one for a user's timeline (scoped: missing or out of
  scope answers 404) and how to show many in the BGH's live feed (title, link, detail);
- the Vietnamese label of every action it writes, and which of them the feed shows.
The registry lives in `app.extensions["audit"]`; nothing is kept in module globals.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask.sansio.app import App


@dataclass(frozen=True)
class SubjectLink:
    """How the feed and the digest show one subject."""

    title: str
    url: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class SubjectKind:
    name: str  # the events' subject_type, e.g. "record"
    #: (user, id) → the object the user may see, or 404 (the domain's scoped loader)
    load_for: Callable[[Any, int], Any]
    #: ids → {id: SubjectLink} in one query, for the feed and the digest
    links: Callable[[Collection[int]], Mapping[int, SubjectLink]] | None = None
    #: event → one sentence saying what happened ("Tổ trưởng chuyên môn đã duyệt — chuyển
    #: Ban giám hiệu"), or None to show the action's label
    describe: Callable[[Any], str | None] | None = None


ActorGroups = Callable[[Collection[int]], Mapping[int, str]]


@dataclass
class Registry:
    kinds: dict[str, SubjectKind] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    feed: set[str] = field(default_factory=set)
    notable: set[str] = field(default_factory=set)
    actor_groups: ActorGroups | None = None


def registry(app: App | None = None) -> Registry:
    target = app or current_app
    reg: Registry = target.extensions.setdefault("audit", Registry())
    return reg


def register_subject(app: App, kind: SubjectKind) -> None:
    registry(app).kinds[kind.name] = kind


def register_actions(
    app: App, labels: Mapping[str, str], feed: Iterable[str] = (), notable: Iterable[str] = ()
) -> None:
    """Vietnamese labels of a domain's actions; `feed`: those the BGH's live feed shows;
    `notable`: the exceptions the daily digest lists one by one (denials, refused writes…)."""
    reg = registry(app)
    reg.labels.update(labels)
    reg.feed.update(feed)
    reg.notable.update(notable)


def register_actor_groups(app: App, groups: ActorGroups) -> None:
    """actor ids → the group the digest counts them in (the school registers: the tổ)."""
    registry(app).actor_groups = groups


def action_label(action: str) -> str:
    """The Vietnamese label; an unregistered code is shown as the code (a test forbids that)."""
    return registry().labels.get(action, action)


def describe(event: Any) -> str:
    """What an event did, in Vietnamese: the subject kind's sentence, else the action's label."""
    kind = subject_kind(event.subject_type or "")
    sentence = kind.describe(event) if kind is not None and kind.describe is not None else None
    return sentence or action_label(event.action)


def feed_actions() -> set[str]:
    return set(registry().feed)


def notable_actions() -> set[str]:
    return set(registry().notable)


def groups_of(actor_ids: Collection[int]) -> Mapping[int, str]:
    groups = registry().actor_groups
    return groups(actor_ids) if groups is not None and actor_ids else {}


def subject_kind(name: str) -> SubjectKind | None:
    return registry().kinds.get(name)


def links_for(refs: Iterable[tuple[str | None, str | None]]) -> dict[tuple[str, str], SubjectLink]:
    """{(subject_type, subject_id): link} for the events' subjects, one query per kind."""
    wanted: dict[str, set[int]] = {}
    for kind, raw_id in refs:
        if kind and raw_id and raw_id.isdigit():
            wanted.setdefault(kind, set()).add(int(raw_id))
    out: dict[tuple[str, str], SubjectLink] = {}
    for kind, ids in wanted.items():
        known = subject_kind(kind)
        if known is None or known.links is None:
            continue
        for ident, link in known.links(ids).items():
            out[(kind, str(ident))] = link
    return out
