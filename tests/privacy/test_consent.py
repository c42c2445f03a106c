"""R21: consent per guardian to electronic delivery — never pre-ticked, given on the link's
page or recorded by the school, withdrawn by either side (every link stops at once, none
issued again), audited with Vietnamese labels, shown on the GVCN's page."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.parents.views.common import PLAIN_404
from tests.parents.conftest import issue


def _events(app, action):  # type: ignore[no-untyped-def]
    from app.audit.models import AuditEvent

    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _consents(app, guardian_id):  # type: ignore[no-untyped-def]
    from app.parents.models import GuardianConsent

    with app.app_context():
        query = select(GuardianConsent).where(GuardianConsent.guardian_id == guardian_id).order_by(GuardianConsent.id)
        return [(c.state, c.channel) for c in db.session.scalars(query)]


def test_the_parent_ticks_an_unticked_box_before_any_report_is_shown(app, parents_school, as_user) -> None:
    ns = parents_school
    s = ns.students[0]
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[s.id])
    client = app.test_client()
    landing = client.get(f"/p/{token}").get_data(as_text=True)
    box = re.search(r'<input type="checkbox" name="consent"[^>]*>', landing)
    assert box and "checked" not in box.group(0)  # never pre-ticked
    assert s.full_name not in landing
    refused = client.post(f"/p/{token}", data={})
    assert refused.status_code == 422
    assert "Vui lòng đánh dấu ô đồng ý nhận sổ liên lạc điện tử" in refused.get_data(as_text=True)
    assert client.get("/p/view").status_code == 404 and _consents(app, ns.guardians[s.id]) == []
    assert client.post(f"/p/{token}", data={"consent": "y"}).status_code == 303
    assert s.full_name in client.get("/p/view").get_data(as_text=True)
    assert _consents(app, ns.guardians[s.id]) == [("given", "parent_link")]
    (event,) = _events(app, "guardian_consent.given")
    assert event.actor_role == "phu_huynh" and event.changes["channel"] == [None, "parent_link"]
    # asked once: the next open has no box and needs no tick
    assert 'name="consent"' not in client.get(f"/p/{token}").get_data(as_text=True)
    assert client.post(f"/p/{token}", data={}).status_code == 303


def test_withdrawal_on_the_parent_page_revokes_every_link_and_blocks_issuing(
    app, parents_school, as_user, login_as
) -> None:
    ns = parents_school
    s = ns.students[1]
    gid = ns.guardians[s.id]
    token = issue(as_user, ns.gvcn, ns.cls.id, gid)
    client = app.test_client()
    assert client.post(f"/p/{token}", data={"consent": "y"}).status_code == 303
    page = client.get("/p/view").get_data(as_text=True)
    assert "Rút lại đồng ý" in page
    done = client.post("/p/view/consent/withdraw")
    assert done.status_code == 200 and "Đã rút lại đồng ý" in done.get_data(as_text=True)
    assert client.get("/p/view").status_code == 404
    assert client.get(f"/p/{token}").get_data(as_text=True) == PLAIN_404
    assert _consents(app, gid) == [("given", "parent_link"), ("withdrawn", "parent_link")]
    assert _events(app, "guardian_consent.withdrawn")[0].actor_role == "phu_huynh"
    assert [e.comment for e in _events(app, "parent_link.revoked")] == ["consent_withdrawn"]
    # no new link without a new consent: one by one (422) and "all missing" (skipped, named)
    gvcn = login_as(ns.gvcn)
    one = gvcn.post(f"/parents/classes/{ns.cls.id}/guardians/{gid}/issue")
    assert one.status_code == 422 and "đã rút lại đồng ý nhận sổ liên lạc điện tử" in one.get_data(as_text=True)
    sheet = gvcn.post(f"/parents/classes/{ns.cls.id}/issue-all").get_data(as_text=True)
    assert "Không cấp cho 1 phụ huynh đã rút lại đồng ý" in sheet and f"Mẹ của {s.full_name}" in sheet
    assert sheet.count('<section class="slip">') == len(ns.students) - 1  # the others got theirs
    # the school records a new consent (paper slip): issuing works again
    page = gvcn.get(f"/parents/classes/{ns.cls.id}").get_data(as_text=True)
    assert "Đã rút lại" in page
    again = gvcn.post(f"/parents/classes/{ns.cls.id}/guardians/{gid}/consent/give",
                      data={"decided_on": "01/12/2026", "source": "Phiếu giấy có chữ ký"})  # fmt: skip
    assert again.status_code == 303
    assert gvcn.post(f"/parents/classes/{ns.cls.id}/guardians/{gid}/issue").status_code == 200


def test_the_school_records_consent_and_its_withdrawal(app, parents_school, as_user, login_as) -> None:
    ns = parents_school
    s = ns.students[2]
    gid = ns.guardians[s.id]
    gvcn = login_as(ns.gvcn)
    url = f"/parents/classes/{ns.cls.id}/guardians/{gid}/consent"
    page = gvcn.get(f"/parents/classes/{ns.cls.id}").get_data(as_text=True)
    assert "Chưa ghi nhận" in page
    bad = gvcn.post(f"{url}/give", data={"decided_on": "31/02/2026", "source": "Phiếu giấy"})
    assert bad.status_code == 422 and "31/02/2026" in bad.get_data(as_text=True)
    no_source = gvcn.post(f"{url}/give", data={"decided_on": "01/11/2026", "source": ""})
    assert no_source.status_code == 422 and "Hãy ghi nguồn ghi nhận" in no_source.get_data(as_text=True)
    ok = gvcn.post(f"{url}/give", data={"decided_on": "01/11/2026", "source": "Phiếu giấy có chữ ký"})
    assert ok.status_code == 303
    page = gvcn.get(f"/parents/classes/{ns.cls.id}").get_data(as_text=True)
    assert "Đã đồng ý 01/11/2026" in page and "Phiếu giấy có chữ ký" in page
    twice = gvcn.post(f"{url}/give", data={"decided_on": "01/11/2026", "source": "Phiếu giấy có chữ ký"})
    assert twice.status_code == 409
    token = issue(as_user, ns.gvcn, ns.cls.id, gid)
    client = app.test_client()
    assert 'name="consent"' not in client.get(f"/p/{token}").get_data(as_text=True)  # recorded: not asked
    assert gvcn.post(f"{url}/withdraw", data={"decided_on": "02/11/2026", "source": "Gọi điện"}).status_code == 303
    assert client.get(f"/p/{token}").status_code == 404  # the link stopped at once
    (event,) = _events(app, "guardian_consent.withdrawn")
    assert event.changes["source"] == [None, "Gọi điện"] and event.actor_id == ns.gvcn.id


def test_only_the_class_managers_record_consent(app, parents_school, login_as) -> None:
    ns = parents_school
    gid = ns.guardians[ns.students[0].id]
    data = {"decided_on": "01/11/2026", "source": "Phiếu giấy"}
    url = f"/parents/classes/{ns.cls.id}/guardians/{gid}/consent/give"
    assert login_as(ns.gvcn2).post(url, data=data).status_code == 404  # another class's GVCN
    assert login_as(ns.teacher).post(url, data=data).status_code == 404
    other_gid = ns.guardians[ns.others[0].id]  # a guardian of another class, through this class
    assert login_as(ns.gvcn).post(f"/parents/classes/{ns.cls.id}/guardians/{other_gid}/consent/give",
                                  data=data).status_code == 404  # fmt: skip
    assert login_as(ns.ht).post(url, data=data).status_code == 303  # BGH


def test_consent_actions_have_vietnamese_labels(app) -> None:
    from app.audit.registry import registry

    labels = registry(app).labels
    assert labels["guardian_consent.given"] == "Ghi nhận đồng ý nhận sổ liên lạc điện tử"
    assert labels["guardian_consent.withdrawn"] == "Rút lại đồng ý nhận sổ liên lạc điện tử"
