# ruff: noqa: F811  (fixtures imported from tests/reports/test_issue_*.py)
"""The preview is the document as it will print, as HTML: the same values as the issued
PDF (name, each subject's ĐTB "x,y", học tập, rèn luyện), laid out per kind (báo liên lạc,
học bạ with R16's corrections line, sổ theo dõi for BGH), nobody else's data, audited, and
it issues nothing."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

from app.extensions import db
from tests.reports.conftest import CLASS_NAMES, deep, identity, month_payload, term_payload, two_years, year_payload
from tests.reports.test_issue_fixtures import (  # noqa: F401
    audit_rows,
    closed,
    documents,
    file_bytes,
    gb,
    issue_card,
    pdf_text,
)
from tests.reports.test_issue_hoc_ba import year_closed  # noqa: F401


def visible(page: str) -> str:
    """The page's text as a reader sees it (tags dropped, entities decoded, spaces collapsed)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _card(app: Any, class_id: int, student_id: int, period: str = "hk1") -> Any:
    from app.reports import queries, services
    from app.school.models import SchoolClass

    with app.app_context():
        cls = db.session.get(SchoolClass, class_id)
        p = queries.issuable_period(cls, period)
        return services.draft_for(cls, queries.class_student(cls, student_id), p, "bao_lien_lac").document()


def test_the_bao_lien_lac_preview_holds_the_same_values_as_the_issued_pdf(app, closed, login_as, as_user) -> None:
    ns = closed
    student = ns.students_a1[1]
    url = f"/reports/classes/{ns.c10a1.id}/students/{student.id}/preview?period=hk1"
    page = login_as(ns.gvcn).get(url)
    assert page.status_code == 200
    shown = visible(page.get_data(as_text=True))
    card = _card(app, ns.c10a1.id, student.id)
    results = [s.hk1.result for s in card.results.subjects if s.hk1 and s.hk1.result]
    assert results and all(re.fullmatch(r"\d+,\d|Đ|CĐ", r) for r in results)
    keys = [student.full_name, "BÁO LIÊN LẠC", "Học kỳ I", "10A1", card.gvcn, card.results.learning.final]
    keys += [card.results.conduct_of("hk1"), *results, *(s.name for s in card.results.subjects)]
    keys += ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", card.school.name.upper()]
    keys += ["ĐTBmhk", "GIÁO VIÊN CHỦ NHIỆM", "HIỆU TRƯỞNG", "Nhận xét của giáo viên chủ nhiệm"]
    doc_id = issue_card(as_user, ns.gvcn, ns.c10a1.id, student.id)
    [doc] = documents(app, id=doc_id)
    printed = flat(pdf_text(file_bytes(app, doc.sha256)))
    assert [k for k in keys if k not in printed] == []
    assert [k for k in keys if k not in shown] == []
    # each subject's row reads in the PDF's column order: name, …, its ĐTBmhk
    for s in card.results.subjects:
        assert re.search(rf"{re.escape(s.name)}( \S+)* {re.escape(s.hk1.result)}\b", shown), s.name
    assert "Kết quả rèn luyện: " + card.results.conduct_of("hk1") in shown
    assert "Kết quả học tập: " + card.results.learning.final in shown
    place = card.school.place_name
    assert re.search(rf"{re.escape(place) + ', ' if place else 'N'}gày \d\d tháng \d\d năm \d{{4}}", shown)


def test_the_bao_lien_lac_preview_holds_nobody_else_and_is_audited_not_issued(
    app, closed, login_as, audit_rows
) -> None:
    ns = closed
    student = ns.students_a1[0]
    page = login_as(ns.gvcn).get(f"/reports/classes/{ns.c10a1.id}/students/{student.id}/preview?period=hk1")
    shown = visible(page.get_data(as_text=True))
    assert student.full_name in shown
    others = [s.full_name for s in ns.students_a1 + ns.students_a2 if s.id != student.id]
    assert [n for n in others if n in shown] == []
    assert "Canary-A02" not in shown and "Canary-B01" not in shown
    [event_] = audit_rows("report.previewed")
    assert event_[3]["kind"] == "bao_lien_lac"
    assert documents(app) == []


def test_the_hoc_ba_preview_has_the_identity_and_the_corrections_line(app, year_closed, login_as, audit_rows) -> None:
    ns = year_closed
    student = ns.students_a1[0]
    url = f"/reports/classes/{ns.c10a1.id}/students/{student.id}/preview?period=cn&kind=hoc_ba"
    page = login_as(ns.gvcn).get(url)
    assert page.status_code == 200
    shown = visible(page.get_data(as_text=True))
    with app.app_context():
        from app.reports import queries, services
        from app.school.models import SchoolClass

        cls = db.session.get(SchoolClass, ns.c10a1.id)
        period = queries.issuable_period(cls, "cn")
        book = services.draft_for(cls, queries.class_student(cls, student.id), period, "hoc_ba").document()
    ident = book.identity
    for label, value in [("Họ và tên", ident.full_name), ("Giới tính", ident.gender), ("Ngày sinh", ident.birth_date),
                         ("Số đăng bộ", ident.register_number or "—")]:  # fmt: skip
        assert f"{label}: {value}" in shown, label
    assert "HỌC BẠ" in shown and "QUÁ TRÌNH HỌC TẬP" in shown and "Chỗ ở hiện tại" in shown
    [year] = book.years
    assert year.results.corrections.startswith("Trong bảng này") and year.results.corrections in shown
    assert f"Trang 2/{len(book.years) + 1}" in shown and "PHÊ DUYỆT CỦA HIỆU TRƯỞNG" in shown
    assert [s.year for s in year.results.subjects if s.year and s.year not in shown] == []
    assert year.results.learning.final in shown
    [event_] = audit_rows("report.previewed")
    assert event_[3]["kind"] == "hoc_ba" and documents(app) == []


def test_the_class_book_preview_is_for_bgh_only_and_audited(app, closed, login_as, audit_rows) -> None:
    ns = closed
    url = f"/reports/classes/{ns.c10a1.id}/book/preview?period=hk1"
    assert login_as(ns.gvcn).get(url).status_code == 403
    page = login_as(ns.ht).get(url)
    assert page.status_code == 200
    shown = visible(page.get_data(as_text=True))
    assert "SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH" in shown and "TỔNG HỢP KẾT QUẢ RÈN LUYỆN VÀ HỌC TẬP" in shown
    assert all(s.full_name in shown for s in ns.students_a1)
    assert not any(s.full_name in shown for s in ns.students_a2)
    assert [e[3]["kind"] for e in audit_rows("report.previewed")] == ["so_theo_doi"]
    assert documents(app) == []
    assert login_as(ns.ht).get(f"/reports/classes/{ns.c10a1.id}/book/preview?period=hk2").status_code == 404


# ---------------------------------------------------------------------------- the sheets from fixtures


def _sheet(app: Any, kind: str, document: Any) -> str:
    from datetime import date

    from flask import render_template

    from app.reports.pdf.common import date_line
    from app.reports.views.pages import SHEETS

    with app.test_request_context():
        return visible(render_template(SHEETS[kind], document=document, today=date(2026, 1, 5), date_line=date_line))


def test_a_month_sheet_says_it_is_not_a_term_result_and_shows_no_average(app) -> None:
    from app.reports.documents import report_card

    shown = _sheet(app, "bao_lien_lac", report_card(month_payload()))
    assert "Tháng 10/2024 - Năm học 2024-2025" in shown
    assert "Kết quả đến hết tháng 10/2024 — chưa phải kết quả học kỳ" in shown
    assert "ĐTBmhk" not in shown and "Kết quả học tập" not in shown
    assert "Số buổi nghỉ trong tháng: 1" in shown and "Nhận xét của giáo viên chủ nhiệm trong tháng:" in shown
    assert "Toán 8,0 7,0 7,5" in shown  # tx1, tx2, two blank tx, gk — no ck, no average yet
    assert "Cầu Ngang, ngày 05 tháng 01 năm 2026" in shown


def test_a_term_sheet_prints_what_the_pdf_prints_and_nothing_sensitive(app) -> None:
    from app.reports.documents import report_card

    payload = term_payload()
    payload["student"].update({"ethnicity": "Khmer", "address": "Ấp Mỹ Cẩm A", "moet_id": "8400000001"})
    payload.update({"class_average": "6.4", "rank": 3})
    shown = _sheet(app, "bao_lien_lac", report_card(payload))
    assert "Toán 8,0 7,0 9,0 6,5 7,5 8,0 7,7" in shown
    assert "Kết quả rèn luyện: Tốt" in shown and "Kết quả học tập: Khá" in shown
    assert "Số buổi nghỉ: 3 (có phép 2, không phép 1)" in shown
    assert "Học tập được điều chỉnh từ mức Đạt lên Khá: Điều 9 khoản 3" in shown
    for secret in ("Khmer", "Mỹ Cẩm", "8400000001", "6,4", "HS00001", "1/2021"):
        assert secret not in shown, secret
    assert not any(n in shown for n in CLASS_NAMES[1:])


def test_a_year_sheet_after_summer_shows_the_retest_and_the_decision(app) -> None:
    from app.reports.documents import report_card

    shown = _sheet(app, "bao_lien_lac", report_card(year_payload(kind="he")))
    assert "Kiểm tra lại" in shown and "Tin học 9,1 9,1 4,5 6,0" in shown
    assert "Sau kiểm tra lại: Đạt" in shown
    assert "Kết quả cuối năm: Được lên lớp — Sau kiểm tra lại môn Tin học" in shown


def test_a_hoc_ba_sheet_numbers_its_pages_and_prints_each_years_corrections(app) -> None:
    from app.reports.documents import hoc_ba

    shown = _sheet(app, "hoc_ba", hoc_ba(identity(), deep(two_years())))
    assert "Dân tộc: Khmer" in shown and "Nơi sinh: Xã Kim Hòa" in shown and "Số đăng bộ: 125/2021" in shown
    assert "Họ và tên cha: Thạch Văn Sơn Nghề nghiệp: Nông dân" in shown
    assert "Trong bảng này không có chỗ nào sửa chữa." in shown
    assert "Trong bảng này có sửa chữa ở 2 chỗ, thuộc các môn học Ngữ văn, Toán." in shown
    assert [f"Trang {i}/3" in shown for i in (1, 2, 3)] == [True, True, True]
    assert "Kết quả sau kỳ nghỉ hè: kiểm tra lại Tin học 6,0; học tập Đạt." in shown
    assert "TRUNG HỌC CƠ SỞ" in shown and "Học sinh: Nguyễn Thị Ngọc Ánh · Số đăng bộ: 125/2021" in shown


def test_a_class_book_sheet_lists_every_student_in_class_order(app) -> None:
    from app.reports.documents import class_book

    book = class_book([term_payload(name, n=i) for i, name in enumerate(CLASS_NAMES, start=1)])
    shown = _sheet(app, "so_theo_doi", book)
    assert "Lớp 7A1 - Học kỳ I - Năm học 2024-2025" in shown and "Sĩ số: 5" in shown
    assert "Môn học: Giáo dục thể chất (đánh giá bằng nhận xét)" in shown
    assert "1 Nguyễn Thị Ngọc Ánh 8,0 7,0 9,0 6,5 7,5 8,0 7,7" in shown
    positions = [shown.index(f"{i} {n}") for i, n in enumerate(CLASS_NAMES, start=1)]
    assert positions == sorted(positions)
