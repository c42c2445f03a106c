"""Sổ theo dõi và đánh giá học sinh (theo lớp): the school's book of a class for a period
(TT22), landscape A4 — per subject every student's ĐĐGtx, giữa kỳ, cuối kỳ and ĐTBmhk
(or Đ/CĐ; a year: both terms, cả năm and kiểm tra lại), then the summary (rèn luyện, học
tập, buổi nghỉ, danh hiệu, the year's decision) and the GVCN's and hiệu trưởng's
signature blocks. Staff only: the issuing side decides who may print it.
"""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Spacer

from app.reports.documents import DASH, ClassBook, Stamp, SubjectRow, TermMarks
from app.reports.pdf.common import (
    LANDSCAPE,
    NOTE_SEAL,
    HeaderBlock,
    LabelLine,
    SignatureBox,
    Signer,
    Styles,
    build,
    date_line,
    frame_size,
    issued_day,
    para,
    signature_row,
    stamp_footer,
    styles,
)
from app.reports.pdf.grid import Cell, CellLike, Grid, widths_with_rest

WIDTH, HEIGHT = frame_size(LANDSCAPE)
NAME_W, STT_W = 150.0, 22.0


def _marks(m: TermMarks | None, n_tx: int, month: bool) -> list[CellLike]:
    tx = list(m.tx) if m else []
    out: list[CellLike] = [*(tx + [""] * (n_tx - len(tx))), m.gk if m else "", m.ck if m else ""]
    if not month:
        out.append(m.result if m else "")
    return out


def _find(subjects: tuple[SubjectRow, ...], key: str) -> SubjectRow | None:
    return next((s for s in subjects if (s.code or s.name) == key), None)


def _term_grid(book: ClassBook, key: str, n_tx: int, st: Styles) -> Grid:
    month = book.kind == "month"
    term = "hk2" if book.kind == "hk2" else "hk1"
    head: list[CellLike] = ["STT", "Họ và tên", *[f"ĐĐGtx{i}" for i in range(1, n_tx + 1)], "ĐĐGgk", "ĐĐGck"]
    head += [] if month else ["ĐTBmhk"]
    head.append("Nhận xét của giáo viên")
    rows: list[list[CellLike]] = [head]
    for student in book.students:
        s = _find(student.results.subjects, key)
        m = s.term(term) if s else None
        rows.append([str(student.number), student.full_name, *_marks(m, n_tx, month), m.comment if m else ""])
    fixed: list[float | None] = [STT_W, NAME_W] + [40.0] * (n_tx + (2 if month else 3)) + [None]
    align = ["C", "L"] + ["C"] * (len(head) - 3) + ["L"]
    bold = () if month else (len(head) - 2,)
    return Grid(rows, widths_with_rest(fixed, WIDTH), st.size - 1, align=align, wrap=(len(head) - 1,), bold=bold)


def _year_grid(book: ClassBook, key: str, n_tx: int, st: Styles) -> Grid:
    span = n_tx + 3
    top: list[CellLike] = [Cell("STT", rowspan=2), Cell("Họ và tên", rowspan=2), Cell("Học kỳ I", colspan=span)]
    top += [None] * (span - 1) + [Cell("Học kỳ II", colspan=span)] + [None] * (span - 1)
    top += [Cell("Cả năm", rowspan=2), Cell("Kiểm tra lại", rowspan=2)]
    names: list[CellLike] = [*[f"tx{i}" for i in range(1, n_tx + 1)], "gk", "ck", "ĐTB"]
    sub: list[CellLike] = [None, None, *names, *names, None, None]
    rows: list[list[CellLike]] = [top, sub]
    for student in book.students:
        s = _find(student.results.subjects, key)
        line: list[CellLike] = [str(student.number), student.full_name]
        line += _marks(s.hk1 if s else None, n_tx, False) + _marks(s.hk2 if s else None, n_tx, False)
        line += [s.year if s else "", s.retest if s else ""]
        rows.append(line)
    fixed: list[float | None] = [STT_W, NAME_W] + [None] * (2 * span) + [48.0, 52.0]
    each = (WIDTH - STT_W - NAME_W - 100.0) / (2 * span)
    widths = [w if w is not None else each for w in fixed]
    bold = (2 + span - 1, 2 + 2 * span - 1, 2 + 2 * span)
    align = ["C", "L"] + ["C"] * (2 * span + 2)
    return Grid(rows, widths, st.size - 1, header_rows=2, align=align, bold=bold)


def _summary(book: ClassBook, st: Styles) -> Grid:
    if book.yearly:
        head: list[CellLike] = ["STT", "Họ và tên", "Rèn luyện HK I", "Rèn luyện HK II", "Rèn luyện cả năm"]
        head += ["Rèn luyện sau hè", "Học tập cả năm", "Học tập sau KT lại", "Nghỉ có phép", "Nghỉ không phép"]
        head += ["Danh hiệu", "Kết quả cuối năm"]
        rows: list[list[CellLike]] = [head]
        for student in book.students:
            r = student.results
            d = r.decision
            after = d.learning_after_retest.final if d and d.learning_after_retest and r.kind == "he" else ""
            rows.append([
                str(student.number), student.full_name, r.conduct_of("hk1"), r.conduct_of("hk2"), r.conduct_of("year"),
                r.conduct_of("summer"), r.learning.final if r.learning else DASH, after, str(r.absences[0]),
                str(r.absences[1]), r.title, d.outcome if d else DASH,
            ])  # fmt: skip
        fixed: list[float | None] = [STT_W, 130.0, *([52.0] * 8), 80.0, None]
        return Grid(rows, widths_with_rest(fixed, WIDTH), st.size - 1, align=["C", "L"] + ["C"] * 10, wrap=(11,))
    rows = [["STT", "Họ và tên", "Rèn luyện", "Học tập", "Nghỉ có phép", "Nghỉ không phép", "Tổng số buổi nghỉ",
             "Nhận xét của giáo viên chủ nhiệm"]]  # fmt: skip
    for student in book.students:
        r = student.results
        excused, unexcused, total = r.absences
        rows.append([
            str(student.number), student.full_name, r.conduct_of(book.kind) or DASH,
            r.learning.final if r.learning else DASH, str(excused), str(unexcused), str(total), r.remark,
        ])  # fmt: skip
    fixed = [STT_W, NAME_W, 60.0, 60.0, 52.0, 52.0, 52.0, None]
    return Grid(rows, widths_with_rest(fixed, WIDTH), st.size - 1, align=["C", "L"] + ["C"] * 5 + ["L"], wrap=(7,))


def story(book: ClassBook, stamp: Stamp, sink: list[SignatureBox]) -> list[Flowable]:
    st = styles(9.5)
    out: list[Flowable] = [HeaderBlock(book.school, st.size + 0.5), Spacer(1, st.size)]
    out.append(para("SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH", st.title))
    out.append(para(f"Lớp {book.class_name} - {book.period_label} - Năm học {book.year_name}", st.subtitle))
    out.append(
        LabelLine(
            [("Giáo viên chủ nhiệm", book.gvcn, True), ("Sĩ số", str(len(book.students)), True)], (0.6, 0.4), st.size
        )
    )
    for i, (key, name, by_comment, n_tx) in enumerate(book.subjects):
        if i:
            out.append(PageBreak())
        how = " (đánh giá bằng nhận xét)" if by_comment else ""
        out.append(para(f"Môn học: {name}{how}", st.heading))
        out.append(_year_grid(book, key, n_tx, st) if book.yearly else _term_grid(book, key, n_tx, st))
    out += [PageBreak(), para("TỔNG HỢP KẾT QUẢ RÈN LUYỆN VÀ HỌC TẬP", st.subtitle), _summary(book, st)]
    out += [Spacer(1, st.size), CondPageBreak(150)]
    signers = [
        Signer("gvcn", "GIÁO VIÊN CHỦ NHIỆM", book.gvcn),
        Signer(
            "hieu_truong",
            "HIỆU TRƯỞNG",
            book.hieu_truong,
            NOTE_SEAL,
            above=date_line(book.school.place_name, issued_day(stamp)),
        ),
    ]
    out.append(signature_row(signers, st, sink))
    return out


def render(book: ClassBook, stamp: Stamp, sink: list[SignatureBox]) -> bytes:
    lead = f"Sổ theo dõi và đánh giá học sinh · Lớp {book.class_name} · {book.period_label} · Năm học {book.year_name}"
    return build(
        story(book, stamp, sink),
        stamp_footer(stamp, lead),
        pagesize=LANDSCAPE,
        title=f"Sổ theo dõi — lớp {book.class_name}",
        signed_by=sink,
    )
