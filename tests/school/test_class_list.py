"""The class list a page at a time (issue 13.6): 50 classes a page, "Trang x/y", the khối
and name filters kept across pages, a page past the end shows the last one with a sentence,
a page that is not a number is refused in Vietnamese; one query for the page's rows, the
same number of statements for one school's worth of classes as for two."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from app.extensions import db


def _classes(app, s, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    from app.school import services as school
    from app.school.models import SchoolYear

    with app.app_context():
        year = db.session.get(SchoolYear, s.year.id)
        for name in names:
            school.create_class(None, year, name, int(name[:2]), s.gvcn.id)
        db.session.commit()


def _names(page: str) -> list[str]:
    listing = page[page.index('id="class-list"') :]
    return re.findall(r'href="/school/classes/\d+"><strong>([^<]+)</strong>', listing)


@pytest.fixture
def many(app, school_fixture):  # type: ignore[no-untyped-def]
    """10A1, 10A2 and 11A01…11A60: 62 classes, two pages."""
    _classes(app, school_fixture, [f"11A{k:02d}" for k in range(1, 61)])
    return school_fixture


def test_page_two_shows_the_classes_after_the_first_fifty(login_as, many) -> None:
    client = login_as(many.ht)
    first = client.get("/school/classes").text
    assert _names(first)[:3] == ["10A1", "10A2", "11A01"] and len(_names(first)) == 50
    assert "Trang 1/2" in first and "62 lớp" in first and 'rel="next" href="/school/classes?page=2"' in first
    second = client.get("/school/classes?page=2").text
    assert _names(second) == [f"11A{k:02d}" for k in range(49, 61)]
    assert "Trang 2/2" in second and 'rel="prev"' in second and 'rel="next"' not in second


def test_the_khoi_offered_are_those_of_the_classes_in_scope(login_as, app, many) -> None:
    """The khối filter offers each khối that has a class the person may read, in order (one
    probe per possible khối, 6–12): for a teacher, only those of her own classes."""
    _classes(app, many, ["12B01"])
    options = re.findall(r'<option value="(\d+)"', login_as(many.admin).get("/school/classes").text)
    assert options == ["10", "11", "12"]
    from app.accounts.models import User
    from app.school import queries
    from app.school.models import SchoolYear

    with app.app_context():
        year = db.session.get(SchoolYear, many.year.id)
        assert queries.class_page(db.session.get(User, many.t1.id), year).grades == [10]  # t1: 10A1 only


def test_filters_are_kept_across_pages(login_as, app, many) -> None:
    _classes(app, many, [f"12B{k:02d}" for k in range(1, 56)])
    client = login_as(many.admin)
    page = client.get("/school/classes?grade=12").text
    assert "Trang 1/2" in page and "55 lớp" in page and all(n.startswith("12B") for n in _names(page))
    assert 'href="/school/classes?page=2&amp;grade=12"' in page
    second = client.get("/school/classes?page=2&grade=12").text
    assert _names(second) == ["12B51", "12B52", "12B53", "12B54", "12B55"]
    assert '<option value="12" selected>Khối 12</option>' in second
    named = client.get("/school/classes?q=11a0").text  # name search, case-insensitive
    assert _names(named) == [f"11A0{k}" for k in range(1, 10)] and 'id="class-pager"' not in named
    assert "Không có lớp nào khớp bộ lọc." in client.get("/school/classes?q=9Z").text


def test_a_page_past_the_end_shows_the_last_page_and_says_so(login_as, many) -> None:
    page = login_as(many.ht).get("/school/classes?page=9").text
    assert "Không có trang 9: danh sách chỉ có 2 trang, đang hiển thị trang 2." in page
    assert "Trang 2/2" in page and _names(page)[0] == "11A49"


def test_a_page_that_is_not_a_number_is_refused_in_vietnamese(login_as, many) -> None:
    for bad in ("abc", "0", "-1"):
        response = login_as(many.ht).get(f"/school/classes?page={bad}")
        assert response.status_code == 422
        assert "không hợp lệ: trang là một số nguyên từ 1 trở lên" in response.text


def test_a_teacher_pages_only_through_their_own_classes(login_as, many) -> None:
    page = login_as(many.t1).get("/school/classes").text
    assert _names(page) == ["10A1"] and 'id="class-pager"' not in page


def test_the_class_list_runs_the_same_statements_for_twice_the_classes(app, login_as, many) -> None:
    seen: list[str] = []

    def count(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        seen.append(statement)

    client = login_as(many.ht)
    client.get("/school/classes")
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/school/classes?page=2")
        one = list(seen)
        _classes(app, many, [f"12C{k:02d}" for k in range(1, 61)])
        seen.clear()
        page = client.get("/school/classes?page=2").text
        two = list(seen)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "Trang 2/3" in page
    assert len(two) == len(one)
    rows = [s for s in two if "FROM school_class LEFT OUTER JOIN" in " ".join(s.split())]
    assert len(rows) == 1  # the page's rows and their GVCN in one query
