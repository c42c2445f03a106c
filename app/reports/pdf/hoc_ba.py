"""Học bạ: the identity page, then one page per school year (the official form's order).

Identity (DOMAIN.md §6): họ và tên, giới tính, ngày sinh, nơi sinh, dân tộc, chỗ ở hiện
tại, cha/mẹ/người giám hộ (họ tên, nghề nghiệp), số đăng bộ, and the "quá trình học tập"
table with the hiệu trưởng's confirmation. Each year: per subject HK I, HK II, cả năm,
kiểm tra lại and the teacher's comment; R16's corrections line; rèn luyện and học tập per
term and year and after the summer; tổng số buổi nghỉ; the decision; danh hiệu; nhận xét
GVCN (signature box) and phê duyệt của hiệu trưởng (signature box, đóng dấu). Every page
carries "Trang x/y", the student's name and số đăng bộ in its footer.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from app.reports.documents import DASH, HocBa, HocBaYear, Identity, Stamp
from app.reports.pdf.common import (
    NOTE_SEAL,
    PORTRAIT,
    HeaderBlock,
    LabelLine,
    Para,
    SignatureBox,
    Signer,
    Styles,
    build_pages,
    date_line,
    esc,
    frame_size,
    issued_day,
    labelled,
    one_page,
    para,
    signature_row,
    stamp_footer,
    styles,
)
from app.reports.pdf.grid import CellLike, Grid, widths_with_rest

WIDTH, HEIGHT = frame_size(PORTRAIT)


def _identity_page(doc: HocBa, stamp: Stamp, sink: list[SignatureBox], st: Styles) -> list[Flowable]:
    ident: Identity = doc.identity
    out: list[Flowable] = [HeaderBlock(doc.school, st.size + 0.5), Spacer(1, st.size * 2.5)]
    out.append(para("HỌC BẠ", styles(st.size * 1.5).title))
    if doc.level_title:
        out.append(para(doc.level_title, st.subtitle))
    out.append(Spacer(1, st.size * 1.5))
    halves = (0.6, 0.4)
    out.append(
        LabelLine([("Họ và tên", ident.full_name, True), ("Giới tính", ident.gender, False)], halves, st.size + 1)
    )
    out.append(
        LabelLine([("Ngày sinh", ident.birth_date, False), ("Dân tộc", ident.ethnicity, False)], halves, st.size)
    )
    out.append(labelled("Nơi sinh", ident.birthplace, st.body))
    out.append(labelled("Chỗ ở hiện tại", ident.address, st.body))
    for g in ident.guardians:
        who = g.relation.lower() if g.relation else "người giám hộ"
        out.append(
            Para(
                f"Họ và tên {esc(who)}: <b>{esc(g.full_name or DASH)}</b>"
                f"&nbsp;&nbsp;&nbsp; Nghề nghiệp: {esc(g.occupation or DASH)}",
                st.body,
            )
        )
    if not ident.guardians:
        out.append(para("Cha, mẹ hoặc người giám hộ: —", st.body))
    out.append(
        LabelLine([("Trường", doc.school.name, False), ("Số đăng bộ", ident.register_number, True)], halves, st.size)
    )
    out.append(Spacer(1, st.size))
    out.append(para("QUÁ TRÌNH HỌC TẬP", st.subtitle))
    rows: list[list[CellLike]] = [["Năm học", "Lớp", "Tên trường và nơi trường đặt trụ sở", "Hiệu trưởng xác nhận"]]
    for r in ident.schooling or ():
        where = ", ".join(x for x in (r.school_name, r.place) if x)
        rows.append([r.year_name, r.class_name, where, r.principal])
    if len(rows) == 1:
        rows.append(["", "", "", ""])
    widths = widths_with_rest([70.0, 50.0, None, 140.0], WIDTH)
    out.append(Grid(rows, widths, st.size - 0.5, align=["C", "C", "L", "C"], wrap=(2, 3), vpad=9))
    out.append(Spacer(1, st.size * 1.5))
    principal = doc.years[-1].hieu_truong if doc.years else ""
    signers = [
        Signer("", "", ""),
        Signer(
            "hieu_truong",
            "HIỆU TRƯỞNG",
            principal,
            NOTE_SEAL,
            above=date_line(doc.school.place_name, issued_day(stamp)),
        ),
    ]
    out.append(signature_row(signers, st, sink))
    return out


def _subjects(year: HocBaYear, st: Styles) -> Grid:
    r = year.results
    rows: list[list[CellLike]] = [
        [
            "Môn học / hoạt động giáo dục",
            "Học kỳ I",
            "Học kỳ II",
            "Cả năm",
            "Kiểm tra lại",
            "Nhận xét của giáo viên môn học",
        ]
    ]
    for s in r.subjects:
        rows.append([s.name, s.hk1.result if s.hk1 else "", s.hk2.result if s.hk2 else "", s.year, s.retest, s.comment])
    widths = widths_with_rest([120.0, 44.0, 44.0, 44.0, 48.0, None], WIDTH)
    return Grid(rows, widths, st.size - 1, align=["L", "C", "C", "C", "C", "L"], wrap=(0, 5), bold=(3,))


def _levels(year: HocBaYear, st: Styles) -> Grid:
    r = year.results
    learning = dict(year.term_learning)
    after = r.decision.learning_after_retest if r.decision else None
    summer_learning = after.final if after is not None and r.kind == "he" else ""
    rows: list[list[CellLike]] = [
        ["Kết quả", "Học kỳ I", "Học kỳ II", "Cả năm", "Sau rèn luyện, kiểm tra lại trong hè"],
        ["Rèn luyện", r.conduct_of("hk1"), r.conduct_of("hk2"), r.conduct_of("year"), r.conduct_of("summer")],
        [
            "Học tập",
            learning.get("hk1", DASH),
            learning.get("hk2", DASH),
            r.learning.final if r.learning else DASH,
            summer_learning,
        ],
    ]
    widths = widths_with_rest([90.0, 80.0, 80.0, 80.0, None], WIDTH)
    return Grid(rows, widths, st.size - 1, align=["L", "C", "C", "C", "C"], bold=(0, 3))


def _year_page(doc: HocBa, year: HocBaYear, stamp: Stamp, sink: list[SignatureBox], st: Styles) -> list[Flowable]:
    r = year.results
    out: list[Flowable] = [
        LabelLine(
            [
                ("Họ và tên", doc.identity.full_name, True),
                ("Lớp", year.class_name, True),
                ("Năm học", year.year_name, True),
            ],
            (0.5, 0.2, 0.3),
            st.size + 0.5,
        ),
        LabelLine([("Trường", year.school_name, False)], (1.0,), st.size),
        Spacer(1, st.size * 0.5),
        _subjects(year, st),
        Para(f"<i>{esc(r.corrections)}</i>", st.small),
        Spacer(1, st.size * 0.6),
        _levels(year, st),
        Spacer(1, st.size * 0.5),
    ]
    excused, unexcused, total = r.absences
    out.append(
        Para(f"Tổng số buổi nghỉ học cả năm: <b>{total}</b> (có phép {excused}, không phép {unexcused})", st.body)
    )
    if r.learning is not None and r.learning.adjusted:
        out.append(
            Para(
                f"<i>Học tập được điều chỉnh từ mức {esc(r.learning.computed)}: {esc(r.learning.reason)}</i>", st.small
            )
        )
    if r.decision is not None:
        d = r.decision
        line = f"Kết quả cuối năm: <b>{esc(d.outcome)}</b>" + (f" — {esc(d.reason)}" if d.reason else "")
        out.append(Para(line, st.body))
        if r.kind == "he" and (d.learning_after_retest is not None or d.conduct_after_summer):
            parts = []
            if d.learning_after_retest is not None and d.retest_subjects:
                retests = ", ".join(f"{s.name} {s.retest}" for s in r.subjects if s.retest)
                parts.append(f"kiểm tra lại {esc(retests)}; học tập {esc(d.learning_after_retest.final)}")
            if d.conduct_after_summer:
                parts.append(f"rèn luyện trong hè {esc(d.conduct_after_summer)}")
            if parts:
                out.append(Para("Kết quả sau kỳ nghỉ hè: " + "; ".join(parts) + ".", st.body))
    out.append(labelled("Danh hiệu", r.title, st.body))
    if r.exemptions:
        out.append(Para("Miễn học: " + esc("; ".join(r.exemptions)), st.small))
    out.append(Spacer(1, st.size * 0.4))
    out.append(para("NHẬN XÉT CỦA GIÁO VIÊN CHỦ NHIỆM", st.heading))
    out.append(para(r.remark or DASH, st.justify))
    out.append(Spacer(1, st.size * 0.6))
    signers = [
        Signer("gvcn", "GIÁO VIÊN CHỦ NHIỆM", year.gvcn),
        Signer(
            "hieu_truong",
            "PHÊ DUYỆT CỦA HIỆU TRƯỞNG",
            year.hieu_truong,
            NOTE_SEAL,
            above=date_line(year.place_name, year.approved_on or issued_day(stamp)),
        ),
    ]
    out.append(signature_row(signers, st, sink))
    return out


def render(doc: HocBa, stamp: Stamp, sink: list[SignatureBox]) -> bytes:
    st = styles(9.5)
    pages = [_identity_page(doc, stamp, sink, st)] + [_year_page(doc, y, stamp, sink, st) for y in doc.years]
    ident = doc.identity
    lead = f"Học sinh: {ident.full_name} · Số đăng bộ: {ident.register_number or DASH}"
    return build_pages(
        [one_page(page, WIDTH, HEIGHT) for page in pages],
        stamp_footer(stamp, lead),
        title=f"Học bạ — {ident.full_name}",
        signed_by=sink,
    )
