"""R25: class lists in Vietnamese order; the class page costs the same queries for 3 or 30 students."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date

import pytest
from sqlalchemy import event

from app.core.vn import collation_key, person_sort_key
from app.extensions import db


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    "ordered",
    [
        ["An", "Ân", "Bình", "Dũng", "Đức"],
        ["Hà", "Hả", "Hã", "Há", "Hạ"],
        ["Anh", "Ánh"],
        ["Ha", "Hà", "Hăng", "Hân", "Hoa", "Hô", "Hơn", "Hu", "Hư"],
    ],
)
def test_vietnamese_collation(ordered) -> None:
    shuffled = ordered[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=collation_key) == ordered
    assert sorted(map(nfd, shuffled), key=collation_key) == list(map(nfd, ordered))
    assert sorted(ordered) != ordered or len(ordered) == 2  # plain code points get it wrong


def test_nfd_input_sorts_like_nfc() -> None:
    for word in ("Đức", "Ánh", "Hạ", "Nguyễn Thị Ngọc Ánh"):
        assert collation_key(nfd(word)) == collation_key(word)


def test_ten_then_chu_dem_then_ho_then_birth_date() -> None:
    people = [
        ("Trần", "Văn", "An", date(2012, 1, 1)),
        ("Lê", "Thị", "An", date(2012, 1, 1)),
        ("Nguyễn", "Văn", "An", date(2012, 1, 1)),
        ("Nguyễn", "Văn", "An", date(2011, 6, 1)),
        ("Bùi", "", "An", date(2012, 1, 1)),
        ("Âu", "Anh", "Bảo", date(2012, 1, 1)),
    ]
    ordered = sorted(people, key=lambda p: person_sort_key(*p))
    assert ordered == [people[4], people[1], people[3], people[2], people[0], people[5]]


NAMES = [
    "Phạm Thị Hạ",
    "Nguyễn Văn Đức",
    "Lê Thị Hà",
    nfd("Trần Văn Dũng"),
    "Võ Thị Há",
    nfd("Hồ Thị Hả"),
    "Đỗ Văn Bình",
    "Ngô Thị Hã",
    nfd("Bùi Văn Ân"),
    "Lý Văn An",
]
EXPECTED = [
    "Lý Văn An",
    "Bùi Văn Ân",
    "Đỗ Văn Bình",
    "Trần Văn Dũng",
    "Nguyễn Văn Đức",
    "Lê Thị Hà",
    "Hồ Thị Hả",
    "Ngô Thị Hã",
    "Võ Thị Há",
    "Phạm Thị Hạ",
]


def test_class_page_lists_students_in_vietnamese_order(login_as, make_student, school_fixture) -> None:
    fx = school_fixture
    for name in NAMES:
        make_student(fx.c10a2, name)
    page = login_as(fx.admin).get(f"/school/classes/{fx.c10a2.id}").text
    body = page.split('id="student-list"', 1)[1]
    shown = [unicodedata.normalize("NFC", n) for n in re.findall(r'">([^<]+)</a></td>', body)]
    shown = [n for n in shown if "Canary" not in n]
    assert shown == EXPECTED


def _queries_for(app, client, url: str) -> int:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_class_page_has_no_n_plus_1(app, login_as, make_student, make_subject, make_assignment, school_fixture) -> None:
    from app.school import services
    from app.school.models import GuardianRelation, Student

    fx = school_fixture
    client = login_as(fx.admin)
    url = f"/school/classes/{fx.c10a1.id}"
    _queries_for(app, client, url)  # warm-up (first request of the session)
    small = _queries_for(app, client, url)
    for i in range(25):
        s = make_student(fx.c10a1, f"Trần Văn Số{i}")
        with app.app_context():
            student = db.session.get(Student, s.id)
            services.add_guardian(
                None, student, relation=GuardianRelation.MOTHER, full_name=f"Mẹ Số{i}", phone="0912345678"
            )
            services.add_guardian(None, student, relation=GuardianRelation.FATHER, full_name=f"Cha Số{i}")
            db.session.commit()
    for i in range(6):
        make_assignment(fx.t2, fx.c10a1, make_subject(f"Môn phụ {i}"))
    large = _queries_for(app, client, url)
    assert large == small
    assert 4 <= small <= 12, small
