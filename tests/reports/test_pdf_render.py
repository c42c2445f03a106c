"""The PDFs read back with poppler: Vietnamese text intact, Vietnamese decimals, one page
for a term báo liên lạc whatever its length, only embedded subset fonts, "Trang x/y",
the verification code and the superseding line, signature boxes under their captions."""

from __future__ import annotations

import dataclasses

import pytest

from app.reports import documents
from app.reports.pdf import render, render_with_boxes
from tests.reports.conftest import (
    CLASS_NAMES,
    LONG_COMMENT,
    deep,
    flat,
    identity,
    month_payload,
    nfd,
    page_count,
    pdf_fonts,
    pdf_text,
    render_png,
    term_payload,
    two_years,
    words,
    year_payload,
)


def _all_documents():  # type: ignore[no-untyped-def]
    return {
        "hk1": documents.report_card(term_payload()),
        "cn": documents.report_card(year_payload()),
        "he": documents.report_card(year_payload(kind="he")),
        "month": documents.report_card(month_payload()),
        "hoc_ba": documents.hoc_ba(identity(), two_years()),
        "so_theo_doi": documents.class_book([term_payload(n, n=i) for i, n in enumerate(CLASS_NAMES)]),
        "so_theo_doi_cn": documents.class_book([year_payload(n, n=i) for i, n in enumerate(CLASS_NAMES)]),
    }


def test_a_term_report_card_reads_back_in_vietnamese(stamp, tmp_path) -> None:
    pdf = render(documents.report_card(term_payload()), stamp)
    text = pdf_text(pdf, tmp_path)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO HUYỆN CẦU NGANG", "TRƯỜNG THCS NGUYỄN TRÃI", "BÁO LIÊN LẠC",
        "Học kỳ I - Năm học 2024-2025", "Nguyễn Thị Ngọc Ánh", "7A1", "Hoạt động trải nghiệm, hướng nghiệp",
        "ĐTBmhk", "7,7", "6,5", "Cầu Ngang, ngày 05 tháng 01 năm 2026", "GIÁO VIÊN CHỦ NHIỆM", "HIỆU TRƯỞNG",
        "(Ký, ghi rõ họ tên)", "(Ký tên, đóng dấu)", "Trần Thị Hồng Nhung", "Nguyễn Văn Hiệu",
        "Mã xác thực: 7KQ4-M2XD", "05/01/2026 10:30", "Trang 1/1",
    ):  # fmt: skip
        assert expected in text, expected
    assert "Kết quả học tập: Khá" in flat(text) and "Học tập được điều chỉnh từ mức Đạt lên Khá" in flat(text)
    assert "None" not in text and "7.7" not in text
    assert "Bản này thay thế" not in text


def test_a_decomposed_name_comes_back_composed(stamp, tmp_path) -> None:
    pdf = render(documents.report_card(term_payload(nfd("Nguyễn Thị Ngọc Ánh"))), stamp)
    text = pdf_text(pdf, tmp_path)
    assert "Nguyễn Thị Ngọc Ánh" in text


@pytest.mark.parametrize("kind", ["hk1", "hk2", "cn", "he", "month"])
def test_a_report_card_is_one_page_with_13_subjects_and_300_character_comments(kind, stamp, tmp_path) -> None:
    long_remark = LONG_COMMENT + " " + LONG_COMMENT
    if kind == "month":
        payload = month_payload()
        for s in payload["subjects"]:
            s["terms"]["hk1"]["comment"] = LONG_COMMENT
        payload["remark"] = long_remark
    elif kind in ("cn", "he"):
        payload = year_payload(kind=kind, comment=LONG_COMMENT, remark=long_remark)
    else:
        payload = term_payload(kind=kind, comment=LONG_COMMENT, remark=long_remark)
    assert len(payload["subjects"]) == 13
    pdf, boxes = render_with_boxes(documents.report_card(payload), stamp)
    assert page_count(pdf, tmp_path) == 1
    text = flat(pdf_text(pdf, tmp_path))
    assert text.count("giữ gìn sức khỏe thật tốt.") >= 13 + 2  # every comment and the remark, nothing cut
    assert "Nội dung giáo dục của địa phương" in text and "Trang 1/1" in text
    assert [b.role for b in boxes] == ["gvcn", "hieu_truong"]


def test_a_month_says_it_is_not_a_term_result_and_prints_no_average(stamp, tmp_path) -> None:
    text = pdf_text(render(documents.report_card(month_payload()), stamp), tmp_path)
    assert "Kết quả đến hết tháng 10/2024 — chưa phải kết quả học kỳ" in text
    assert "Tháng 10/2024 - Năm học 2024-2025" in text
    assert "ĐTBmhk" not in text and "Kết quả học tập" not in text
    assert "Số buổi nghỉ trong tháng: 1 (có phép 1, không phép 0)" in flat(text)
    assert "Tháng này em tiến bộ ở môn Toán." in text


def test_a_year_report_card_has_both_terms_the_year_the_retest_and_the_decision(stamp, tmp_path) -> None:
    text = flat(pdf_text(render(documents.report_card(year_payload(kind="he")), stamp), tmp_path))
    for expected in ("Học kỳ I", "Học kỳ II", "Cả năm", "Kiểm tra lại", "8,2", "4,5", "6,0",
                     "Kết quả cuối năm: Được lên lớp", "Sau kiểm tra lại: Đạt", "Số buổi nghỉ cả năm: 5"):  # fmt: skip
        assert expected in text, expected
    cn = flat(pdf_text(render(documents.report_card(year_payload()), stamp), tmp_path))
    assert "Danh hiệu: Học sinh Giỏi" in cn and "Kiểm tra lại" not in cn


def test_a_report_card_holds_nobody_else_and_nothing_sensitive(stamp, tmp_path) -> None:
    payload = term_payload(CLASS_NAMES[1], n=2)
    payload["student"].update({"ethnicity": "Khmer", "address": "Ấp Mỹ Cẩm A", "moet_id": "8400000001"})
    payload.update({"ethnicity": "Khmer", "address": "Ấp Mỹ Cẩm A", "class_average": "6.4", "rank": 3})
    text = pdf_text(render(documents.report_card(payload), stamp), tmp_path)
    assert CLASS_NAMES[1] in text
    assert not [n for n in CLASS_NAMES if n != CLASS_NAMES[1] and n in text]
    for secret in ("Khmer", "Mỹ Cẩm", "8400000001", "HS00002", "2/2021", "Dân tộc", "Chỗ ở", "6,4", "Xếp hạng"):
        assert secret not in text, secret


@pytest.mark.parametrize("name", list(_all_documents()))
def test_only_embedded_subset_fonts_and_every_page_renders(name, stamp, tmp_path) -> None:
    pdf = render(_all_documents()[name], stamp)
    fonts = pdf_fonts(pdf, tmp_path)
    assert fonts and all("+BeVietnamPro" in row[0] for row in fonts)
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in fonts)  # emb, sub, uni
    assert not any("Helvetica" in row[0] for row in fonts)
    assert len(render_png(pdf, tmp_path)) == page_count(pdf, tmp_path)


def test_a_superseding_stamp_prints_its_line_and_the_verify_url(stamp, tmp_path) -> None:
    again = dataclasses.replace(
        stamp, code="9ZZZ-1AAA", supersedes="7KQ4-M2XD", verify_url="https://truong.vn/xac-thuc/9ZZZ-1AAA"
    )
    for doc in (documents.report_card(term_payload()), documents.hoc_ba(identity(), two_years())):
        pdf = render(doc, again)
        n = page_count(pdf, tmp_path)
        for page in range(1, n + 1):
            text = pdf_text(pdf, tmp_path, page)
            assert "Bản này thay thế bản có mã 7KQ4-M2XD (đã điều chỉnh)." in text
            assert "Mã xác thực: 9ZZZ-1AAA" in text and "https://truong.vn/xac-thuc/9ZZZ-1AAA" in text


def test_hoc_ba_identity_page_then_one_page_per_year_each_numbered_with_name_and_register(stamp, tmp_path) -> None:
    pdf = render(documents.hoc_ba(identity(), two_years()), stamp)
    assert page_count(pdf, tmp_path) == 3
    pages = [pdf_text(pdf, tmp_path, p) for p in (1, 2, 3)]
    for n, text in enumerate(pages, start=1):
        assert f"Trang {n}/3" in text
        assert "Học sinh: Nguyễn Thị Ngọc Ánh · Số đăng bộ: 125/2021" in text
    first = flat(pages[0])
    for expected in ("HỌC BẠ", "TRUNG HỌC CƠ SỞ", "Giới tính: Nữ", "Ngày sinh: 17/05/2012",
                     "Nơi sinh: Xã Kim Hòa, huyện Cầu Ngang, tỉnh Trà Vinh", "Dân tộc: Khmer",
                     "Chỗ ở hiện tại: Ấp Mỹ Cẩm A", "Họ và tên cha: Thạch Văn Sơn", "Nghề nghiệp: Nông dân",
                     "Họ và tên mẹ: Kim Thị Lan", "Số đăng bộ: 125/2021", "QUÁ TRÌNH HỌC TẬP", "2023-2024", "6A1",
                     "Lê Văn Cũ", "Hiệu trưởng xác nhận"):  # fmt: skip
        assert expected in first, expected
    one, two = flat(pages[1]), flat(pages[2])
    assert "Năm học: 2023-2024" in one and "Lớp: 6A1" in one
    assert "Trong bảng này không có chỗ nào sửa chữa." in one
    assert "Trong bảng này có sửa chữa ở 2 chỗ, thuộc các môn học Ngữ văn, Toán." in two
    for expected in ("Học kỳ I", "Học kỳ II", "Cả năm", "Kiểm tra lại", "Nhận xét của giáo viên môn học",
                     "Rèn luyện", "Học tập", "Tổng số buổi nghỉ học cả năm: 5", "Kết quả cuối năm: Được lên lớp",
                     "Kết quả sau kỳ nghỉ hè", "NHẬN XÉT CỦA GIÁO VIÊN CHỦ NHIỆM", "PHÊ DUYỆT CỦA HIỆU TRƯỞNG",
                     "(Ký tên, đóng dấu)", "7,7", "8,2", "6,0"):  # fmt: skip
        assert expected in two, expected
    assert "Danh hiệu: Học sinh Giỏi" in one


def test_the_class_book_is_landscape_with_every_student_then_the_summary(stamp, tmp_path) -> None:
    import io

    from pypdf import PdfReader

    payloads = [year_payload(n, n=i) for i, n in enumerate(CLASS_NAMES)]
    pdf, boxes = render_with_boxes(documents.class_book(payloads), stamp)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert float(box.width) > float(box.height)
    n = page_count(pdf, tmp_path)
    assert n == 14  # 13 subjects, then the summary
    text = flat(pdf_text(pdf, tmp_path))
    assert all(text.count(name) == n for name in CLASS_NAMES)  # every subject page and the summary
    for expected in ("SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH", "Lớp 7A1 - Cả năm - Năm học 2024-2025", "Môn học: Toán",
                     "TỔNG HỢP KẾT QUẢ RÈN LUYỆN VÀ HỌC TẬP", "Danh hiệu", "Được lên lớp",
                     f"Trang 1/{n}", f"Trang {n}/{n}"):  # fmt: skip
        assert expected in text, expected
    assert [b.role for b in boxes] == ["gvcn", "hieu_truong"] and {b.page for b in boxes} == {n}


def test_a_long_class_splits_its_tables_with_the_header_repeated(stamp, tmp_path) -> None:
    names = [f"Học Sinh Số {i:02d}" for i in range(1, 46)]
    pdf = render(documents.class_book([term_payload(n, n=i, subjects=2) for i, n in enumerate(names)]), stamp)
    assert page_count(pdf, tmp_path) > 3
    text = pdf_text(pdf, tmp_path)
    assert all(n in text for n in names) and text.count("ĐĐGtx1") >= 3


@pytest.mark.parametrize("name", ["hk1", "month", "hoc_ba", "so_theo_doi"])
def test_signature_boxes_lie_inside_the_page_under_their_captions(name, stamp, tmp_path) -> None:
    pdf, boxes = render_with_boxes(_all_documents()[name], stamp)
    assert boxes
    found = words(pdf, tmp_path)
    for b in boxes:
        page_words = [w for w in found if w[0] == b.page]
        height = page_words[0][6]
        width = 842.0 if name.startswith("so_theo_doi") else 595.3
        assert 0 < b.x1 < b.x2 <= width and 0 < b.y1 < b.y2 <= height
        assert b.x2 - b.x1 > 150 and b.y2 - b.y1 >= 40
        # the note "(Ký …)" right above the box, inside its width; nothing printed inside the box
        notes = [w for w in page_words if w[1].startswith("(Ký") and b.x1 <= (w[2] + w[4]) / 2 <= b.x2]
        assert notes and min(height - w[5] for w in notes) >= b.y2 - 1
        assert min(height - w[5] for w in notes) - b.y2 < 12
        inside = [w for w in page_words if b.x1 < w[2] < b.x2 and b.y1 < height - w[5] < b.y2]
        assert inside == []


def test_the_same_document_and_stamp_give_the_same_bytes(stamp) -> None:
    doc = documents.report_card(term_payload())
    assert render(doc, stamp) == render(deep(doc), stamp)


def test_threads_rendering_at_once_give_the_same_bytes_as_one_at_a_time(stamp) -> None:
    from concurrent.futures import ThreadPoolExecutor

    docs = [documents.report_card(term_payload(n, n=i)) for i, n in enumerate(CLASS_NAMES)]
    docs.append(documents.hoc_ba(identity(), two_years()))
    serial = [render(d, stamp) for d in docs]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda d: render(d, stamp), docs * 3)) == serial * 3


def test_sparse_payloads_still_draw_and_print_no_none(stamp, tmp_path) -> None:
    month = month_payload()
    month["subjects"], month["school"] = [], None
    year = year_payload()
    year["decision"], year["learning"], year["subjects"][0]["terms"] = None, None, {}
    docs = [
        documents.report_card(month),
        documents.report_card({}),
        documents.hoc_ba({}, []),
        documents.hoc_ba(identity(), [year]),
        documents.class_book([]),
    ]
    for doc in docs:
        text = pdf_text(render(doc, stamp), tmp_path)
        assert "None" not in text and "Mã xác thực: 7KQ4-M2XD" in text
    assert "Chưa có điểm nào được ghi nhận." in pdf_text(render(docs[0], stamp), tmp_path)
