"""A small class whose months and terms are published, with guardians and links.

Snapshots are written as rows (the shapes of tests/reports/conftest.py's payloads), as the
results services write them when a month is published or a close approved: the parents
package only reads them. Each student carries canaries (name, remark, a Toán score) that
must never appear on another family's pages."""

from __future__ import annotations

import hashlib
import json
import re
from types import SimpleNamespace
from typing import Any

import pytest

from app.extensions import db
from tests.reports.conftest import month_payload, term_payload

NAMES = ["Nguyễn Canary-A01 Bích", "Trần Canary-A02 Châu", "Lê Canary-A03 Dũng", "Phạm Canary-A04 Giang"]
OTHER = ["Võ Canary-B01 Hà", "Đặng Canary-B02 Khánh"]


def remark_of(name: str) -> str:
    return "Lời-" + name.split()[1]  # "Lời-Canary-A01"


def score_of(i: int) -> str:
    return f"{1 + i}.{3 + i}"  # 1.3, 2.4, 3.5 … — nobody else has them


def _payload(kind: str, student: Any, i: int, cls: Any, year: Any) -> dict[str, Any]:
    p = month_payload(student.full_name) if kind == "month" else term_payload(student.full_name, kind)
    p["student"]["id"] = student.id
    p["remark"] = remark_of(student.full_name)
    p["class"] = {"id": cls.id, "name": cls.name, "grade_level": cls.grade_level}
    p["year"] = {"id": year.id, "name": "2026-2027"}
    toan = p["subjects"][0]["terms"]["hk1"]
    toan["tx"][0] = score_of(i)
    return p


def write_snapshot(student: Any, cls: Any, year: Any, kind: str, i: int, version: int = 1) -> int:
    from app.results.models import ResultSnapshot

    payload = json.dumps(_payload(kind, student, i, cls, year), ensure_ascii=False, sort_keys=True)
    snap = ResultSnapshot(
        student_id=student.id,
        class_id=cls.id,
        year_id=year.id,
        period=kind,
        period_ref="2026-10" if kind == "month" else "",
        version=version,
        payload=payload,
        sha256=hashlib.sha256(payload.encode()).hexdigest(),
    )
    db.session.add(snap)
    db.session.flush()
    return snap.id


@pytest.fixture
def parents_school(app, make_user, make_year, make_class, make_student, as_user):  # type: ignore[no-untyped-def]
    from app.core.authz import Role
    from app.school.models import GuardianRelation, SchoolClass, SchoolYear, Student
    from app.school.services.guardians import add_guardian

    ns = SimpleNamespace()
    ns.year = make_year(2026)
    ns.gvcn = make_user("gvcn", full_name="Hoàng Văn Chủ Nhiệm")
    ns.gvcn2 = make_user("gvcn2", full_name="Lý Thị Lớp Khác")
    ns.teacher = make_user("gv", full_name="Đỗ Thị Bộ Môn")
    ns.ht = make_user("ht", roles=(Role.PRINCIPAL,), full_name="Ngô Văn Hiệu Trưởng")
    ns.cls = make_class(ns.year, "7A1", homeroom_teacher_id=ns.gvcn.id)
    ns.other_cls = make_class(ns.year, "7A2", homeroom_teacher_id=ns.gvcn2.id)
    ns.students = [make_student(ns.cls, n) for n in NAMES]
    ns.others = [make_student(ns.other_cls, n) for n in OTHER]
    ns.snapshots: dict[tuple[int, str], int] = {}
    ns.guardians: dict[int, int] = {}
    with app.test_request_context("/", method="POST"):
        cls, other = db.session.get(SchoolClass, ns.cls.id), db.session.get(SchoolClass, ns.other_cls.id)
        year = db.session.get(SchoolYear, ns.year.id)
        for group, c in ((ns.students, cls), (ns.others, other)):
            for i, s in enumerate(group):
                student = db.session.get(Student, s.id)
                g = add_guardian(None, student, relation=GuardianRelation.MOTHER, full_name=f"Mẹ của {s.full_name}")
                ns.guardians[s.id] = g.id
                for kind in ("month", "hk1"):
                    ns.snapshots[(s.id, kind)] = write_snapshot(student, c, year, kind, i + (10 if c is other else 0))
        db.session.commit()
    return ns


def issue(as_user: Any, user: Any, class_id: int, guardian_id: int) -> str:
    """Issue a link through the service; returns the token (shown once)."""
    from app.parents import queries, services

    def run(actor: Any) -> str:
        cls = queries.managed_class(actor, class_id)
        _link, token = services.issue_link(actor, cls, queries.class_guardian(cls, guardian_id))
        return token

    return as_user(user, run)


def open_as_parent(client: Any, token: str, **form: str) -> Any:
    """The parent's two steps: GET the landing page, POST its button (with the consent box
    ticked, as a parent asked for the first time does; pass consent="" to leave it)."""
    assert client.get(f"/p/{token}").status_code == 200
    form.setdefault("consent", "y")
    return client.post(f"/p/{token}", data={k: v for k, v in form.items() if v})


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def tiny_pdf(text: str) -> bytes:
    """A real one-page PDF (reportlab) standing in for an issued báo liên lạc."""
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text.encode("ascii", "replace").decode())
    page.showPage()
    page.save()
    return out.getvalue()
