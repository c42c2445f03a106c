"""The audit screens: timeline, live feed and its poll, chain head, daily digest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Response, render_template, request
from flask_login import current_user

from app.audit import checkpoints, exports, policy, queries
from app.audit import services as audit
from app.core.authz import BGH, Role, allow, require
from app.core.database import unit_of_work
from app.core.htmx import page_or_fragment
from app.core.routing import Routes, db_id
from app.core.vn import LOCAL_TZ
from app.core.xlsx import xlsx_response

routes = Routes()


def _user() -> Any:
    """The signed-in staff member (audit sits below accounts, so it knows no User class)."""
    return current_user


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
        "audit/head.html",
        "audit/_head.html",
        seq=seq,
        head_hash=head_hash,
        head_event=queries.event(seq),
        anchor=checkpoints.status(),
    )


def _day_asked(today: date) -> date:
    """?day=yyyy-mm-dd, never after today; anything else is today."""
    try:
        day = date.fromisoformat(request.args.get("day", "")) if request.args.get("day") else today
    except ValueError:
        day = today
    return min(day, today)


@routes.route("/digest")
@allow(BGH)
def digest() -> str:
    """One day's summary a principal signs: the head at the end of the day, counts by action
    and by tổ, and the exceptions; the full list is the .xlsx download."""
    require(policy.can_view_school_trail(_user()))
    with unit_of_work(fresh=True):  # the refusals counted this minute, written to the chain now
        audit.seal_denials(include_current=True)
    today = datetime.now(LOCAL_TZ).date()
    day = _day_asked(today)
    summary = queries.digest(day)
    return render_template(
        "audit/digest.html",
        d=summary,
        day=day,
        today=today,
        links=queries.links_of(summary.notable),
        head=audit.head(),
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1),
        generated=datetime.now(UTC),
    )


@routes.route("/digest.xlsx")
@allow(BGH)
def digest_export() -> Response:
    """Every event of the day as a spreadsheet (the export itself is audited)."""
    user = _user()
    require(policy.can_view_school_trail(user))
    day = _day_asked(datetime.now(LOCAL_TZ).date())
    data = exports.day_workbook(day, queries.day_events(day))
    with unit_of_work(fresh=True):
        audit.record_digest_export(user, day)
    return xlsx_response(data, f"nhat-ky-{day.isoformat()}.xlsx")
