"""The GVCN's (and BGH's) side: per class, issue and revoke each guardian's link (the
link is shown once, right after issuing), release an approved term to parents, and see
who opened (first/last) and acknowledged, with their replies."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core import files
from app.core.authz import BGH, Role, allow
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.parents import consent, exports, messages, pages, queries, services
from app.parents.forms import ConsentForm, ReleaseForm

routes = Routes()
MANAGERS = frozenset({Role.TEACHER}) | BGH
PERIOD_LABELS = {"hk1": "Học kỳ I", "hk2": "Học kỳ II", "cn": "Cả năm", "he": "Sau kỳ nghỉ hè"}


@routes.route("/parents/")
@allow(MANAGERS)
def index() -> str:
    return render_template("parents/index.html", classes=queries.managed_classes(current_actor()))


def _class_page(class_id: int, issued: dict[str, object] | None = None, status: int = 200) -> tuple[str, int]:
    cls = queries.managed_class(current_actor(), class_id)
    page = render_template(
        "parents/class.html",
        cls=cls,
        students=queries.roster(cls),
        links=queries.links_of_class(cls),
        acks=queries.acks_of_class(cls),
        points=queries.approved_points(cls),
        releases=queries.releases_of(cls),
        consents=consent.current_of(g.id for s in queries.roster(cls) for g in s.guardians),
        consent_form=ConsentForm(),
        channel_labels=consent.CHANNEL_LABELS,
        message_counts=messages.counts_of_class(cls),
        unread_replies=messages.unread_replies(cls),
        report_points=exports.report_points(cls),
        period_labels=PERIOD_LABELS,
        issued=issued,
    )
    return page, status


@routes.route("/parents/classes/<int:class_id>")
@allow(MANAGERS)
def class_page(class_id: int) -> tuple[str, int]:
    return _class_page(class_id)


@routes.route("/parents/classes/<int:class_id>/guardians/<int:guardian_id>/issue", methods=["POST"])
@allow(MANAGERS)
def issue(class_id: int, guardian_id: int) -> tuple[str, int]:
    user = current_actor()
    cls = queries.managed_class(user, class_id)
    guardian = queries.class_guardian(cls, guardian_id)
    with unit_of_work():
        link, token = services.issue_link(user, cls, guardian)
        shown = {"url": url_for("parents.landing", token=token, _external=True), "guardian": guardian.full_name,
                 "student": guardian.student.full_name, "link_id": link.id}  # fmt: skip
    return _class_page(class_id, issued=shown)


@routes.route("/parents/classes/<int:class_id>/issue-all", methods=["POST"])
@allow(MANAGERS)
def issue_all(class_id: int) -> str | Response:
    user = current_actor()
    cls = queries.managed_class(user, class_id)
    guardians = [g for s in queries.roster(cls) for g in s.guardians]
    blocked = consent.withheld(guardians)  # R21: withdrawn consent, no link
    with unit_of_work():
        issued = services.issue_missing(user, cls, [g for g in guardians if g not in blocked])
        sheet = [pages.slip(g, cls, url_for("parents.landing", token=t, _external=True)) for g, t in issued]
    if request.form.get("format") == "csv":  # the one moment the links exist in clear: never stored
        csv_bytes = exports.to_csv(exports.SHEET_COLUMNS, exports.sheet_rows(sheet))
        return files.attachment(csv_bytes, f"gui-phu-huynh-{cls.name}.csv", "text/csv; charset=utf-8")
    skipped = len(guardians) - len(sheet) - len(blocked)
    return render_template("parents/distribution.html", cls=cls, sheet=sheet, skipped=skipped, blocked=blocked)


@routes.route("/parents/links/<int:link_id>/revoke", methods=["POST"])
@allow(MANAGERS)
def revoke(link_id: int) -> Response:
    user = current_actor()
    link = queries.class_link(user, link_id)
    class_id = link.class_id
    with unit_of_work():
        services.revoke_link(user, link)
    flash("Đã thu hồi đường dẫn: đường dẫn cũ không mở được nữa.", "success")
    return redirect(url_for("parents.class_page", class_id=class_id), 303)


@routes.route("/parents/classes/<int:class_id>/release", methods=["POST"])
@allow(MANAGERS)
def release(class_id: int) -> Response | tuple[str, int]:
    user = current_actor()
    cls = queries.managed_class(user, class_id)
    form = ReleaseForm(request.form)
    if not form.validate():
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
        return _class_page(class_id, status=422)
    with unit_of_work():
        services.release_point(user, cls, form.period.data or "", form.period_ref.data or "")
    flash(f"Đã công bố {PERIOD_LABELS[form.period.data or '']} cho phụ huynh lớp {cls.name}.", "success")
    return redirect(url_for("parents.class_page", class_id=class_id), 303)
