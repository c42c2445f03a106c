# ruff: noqa: F811  (fixtures imported from tests/reports and tests/signing)
"""A học bạ signed GVCN → hiệu trưởng → seal: the boxes under the year page's captions, the
Vietnamese stamp text in the PDF, every signature valid and trusted."""

from __future__ import annotations

from pathlib import Path

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, file_bytes, gb, pdf_text  # noqa: F401
from tests.reports.test_issue_hoc_ba import year_closed  # noqa: F401
from tests.signing.conftest import PASSWORD, register, signatures, validate


def test_a_hoc_ba_is_signed_in_order_under_its_captions(app, year_closed, as_user, login_as, pki, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.reports import queries, services
    from app.school.models import SchoolClass
    from app.signing.services import boxes

    ns = year_closed
    app.config.update(SODIENTU_SEAL_P12=str(pki.seal), SODIENTU_SEAL_PASSWORD=PASSWORD)
    student = ns.students_a1[0]

    def issue(actor):  # type: ignore[no-untyped-def]
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        period = queries.issuable_period(cls, "cn")
        return services.issue(
            actor, services.draft_for(cls, queries.class_student(cls, student.id), period, "hoc_ba")
        ).id

    doc_id = as_user(ns.gvcn, issue)
    register(as_user, ns.gvcn, pki.gvcn)
    register(as_user, ns.ht, pki.ht)
    for who in (ns.gvcn, ns.ht):
        resp = login_as(who).post(f"/signing/documents/{doc_id}/sign", data={"password": PASSWORD})
        assert resp.status_code == 303
    sigs = signatures(app, doc_id)
    assert [s.step for s in sigs] == ["gvcn", "hieu_truong", "seal"]
    final = file_bytes(app, sigs[-1].sha256)
    Path(tmp_path / "hoc-ba-da-ky.pdf").write_bytes(final)
    results = validate(final, pki.ca_pem)
    assert all(st.intact and st.valid and st.trusted for _, st in results) and len(results) == 3
    with app.app_context():
        from app.reports.models import IssuedDocument

        redrawn = boxes.redraw(db.session.get(IssuedDocument, doc_id))
    assert redrawn.identical
    gvcn_box = [b for b in redrawn.boxes if b.role == "gvcn"][-1]
    ht_box = [b for b in redrawn.boxes if b.role == "hieu_truong"][-1]
    rects = {sig.field_name: [round(float(v), 2) for v in sig.sig_field["/Rect"]] for sig, _ in results}
    assert rects["ChuKy_GVCN"] == [round(v, 2) for v in (gvcn_box.x1, gvcn_box.y1, gvcn_box.x2, gvcn_box.y2)]
    mid = round((ht_box.y1 + ht_box.y2) / 2, 2)
    assert rects["ChuKy_HieuTruong"] == [round(ht_box.x1, 2), mid, round(ht_box.x2, 2), round(ht_box.y2, 2)]
    assert rects["DauCuaTruong"] == [round(ht_box.x1, 2), round(ht_box.y1, 2), round(ht_box.x2, 2), mid]
    text = pdf_text(final)
    assert "Giáo viên chủ nhiệm: Hoàng Văn Chủ Nhiệm" in text
    assert "Hiệu trưởng: Ngô Văn Hiệu Trưởng" in text and "Đóng dấu: Con dấu Trường THPT Thử Nghiệm" in text
    assert "CHỨNG THƯ THỬ NGHIỆM" in text
