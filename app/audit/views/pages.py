"""The audit screens: timeline, live feed and its poll, chain head, daily digest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Response, render_template, request
from flask_login import current_user

from app.audit import policy, queries
from app.audit import services as audit
from app.core.authz import BGH, Role, allow, require
from app.core.htmx import page_or_fragment
from app.core.routing import Routes, db_id
from app.core.vn import LOCAL_TZ

routes = Routes()


def _user() -> Any:
    return current_user._get_current_object()


@routes.route("/timeline/<subject_type>/<int:subject_id>")
@allow(frozenset({Role.TEACHER, Role.HEAD}) | BGH)
def timeline(subject_type: str, subject_id: int) -> Response:
    subject = policy.load_subject(_user(), subject_type, subject_id)
    return page_or_fragment(
        "audit/timeline.html",
        "audit/_timeline.html",
        subject=subject,
        subject_type=subject_type,
        events=queries.timeline(subject),
        link=queries.link_of(subject_type, subject_id),
    )


@routes.route("/feed")
@allow(BGH)
def feed() -> str:
    require(policy.can_view_school_trail(_user()))
    events = queries.feed_events()
    return render_template("audit/feed.html", events=events, links=queries.links_of(events), after=audit.head()[0])


@routes.route("/feed/poll")
@allow(BGH)
def feed_poll() -> str:
    """New feed items since `after` (out-of-band, prepended) and the next poller."""
    require(policy.can_view_school_trail(_user()))
    after = request.args.get("after", 0, type=db_id)  # out of range → 0
    events = queries.feed_events(after)
    return render_template(
        "audit/_feed_poll.html",
        events=events,
        links=queries.links_of(events),
        after=max([after] + [e.seq for e in events]),
    )


@routes.route("/head")
@allow(BGH)
def head() -> Response:
    require(policy.can_view_school_trail(_user()))
    seq, head_hash = audit.head()
    return page_or_fragment(
        "audit/head.html", "audit/_head.html", seq=seq, head_hash=head_hash, head_event=queries.event(seq)
    )


@routes.route("/digest")
@allow(BGH)
def digest() -> str:
    """One day's summary to print or e-mail: the head at the end of the day, the range of
    events, counts by action, and the day's submissions and decisions."""
    require(policy.can_view_school_trail(_user()))
    today = datetime.now(LOCAL_TZ).date()
    try:
        day = date.fromisoformat(request.args.get("day", "")) if request.args.get("day") else today
    except ValueError:
        day = today
    day = min(day, today)
    summary = queries.digest(day)
    return render_template(
        "audit/digest.html",
        d=summary,
        day=day,
        today=today,
        links=queries.links_of(summary.events),
        head=audit.head(),
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1),
        generated=datetime.now(UTC),
    )
