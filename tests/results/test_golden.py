"""Golden, end to end: DOMAIN.md §4's worked examples entered in grade books through the
services, the books approved (tổ trưởng → hiệu trưởng), the class book filled, HK I, HK II,
cả năm and sau hè closed and approved — and the snapshots hold the worked results.

Class 9A1 (khối 9: lên lớp reads "Hoàn thành chương trình THCS"), 8 scored subjects (Toán
with 4 ĐĐGtx, Ngữ văn with 3, GDCD with 2, five more with 4) and 4 comment subjects. Each
student reproduces one example: A the R3/R4 arithmetic (Toán 7,7 / 8,4 / 8,2; the tie
8,25 → 8,3; the 2-tx 5,2), B–E the four R6 lists, F–I the four R7 cases, J Xuất sắc, K a
Xuất sắc student held back for 46 buổi nghỉ (R11 (1); the danh hiệu stays, TT22 Điều 15),
E kiểm tra lại (R11 (3)) and L rèn luyện hè (R11 (2)), both settled after the summer.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.results.conftest import (
    approve_book,
    approve_close,
    enter,
    homeroom_term,
    open_book,
    snapshots_of,
    submit_close,
)

SCORED = ("TOAN", "VAN", "GDCD", "TA", "KHTN", "LSDL", "CN", "TIN")
PERIODS = {"TOAN": 140, "VAN": 70, "GDCD": 35}  # 4, 3 and 2 ĐĐGtx; the others 140 (4)
COMMENTED = ("GDTC", "NT", "HDTN", "GDDP")
#: R6 / R7 lists of DOMAIN.md, in SCORED order; term averages = these (every assessment equal)
LISTS = {
    "B": ["9,0", "8,5", "8,0", "8,2", "8,0", "8,1", "7,0", "6,5"],  # → Tốt
    "C": ["7,0", "6,5", "6,8", "6,5", "7,5", "6,6", "5,0", "5,5"],  # → Khá
    "D": ["5,0", "5,0", "5,5", "6,0", "5,2", "5,0", "4,0", "3,5"],  # + one CĐ → Đạt
    "E": ["5,0", "5,0", "5,0", "5,0", "5,0", "4,9", "4,5", "3,4"],  # → Chưa đạt
    "F": ["9"] * 7 + ["4,0"],  # computed Đạt → Khá
    "G": ["9", "9", "8,5", "8,5", "8", "8", "8", "3,0"],  # computed Chưa đạt → Đạt
    "H": ["9"] * 8,  # + one comment CĐ: computed Đạt → Khá
    "I": ["9"] * 7 + ["6,0"],  # Khá, no adjustment
    "J": ["9,5"] * 8,  # Xuất sắc
    "K": ["9,5"] * 8,  # Xuất sắc, but 46 buổi nghỉ
    "L": ["7"] * 8,  # rèn luyện HK II Chưa đạt → rèn luyện hè
}
#: A: the R3/R4 worked examples (other subjects 8,0)
A_TERMS = {
    1: {
        "TOAN": {"tx1": "8", "tx2": "7", "tx3": "9", "tx4": "6,5", "gk": "7,5", "ck": "8,0"},
        "VAN": {"tx1": "8", "tx2": "8", "tx3": "8,5", "gk": "8", "ck": "8,5"},
        "GDCD": {"tx1": "7", "tx2": "6", "gk": "5", "ck": "4,5"},
    },
    2: {
        "TOAN": {"tx1": "9", "tx2": "8,5", "tx3": "8", "tx4": "9", "gk": "8,0", "ck": "8,5"},
        "VAN": {"tx1": "8", "tx2": "8", "tx3": "8,5", "gk": "8", "ck": "8,5"},
        "GDCD": {"tx1": "7", "tx2": "6", "gk": "5", "ck": "4,5"},
    },
}
#: (HK I, HK II) rèn luyện; default Tốt/Tốt. C: Khá/Tốt → Tốt; D: Tốt/Đạt → Khá (R8)
CONDUCT = {"C": ("K", "T"), "D": ("T", "D"), "L": ("T", "C")}


def _columns(code: str) -> list[str]:
    n = {140: 4, 70: 3, 35: 2}[PERIODS.get(code, 140)] if code in SCORED else 2
    return [f"tx{i}" for i in range(1, n + 1)] + ["gk", "ck"]


@pytest.fixture
def golden(
    app, as_user, make_user, make_year, make_department, make_subject, make_class, make_student, make_assignment
):  # type: ignore[no-untyped-def]
    from app.core.authz import Role
    from app.records.services import ensure_default_record_types
    from app.school.models import AssessmentKind, Term

    ns = SimpleNamespace()
    ns.year = make_year()
    ns.ht = make_user("ht", roles=(Role.PRINCIPAL,), full_name="Nguyễn Văn Hiệu")
    ns.tt = make_user("tt", full_name="Lê Thị Tổ Trưởng")
    ns.gv = make_user("gv", full_name="Phạm Văn Giáo")
    ns.gvcn = make_user("gvcn", full_name="Trần Thị Chủ Nhiệm")
    dept = make_department("Tổ chung", head_id=ns.tt.id)
    ns.subjects = {}
    for code in SCORED + COMMENTED:
        kind = AssessmentKind.COMMENT if code in COMMENTED else AssessmentKind.SCORE
        ns.subjects[code] = make_subject(f"Môn {code}", code, dept.id, kind, PERIODS.get(code, 140))
    ns.cls = make_class(ns.year, "9A1", homeroom_teacher_id=ns.gvcn.id)
    ns.st = {k: make_student(ns.cls, f"Học Sinh Mẫu {k}") for k in "ABCDEFGHIJKL"}
    for subject in ns.subjects.values():
        make_assignment(ns.gv, ns.cls, subject)
    with app.app_context():
        ensure_default_record_types()
        db.session.commit()
        ns.terms = {t.number: t.id for t in db.session.scalars(select(Term).where(Term.year_id == ns.year.id))}
    return ns


def _enter_term(as_user: Any, ns: Any, number: int) -> None:
    for code, subject in ns.subjects.items():
        book = open_book(as_user, ns.gv, ns.cls.id, subject.id, ns.terms[number])
        cells = []
        for key, st in ns.st.items():
            for col in _columns(code):
                if code in COMMENTED:
                    failed = (key == "D" and code == "GDTC" or key == "H" and code == "NT") and col == "gk"
                    cells.append((st.id, col, "CĐ" if failed else "Đ"))
                elif key == "A":
                    cells.append((st.id, col, A_TERMS[number].get(code, {}).get(col, "8")))
                else:
                    cells.append((st.id, col, LISTS[key][SCORED.index(code)]))
        enter(as_user, ns.gv, book, cells)
        approve_book(as_user, ns.gv, ns.tt, ns.ht, book)
    levels = {ns.st[k].id: CONDUCT.get(k, ("T", "T"))[number - 1] for k in ns.st}
    homeroom_term(as_user, ns.gvcn, ns.cls.id, ns.terms[number], [s.id for s in ns.st.values()], levels)


def _absent(as_user: Any, ns: Any, student_id: int, days: int) -> None:
    from app.homeroom import services
    from app.school.models import SchoolClass

    def run(actor: Any) -> None:
        cls = db.session.get(SchoolClass, ns.cls.id)
        day, n = date(2025, 2, 3), 0
        while n < days:
            if day.weekday() < 6:
                services.set_attendance(actor, cls, student_id, day, "excused", date(2025, 6, 1))
                n += 1
            day += timedelta(days=1)

    as_user(ns.gvcn, run)


def _by_code(snap: Any) -> dict[str, Any]:
    return {s["code"]: s for s in snap.data["subjects"]}


def test_the_worked_examples_survive_a_close_end_to_end(app, golden, as_user) -> None:
    from app.homeroom import services
    from app.results import snapshots
    from app.school.models import SchoolClass, Subject

    ns = golden
    _enter_term(as_user, ns, 1)
    submit_close(as_user, ns.gvcn, ns.cls.id, "hk1")
    approve_close(as_user, ns.ht, ns.cls.id, "hk1")
    hk1 = {s.student_id: s for s in snapshots_of(app, ns.cls.id, "hk1")}
    assert len(hk1) == 12
    a = _by_code(hk1[ns.st["A"].id])
    assert a["TOAN"]["terms"]["hk1"] == {
        "tx": ["8.0", "7.0", "9.0", "6.5"], "gk": "7.5", "ck": "8.0", "result": "7.7", "comment": "",
    }  # fmt: skip
    assert a["VAN"]["terms"]["hk1"]["result"] == "8.3"  # 66,0/8 = 8,25 → 8,3 (round(8.25, 1) would say 8.2)
    assert a["GDCD"]["terms"]["hk1"]["result"] == "5.2"  # 36,5/7 = 5,214…
    assert a["GDTC"]["terms"]["hk1"]["result"] == "Đ"
    learning = {k: hk1[ns.st[k].id].data["learning"] for k in "BCDEFGHI"}
    assert {k: v["final"] for k, v in learning.items()} == {
        "B": "Tốt", "C": "Khá", "D": "Đạt", "E": "Chưa đạt", "F": "Khá", "G": "Đạt", "H": "Khá", "I": "Khá",
    }  # fmt: skip
    assert {k: v["computed"] for k, v in learning.items() if v["adjusted"]} == {"F": "Đạt", "G": "Chưa đạt", "H": "Đạt"}
    assert "Điều 9 khoản 3" in learning["F"]["reason"] and learning["F"]["causes"] == ["Môn TIN"]
    assert all(snapshots.verify_text(s.payload, s.sha256) for s in hk1.values())

    _absent(as_user, ns, ns.st["K"].id, 46)
    _enter_term(as_user, ns, 2)
    submit_close(as_user, ns.gvcn, ns.cls.id, "hk2")
    approve_close(as_user, ns.ht, ns.cls.id, "hk2")
    hk2 = {s.student_id: s for s in snapshots_of(app, ns.cls.id, "hk2")}
    assert _by_code(hk2[ns.st["A"].id])["TOAN"]["terms"]["hk2"]["result"] == "8.4"  # 76/9 = 8,444…
    assert hk2[ns.st["K"].id].data["absences"] == {"excused": 46, "unexcused": 0, "total": 46}
    assert hk1[ns.st["K"].id].data["absences"]["total"] == 0  # the term's own buổi nghỉ

    submit_close(as_user, ns.gvcn, ns.cls.id, "cn")
    approve_close(as_user, ns.ht, ns.cls.id, "cn")
    cn = {k: next(s for s in snapshots_of(app, ns.cls.id, "cn") if s.student_id == ns.st[k].id) for k in ns.st}
    a = _by_code(cn["A"])
    assert (a["TOAN"]["year"], a["VAN"]["year"], a["GDCD"]["year"]) == ("8.2", "8.3", "5.2")  # (7,7 + 16,8)/3
    assert a["TOAN"]["terms"]["hk1"]["result"] == "7.7" and a["TOAN"]["terms"]["hk2"]["result"] == "8.4"
    assert cn["C"].data["conduct"] == {"hk1": "Khá", "hk2": "Tốt", "year": "Tốt"}  # R8
    assert cn["D"].data["conduct"]["year"] == "Khá"
    titles = {k: s.data["title"] for k, s in cn.items() if s.data["title"]}
    assert titles == {"B": "Học sinh Giỏi", "J": "Học sinh Xuất sắc", "K": "Học sinh Xuất sắc"}
    outcome = {k: s.data["decision"]["outcome"] for k, s in cn.items()}
    assert outcome["A"] == outcome["B"] == outcome["J"] == "Hoàn thành chương trình THCS"  # khối 9
    assert outcome["K"] == "Ở lại lớp" and "46 buổi" in cn["K"].data["decision"]["reason"]
    assert outcome["E"] == "Kiểm tra lại"
    assert cn["E"].data["decision"]["retest_subjects"] == ["Môn LSDL", "Môn CN", "Môn TIN"]
    assert outcome["L"] == "Rèn luyện trong kỳ nghỉ hè"

    def summer(actor: Any) -> None:
        cls = db.session.get(SchoolClass, ns.cls.id)
        for code in ("LSDL", "CN", "TIN"):
            subject = db.session.get(Subject, ns.subjects[code].id)
            services.save_summer(actor, cls, ns.st["E"].id, subject, "6", 0)
        services.save_summer(actor, cls, ns.st["L"].id, None, "D", 0)

    as_user(ns.gvcn, summer)
    submit_close(as_user, ns.gvcn, ns.cls.id, "he")
    approve_close(as_user, ns.ht, ns.cls.id, "he")
    he = {k: next(s for s in snapshots_of(app, ns.cls.id, "he") if s.student_id == ns.st[k].id) for k in ns.st}
    e = he["E"].data
    assert e["decision"]["outcome"] == "Hoàn thành chương trình THCS"
    assert e["decision"]["learning_after_retest"]["final"] == "Đạt" and e["learning"]["final"] == "Chưa đạt"
    assert _by_code(he["E"])["TIN"]["year"] == "3.4"
    assert _by_code(he["E"])["TIN"]["retest"] == "6.0"  # beside the year value, never over it
    assert he["L"].data["conduct"]["summer"] == "Đạt" and he["L"].data["conduct"]["year"] == "Chưa đạt"
    assert he["L"].data["decision"]["outcome"] == "Hoàn thành chương trình THCS"
    assert he["K"].data["decision"]["outcome"] == "Ở lại lớp" and he["K"].data["title"] == "Học sinh Xuất sắc"
