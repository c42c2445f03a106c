"""The start page shows each role its own shortcuts and classes."""

from __future__ import annotations


def test_teacher_home_lists_their_classes_and_work_shortcuts(login_as, school_fixture) -> None:
    page = login_as(school_fixture.t1).get("/").text
    assert "Nhập sổ điểm" in page and "Hồ sơ của tôi" in page
    assert "Theo dõi toàn trường" not in page and "Quản trị trường" not in page
    assert "10A1" in page and "10A2" not in page


def test_principal_home_leads_to_school_wide_tracking(login_as, school_fixture) -> None:
    page = login_as(school_fixture.ht).get("/").text
    assert "Theo dõi toàn trường" in page and "Hồ sơ chờ duyệt" in page
    assert "Nhập sổ điểm" not in page
    assert "10A1" in page and "10A2" in page


def test_homeroom_teacher_sees_their_class_as_gvcn(login_as, school_fixture) -> None:
    page = login_as(school_fixture.gvcn).get("/").text
    assert "Lớp chủ nhiệm" in page and "10A1" in page


def test_only_the_most_specific_menu_entry_is_current(login_as, school_fixture) -> None:
    page = login_as(school_fixture.gvcn).get("/homeroom/").text
    assert page.count('aria-current="page"') == 1
    assert 'aria-current="page">Chủ nhiệm<' in page
