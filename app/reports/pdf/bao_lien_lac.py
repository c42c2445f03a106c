"""Báo liên lạc: one A4 page for one child and one report point (R19).

Only the child's own data: name, class, year, birth date; per subject the ĐĐGtx columns,
giữa kỳ, cuối kỳ, ĐTBmhk (or Đ/CĐ) and the teacher's comment (cả năm: HK I, HK II, cả năm,
kiểm tra lại); rèn luyện, học tập (with why it was adjusted), buổi nghỉ, nhận xét GVCN,
danh hiệu and the year's decision. No rank, class average or distribution; no số định
danh, dân tộc or address (the ReportCard has no slot for them). A month prints the scores
entered so far, no average, and says it is not a term result.

The page never overflows: the type size steps down with the number of subjects, long
comments move from the table to a list under it, and the whole is finally shrunk into the
page's frame if still too tall.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from app.reports.documents import ReportCard, Results, Stamp
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
    story_height,
    styles,
)
from app.reports.pdf.grid import CellLike, Grid, widths_with_rest

INLINE_COMMENT = 90  # longer comments go under the table
WIDTH, HEIGHT = frame_size(PORTRAIT)


def _size(card: ReportCard) -> float:
    n = len(card.results.subjects)
    size = 9.5 if n <= 9 else 9.0 if n <= 12 else 8.5 if n <= 15 else 8.0
    if sum(len(s.comment) for s in card.results.subjects) > 1200:
        size -= 0.5
    return size


def _inline(results: Results) -> bool:
    comments = [s.comment for s in results.subjects]
    return any(comments) and all(len(c) <= INLINE_COMMENT for c in comments)


def _term_table(results: Results, st: Styles, inline: bool, month: bool) -> Grid:
    key = results.terms[-1] if results.terms else "hk1"
    n_tx = results.tx_count
    head = ["STT", "Môn học", *[f"ĐĐGtx{i}" for i in range(1, n_tx + 1)], "ĐĐGgk", "ĐĐGck"]
    fixed: list[float | None] = [19.0, None] + [31.0] * (n_tx + 2)
    if not month:
        head.append("ĐTBmhk")
        fixed.append(36.0)
    rows: list[list[CellLike]] = [list(head)]
    for i, s in enumerate(results.subjects, start=1):
        m = s.term(key)
        tx = list(m.tx) if m else []
        line: list[CellLike] = [str(i), s.name, *(tx + [""] * (n_tx - len(tx))), m.gk if m else "", m.ck if m else ""]
        if not month:
            line.append(m.result if m else "")
        if inline:
            line.append(s.comment)
        rows.append(line)
    align = ["C", "L"] + ["C"] * (len(head) - 2)
    if inline:
        rows[0].append("Nhận xét của giáo viên")
        fixed[1] = 100.0
        fixed.append(None)
        align.append("L")
    wrap = (1, len(fixed) - 1) if inline else (1,)
    bold = () if month else (len(head) - 1,)
    return Grid(rows, widths_with_rest(fixed, WIDTH), st.size - 1, align=align, wrap=wrap, bold=bold)


def _year_table(results: Results, st: Styles, inline: bool) -> Grid:
    retest = any(s.retest for s in results.subjects)
    head = ["STT", "Môn học", "Học kỳ I", "Học kỳ II", "Cả năm"] + (["Kiểm tra lại"] if retest else [])
    fixed: list[float | None] = [19.0, None, 46.0, 46.0, 46.0] + ([52.0] if retest else [])
    rows: list[list[CellLike]] = [list(head)]
    for i, s in enumerate(results.subjects, start=1):
        line: list[CellLike] = [str(i), s.name, s.hk1.result if s.hk1 else "", s.hk2.result if s.hk2 else "", s.year]
        if retest:
            line.append(s.retest)
        if inline:
            line.append(s.comment)
        rows.append(line)
    align = ["C", "L"] + ["C"] * (len(head) - 2)
    if inline:
        rows[0].append("Nhận xét của giáo viên")
        fixed[1] = 120.0
        fixed.append(None)
        align.append("L")
    wrap = (1, len(fixed) - 1) if inline else (1,)
    return Grid(rows, widths_with_rest(fixed, WIDTH), st.size - 1, align=align, wrap=wrap, bold=(4,))


def _absences(results: Results, label: str) -> str:
    excused, unexcused, total = results.absences
    return f"{label}: <b>{total}</b> (có phép {excused}, không phép {unexcused})"


def _results_lines(card: ReportCard, st: Styles) -> list[Flowable]:
    r = card.results
    out: list[Flowable] = []
    if card.is_month:
        out.append(Para(_absences(r, "Số buổi nghỉ trong tháng"), st.body))
        return out
    learning = r.learning
    if not r.yearly:
        conduct = r.conduct_of(r.kind) or "—"
        parts = [
            f"Kết quả rèn luyện: <b>{esc(conduct)}</b>",
            f"Kết quả học tập: <b>{esc(learning.final if learning else '—')}</b>",
            _absences(r, "Số buổi nghỉ"),
        ]
        out.append(Para("&nbsp;&nbsp;&nbsp;&nbsp;".join(parts), st.body))
    else:
        terms = [("hk1", "Học kỳ I"), ("hk2", "Học kỳ II")]
        conduct = " · ".join(f"{name}: {esc(r.conduct_of(k) or '—')}" for k, name in terms)
        line = f"Rèn luyện — {conduct} · Cả năm: <b>{esc(r.conduct_of('year') or '—')}</b>"
        if r.conduct_of("summer"):
            line += f" · Sau rèn luyện hè: <b>{esc(r.conduct_of('summer'))}</b>"
        out.append(Para(line, st.body))
        line = f"Học tập cả năm: <b>{esc(learning.final if learning else '—')}</b>"
        after = r.decision.learning_after_retest if r.decision else None
        if after is not None and r.kind == "he":
            line += f" · Sau kiểm tra lại: <b>{esc(after.final)}</b>"
        out.append(Para(line + "&nbsp;&nbsp;&nbsp;&nbsp;" + _absences(r, "Số buổi nghỉ cả năm"), st.body))
    if learning is not None and learning.adjusted:
        why = f": {esc(learning.reason)}" if learning.reason else ""
        out.append(
            Para(
                f"<i>Học tập được điều chỉnh từ mức {esc(learning.computed)} lên {esc(learning.final)}{why}</i>",
                st.small,
            )
        )
    if r.yearly:
        if r.title:
            out.append(labelled("Danh hiệu", r.title, st.body))
        if r.decision is not None:
            d = r.decision
            line = f"Kết quả cuối năm: <b>{esc(d.outcome)}</b>"
            if d.reason:
                line += f" — {esc(d.reason)}"
            if d.retest_subjects and d.status != "final" and d.retest_subjects[0] not in d.reason:
                line += f" (môn kiểm tra lại: {esc(', '.join(d.retest_subjects))})"
            out.append(Para(line, st.body))
    return out


def story(card: ReportCard, stamp: Stamp, sink: list[SignatureBox], size: float | None = None) -> list[Flowable]:
    st = styles(size or _size(card))
    r = card.results
    inline = _inline(r)
    out: list[Flowable] = [HeaderBlock(card.school, st.size + 0.5), Spacer(1, st.size * 0.6)]
    out.append(para("BÁO LIÊN LẠC", st.title))
    out.append(para(f"{r.period_label} - Năm học {card.year_name}", st.subtitle))
    if card.is_month:
        out += [para(card.month_sentence, st.notice), Spacer(1, st.size * 0.5)]
    out.append(
        LabelLine([("Họ và tên học sinh", card.full_name, True), ("Lớp", card.class_name, True)], (0.58, 0.42), st.size)
    )
    out.append(
        LabelLine(
            [("Ngày sinh", card.birth_date, False), ("Giáo viên chủ nhiệm", card.gvcn, False)], (0.58, 0.42), st.size
        )
    )
    out.append(Spacer(1, st.size * 0.4))
    if r.subjects:
        out.append(_year_table(r, st, inline) if r.yearly else _term_table(r, st, inline, card.is_month))
    else:
        out.append(para("Chưa có điểm nào được ghi nhận.", st.body))
    out.append(Spacer(1, st.size * 0.5))
    if not inline and any(s.comment for s in r.subjects):
        out.append(para("Nhận xét của giáo viên bộ môn:", st.heading))
        for s in r.subjects:
            if s.comment:
                out.append(Para(f"<b>{esc(s.name)}:</b> {esc(s.comment)}", st.small))
        out.append(Spacer(1, st.size * 0.4))
    out += _results_lines(card, st)
    if r.exemptions:
        out.append(Para("Miễn học: " + esc("; ".join(r.exemptions)), st.small))
    label = "Nhận xét của giáo viên chủ nhiệm" + (" trong tháng" if card.is_month else "")
    out.append(Para(f"<b>{label}:</b> {esc(r.remark or '—')}", st.justify))
    out.append(Spacer(1, st.size * 0.8))
    signers = [
        Signer("gvcn", "GIÁO VIÊN CHỦ NHIỆM", card.gvcn),
        Signer(
            "hieu_truong",
            "HIỆU TRƯỞNG",
            card.hieu_truong,
            NOTE_SEAL,
            above=date_line(card.school.place_name, issued_day(stamp)),
        ),
    ]
    out.append(signature_row(signers, st, sink))
    return out


def render(card: ReportCard, stamp: Stamp, sink: list[SignatureBox]) -> bytes:
    """One page: a smaller type size while the story is too tall, then a shrink if need be."""
    size = _size(card)
    body = story(card, stamp, sink, size)
    while size > 7.0 and story_height(body, WIDTH) > HEIGHT:
        size -= 0.5
        body = story(card, stamp, sink, size)
    return build_pages([one_page(body, WIDTH, HEIGHT)], stamp_footer(stamp), title=f"Báo liên lạc — {card.full_name}")
