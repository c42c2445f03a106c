"""The GVCN's checklist of a close: what must be true before the class's results of a period
can be submitted, what blocks it, who must act and where (the read side).

Items, each done or with its blockers:
- the closes it builds on (cả năm: HK I and HK II approved; sau hè: cả năm approved);
- every subject's grade book of the period's terms APPROVED in the records chain — past
  its lock date is not enough: the teacher (or the reviewer it waits for) must act;
- rèn luyện of every student, nhận xét of every student (the year's: HK II's);
- kết quả học tập computable for every student (every subject has its result);
- no exemption request still waiting for the hiệu trưởng;
- after the summer: every rèn luyện hè and kiểm tra lại entered (every decision final);
- attendance: only absences are stored, so the system cannot know that every day was
  taken — the GVCN confirms it when submitting (shown, not counted as a blocker).
At the year's end it also lists lên lớp / hoàn thành chương trình, rèn luyện hè, kiểm
tra lại, ở lại lớp, and the danh hiệu.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.core.workflow import State
from app.gradebook import locking as gradebook_locking
from app.gradebook.tt22 import ABSENCE_LIMIT, DecisionStatus, Outcome
from app.homeroom import queries as homeroom_queries
from app.records import queries as records_queries
from app.records.models import Record, StepKind
from app.results import queries, snapshots
from app.results.snapshots import ClassData
from app.school import queries as school_queries
from app.school.models import SchoolClass, Student

SHOWN_NAMES = 12


@dataclass(frozen=True)
class Blocker:
    text: str
    who: str = ""  # who must act
    endpoint: str | None = None  # where (url_for arguments)
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Item:
    key: str
    label: str
    blockers: list[Blocker] = field(default_factory=list)
    detail: str = ""
    blocking: bool = True

    @property
    def done(self) -> bool:
        return not self.blockers


@dataclass(frozen=True)
class Listed:
    student: Student
    note: str = ""


@dataclass
class Checklist:
    school_class: SchoolClass
    period: str
    data: ClassData
    items: list[Item]
    record: Record | None
    outcomes: dict[str, list[Listed]] = field(default_factory=dict)
    titles: list[tuple[Listed, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return queries.PERIOD_LABELS[self.period]

    @property
    def text(self) -> str:
        """The period inside a sentence: "học kỳ I", "cả năm"."""
        return queries.PERIOD_TEXT[self.period]

    @property
    def state(self) -> State:
        return State(self.record.state) if self.record is not None else State.DRAFT

    @property
    def done_count(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / len(self.items)) if self.items else 100

    @property
    def complete(self) -> bool:
        return all(i.done for i in self.items if i.blocking)

    @property
    def open_for_submission(self) -> bool:
        return self.state in (State.DRAFT, State.RETURNED)

    def blockers(self) -> list[Blocker]:
        return [b for i in self.items if i.blocking for b in i.blockers]


def _names(students: list[Student]) -> str:
    shown = ", ".join(s.full_name for s in students[:SHOWN_NAMES])
    more = len(students) - SHOWN_NAMES
    return shown + (f" và {more} học sinh khác" if more > 0 else "")


def _prerequisites(cls: SchoolClass, period: str, states: dict[str, State]) -> Item | None:
    needed = {"cn": ("hk1", "hk2"), "he": ("cn",)}.get(period)
    if not needed:
        return None
    item = Item("prerequisites", "Các kỳ trước đã được duyệt và chốt")
    for p in needed:
        if states[p] is not State.APPROVED:
            label = queries.PERIOD_LABELS[p]
            item.blockers.append(
                Blocker(
                    f"Kết quả {label} chưa được duyệt.",
                    "Giáo viên chủ nhiệm",
                    "results.checklist",
                    {"class_id": cls.id, "period": p},
                )
            )
    return item


def _books(data: ClassData) -> Item:
    """Every subject × term of the period: its grade book approved in the records chain."""
    cls, summary = data.school_class, data.summary
    item = Item("books", "Sổ điểm mọi môn đã được duyệt")
    teachers = {a.subject_id: a.teacher for a in school_queries.class_assignments(cls)}
    heads = {d.id: d for d in school_queries.departments()}
    principal = queries.principal_for(cls.year)
    keys = {records_queries.link_key(gradebook_locking.RECORD_TYPE, cls.id, s, t): (s, t) for (s, t) in summary.books}
    records = {keys[k]: r for k, r in records_queries.records_by_link_keys(list(keys)).items()}
    for term in data.terms:
        for subject in summary.subjects:
            gb = summary.books.get((subject.id, term.id))
            teacher = teachers.get(subject.id)
            teacher_name = teacher.full_name if teacher else "Giáo viên bộ môn"
            where = f"{subject.name} · {term.name}"
            if gb is None:
                item.blockers.append(Blocker(f"{where}: chưa mở sổ điểm.", teacher_name, "gradebook.index"))
                continue
            record = records.get((subject.id, term.id))
            state = State(record.state) if record is not None else State.DRAFT
            if state is State.APPROVED:
                continue
            link = {"gradebook_id": gb.id}
            if state is State.SUBMITTED and record is not None:
                who = "Hiệu trưởng" + (f" {principal.name}" if principal else "")
                if record.awaiting == StepKind.HEAD.value:
                    dept = heads.get(record.department_id or -1)
                    who = f"Tổ trưởng {dept.head.full_name}" if dept and dept.head else "Tổ trưởng chuyên môn"
                elif record.awaiting == StepKind.BGH.value:
                    who = "Ban giám hiệu"
                text = f"{where}: đã nộp, chờ {record.awaiting_label.lower()} duyệt."
                item.blockers.append(Blocker(text, who, "gradebook.grid", link))
                continue
            if state is State.RETURNED:
                text = f"{where}: bị trả lại, giáo viên cần sửa và nộp lại."
            elif term.lock_date is not None and gradebook_locking.today_local() > term.lock_date:
                text = f"{where}: đã qua ngày khoá sổ nhưng chưa nộp duyệt (khoá theo ngày chưa phải là đã duyệt)."
            else:
                text = f"{where}: chưa nộp duyệt."
            item.blockers.append(Blocker(text, teacher_name, "gradebook.grid", link))
    return item


def _conduct_and_remarks(data: ClassData) -> list[Item]:
    lines = data.summary.lines
    conduct = Item("conduct", "Rèn luyện của mọi học sinh")
    remark = Item("remark", "Nhận xét của giáo viên chủ nhiệm")
    conducts = homeroom_queries.conducts_of([ln.student.id for ln in lines], [t.id for t in data.terms])
    remarks = homeroom_queries.remarks_of([ln.student.id for ln in lines], [t.id for t in data.terms])
    for term in data.terms:
        view = {"class_id": data.school_class.id, "period": str(term.number)}
        missing = [ln.student for ln in lines if not getattr(conducts.get((ln.student.id, term.id)), "level", None)]
        if missing:
            text = f"{term.name}: chưa đánh giá rèn luyện {len(missing)} học sinh ({_names(missing)})."
            conduct.blockers.append(Blocker(text, "Giáo viên chủ nhiệm", "homeroom.class_book", view))
        remark_term = data.terms[-1]  # the year's nhận xét is HK II's
        if data.period in ("hk1", "hk2") or term is remark_term:
            missing = [
                ln.student for ln in lines if not getattr(remarks.get((ln.student.id, term.id)), "text", "").strip()
            ]
            if missing:
                text = f"{term.name}: chưa nhận xét {len(missing)} học sinh ({_names(missing)})."
                remark.blockers.append(Blocker(text, "Giáo viên chủ nhiệm", "homeroom.class_book", view))
    return [conduct, remark]


def _learning(data: ClassData) -> Item:
    item = Item("learning", "Kết quả học tập đủ cho mọi học sinh")
    view = {"class_id": data.school_class.id, "period": {"hk1": "1", "hk2": "2"}.get(data.period, "year")}
    missing = [ln for ln in data.summary.lines if ln.learning is None]
    if missing:
        subjects = sorted({name for ln in missing for name in ln.missing})
        text = (
            f"{len(missing)} học sinh chưa đủ kết quả các môn ({_names([ln.student for ln in missing])}); "
            f"thiếu ở: {', '.join(subjects)}."
        )
        item.blockers.append(Blocker(text, "Giáo viên bộ môn", "homeroom.class_book", view))
    return item


def _exemptions(data: ClassData) -> Item:
    item = Item("exemptions", "Đề nghị miễn thực hành đã được quyết định")
    ids = [ln.student.id for ln in data.summary.lines]
    term_ids = {t.id for t in data.terms}
    waiting = [
        e
        for e in homeroom_queries.exemptions_of_class(ids, data.school_class.year_id)
        if e.state == State.SUBMITTED.value and (e.term_id is None or e.term_id in term_ids)
    ]
    if waiting:
        text = f"{len(waiting)} đề nghị miễn thực hành chờ quyết định ({_names([e.student for e in waiting])})."
        item.blockers.append(Blocker(text, "Hiệu trưởng", "homeroom.exemptions", {"class_id": data.school_class.id}))
    return item


def _attendance(data: ClassData) -> Item:
    lines = data.summary.lines
    total = sum(sum(data.absences.get(ln.student.id, (0, 0))) for ln in lines)
    warned = sum(1 for ln in lines if ln.absence_warning)
    detail = (
        f"Đã ghi {total} buổi nghỉ; {warned} học sinh từ 30 buổi trở lên trong năm học. "
        "Hệ thống chỉ lưu các buổi nghỉ nên GVCN xác nhận đã điểm danh đủ khi nộp."
    )
    return Item("attendance", "Chuyên cần (GVCN xác nhận khi nộp)", detail=detail, blocking=False)


def _summer(data: ClassData) -> Item:
    item = Item("summer", "Kết quả rèn luyện hè và kiểm tra lại đã nhập")
    pending = [
        ln
        for ln in data.summary.lines
        if ln.decision and ln.decision.status in (DecisionStatus.PENDING_SUMMER, DecisionStatus.PENDING_RETEST)
    ]
    if pending:
        text = f"{len(pending)} học sinh chưa có kết quả hè ({_names([ln.student for ln in pending])})."
        view = {"class_id": data.school_class.id, "period": "year"}
        item.blockers.append(Blocker(text, "Giáo viên chủ nhiệm", "homeroom.class_book", view))
    return item


def _year_lists(data: ClassData) -> tuple[dict[str, list[Listed]], list[tuple[Listed, str]]]:
    """Lên lớp / hoàn thành chương trình, rèn luyện hè, kiểm tra lại, ở lại lớp; danh hiệu.

    A student ở lại lớp keeps the danh hiệu R9/R10 give: TT22 Điều 15 sets conditions on
    rèn luyện and học tập only (none on attendance), so one held back for absences alone
    with Tốt/Tốt is still Học sinh Giỏi (or Xuất sắc); the list says so beside the name."""
    order = [o.value for o in Outcome]
    outcomes: dict[str, list[Listed]] = {}
    titles = []
    for ln in data.summary.lines:
        d = ln.decision
        if d is None:
            continue
        note = f"nghỉ {ln.absences} buổi" if ln.absences > ABSENCE_LIMIT else ""
        if d.outcome is Outcome.KIEM_TRA_LAI:
            note = "môn " + ", ".join(d.retest_subjects)
        outcomes.setdefault(d.label, []).append(Listed(ln.student, note))
        if ln.title is not None:
            held = "ở lại lớp do nghỉ quá 45 buổi" if d.outcome is Outcome.O_LAI_LOP else ""
            titles.append((Listed(ln.student, held), ln.title.label))
    return dict(sorted(outcomes.items(), key=lambda kv: order.index(kv[0]))), titles


def build(cls: SchoolClass, period: str) -> Checklist:
    data = snapshots.gather(cls, period)
    states = queries.close_states(cls)
    items = [i for i in (_prerequisites(cls, period, states),) if i is not None]
    if period == "he":
        items += [_summer(data)]
    else:
        items += [_books(data), *_conduct_and_remarks(data), _learning(data), _exemptions(data), _attendance(data)]
    checklist = Checklist(cls, period, data, items, queries.close_record(cls, period))
    if period in ("cn", "he"):
        checklist.outcomes, checklist.titles = _year_lists(data)
    return checklist
