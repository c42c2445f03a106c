"""A student's data export (the answer to an access request): one JSON of everything the
school holds on the student plus the issued PDFs, BGH only, audited as a fact; the ZIP
holds no token or hash and nothing of another student."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from app.extensions import db
from tests.parents.conftest import NAMES, OTHER, issue, open_as_parent
from tests.privacy.conftest import store_pdf


def test_the_export_holds_everything_on_the_student_and_nothing_else(app, parents_school, as_user, login_as) -> None:
    from app.audit.models import AuditEvent
    from app.parents.models import ParentLink
    from app.school.models import Student

    ns = parents_school
    s = ns.students[0]
    pdf = store_pdf(as_user, ns, s)
    store_pdf(as_user, ns, ns.students[1], code="TEST-0002")  # another child's PDF: not in the ZIP
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[s.id])
    other_token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[1].id])
    parent = app.test_client()
    open_as_parent(parent, token)
    snap = ns.snapshots[(s.id, "month")]
    assert parent.post(f"/p/view/{snap}/ack", data={"reply": "Cảm ơn cô"}).status_code == 303
    open_as_parent(app.test_client(), other_token)
    with app.app_context():
        code = db.session.get(Student, s.id).student_code
        hashes = [link.token_hash for link in db.session.scalars(select(ParentLink)).all()]
    bgh = login_as(ns.ht)
    bgh.post("/privacy/requests", data={"student_code": code, "kind": "access", "requester": "me",
                                        "received_on": "05/03/2026", "details": ""})  # fmt: skip
    r = bgh.post("/privacy/requests/1/export")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    assert f"du-lieu-hoc-sinh-{code}.zip" in r.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    names = archive.namelist()
    assert names[0] == "du-lieu-hoc-sinh.json" and len(names) == 2
    assert archive.read(names[1]) == pdf
    raw = archive.read("du-lieu-hoc-sinh.json").decode()
    data = json.loads(raw)
    assert data["student"]["full_name"] == s.full_name and data["student"]["birth_date"] == "2012-05-17"
    assert "ethnicity" in data["student"] and "national_id" in data["student"]  # sensitive fields too
    assert [g["full_name"] for g in data["guardians"]] == [f"Mẹ của {s.full_name}"]
    assert [(c["state"], c["channel"]) for c in data["consents"]] == [("given", "parent_link")]
    assert [e["class_id"] for e in data["enrollments"]] == [ns.cls.id] and data["enrollments"][0]["class_name"] == "7A1"
    assert {p["period"] for p in data["snapshots"]} == {"month", "hk1"}
    assert all(p["payload"]["student"]["id"] == s.id for p in data["snapshots"])
    assert [d["code"] for d in data["issued_documents"]] == ["TEST-0001"]
    (link,) = data["parent_links"]
    assert "token_hash" not in link and link["open_count"] == 1
    assert {line["event"] for line in data["parent_access_log"]} >= {"open", "ack"}
    assert [a["reply"] for a in data["acknowledgements"]] == ["Cảm ơn cô"]
    assert [q["kind"] for q in data["data_requests"]] == ["access"]
    for needle in [token, other_token, *hashes, *(h[:16] for h in hashes)]:
        assert needle not in raw
    for name in [*NAMES[1:], *OTHER]:
        assert name not in raw and name.split()[1] not in raw  # no other child's name or canary
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "student.data_exported")).all()
        assert event.subject_id == str(s.id) and event.changes["pdf_files"] == [None, 1]
        assert s.full_name not in json.dumps(event.changes, ensure_ascii=False)  # the fact, not the content


def test_only_the_bgh_export(app, parents_school, login_as) -> None:
    from app.school.models import Student

    ns = parents_school
    with app.app_context():
        code = db.session.get(Student, ns.students[0].id).student_code
    bgh = login_as(ns.ht)
    bgh.post("/privacy/requests", data={"student_code": code, "kind": "access", "requester": "me",
                                        "received_on": "05/03/2026", "details": ""})  # fmt: skip
    assert login_as(ns.gvcn).post("/privacy/requests/1/export").status_code == 403
    assert bgh.post("/privacy/requests/2/export").status_code == 404
