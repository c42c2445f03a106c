"""SECURITY.md test 28 (P0): stored payloads render inert everywhere; logs stay one line.

The payloads are stored through the SERVICES (as an import or a form would) in student,
guardian and staff names, tổ/môn names, school information, a giáo án title and the
teachers' nhận xét; then every GET route of app.url_map is rendered, as a page and as an
htmx fragment, for each role, with ids pointing at the injected objects. No response may
contain a live element built from the data (parsed, not grepped), nor evaluate {{7*7}}.
"""

from __future__ import annotations

import logging
from datetime import date
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import escape

from app.extensions import db
from tests.security.conftest import build, int_args, is_html, walk_plan

IMG = "<img src=x onerror=alert(1)>"
HX = '<div hx-get="/staff" hx-trigger="load">'
SSTI = "SstiL{{7*7}}SstiR"
LOG = "\r\nFAKE-LOG-LINE"
EVALUATED = "SstiL49SstiR"
ESCAPED = {
    IMG: "&lt;img src=x onerror=alert(1)&gt;",
    HX: "&lt;div hx-get=&#34;/staff&#34; hx-trigger=&#34;load&#34;&gt;",
}


def payload(label: str) -> str:
    return f"{label} {IMG} {HX} {SSTI}{LOG}"


#: what is stored where (short columns get one payload each)
TEXT = {
    label: payload(label)
    for label in (
        "Trường",
        "Địa chỉ",
        "Hiệu trưởng",
        "Tổ",
        "Môn",
        "Thầy",
        "Nơi sinh",
        "Chỗ ở",
        "Cha",
        "Mẹ",
        "Nghề",
        "Nhận xét",
        "Giáo án",
    )
}
TEXT.update(
    {"Chức vụ": f"Chức vụ {HX}", "Họ": f"Họ {IMG}", "Đệm": f"Đệm {HX}", "Tên": f"{SSTI}{LOG}", "Dân tộc": f"DT {IMG}"}
)


def escaped(label: str) -> str:
    """The stored text as an HTML page must show it (up to the CR/LF)."""
    return str(escape(TEXT[label])).split("\r")[0]


class _Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def live_payload_elements(body: str) -> list[str]:
    parser = _Elements()
    parser.feed(body)
    found = []
    for tag, attrs in parser.tags:
        if tag == "img" and attrs.get("src") == "x":
            found.append("<img src=x>")
        if "onerror" in attrs:
            found.append(f"<{tag} onerror>")
        if tag == "div" and attrs.get("hx-get") == "/staff" and attrs.get("hx-trigger") == "load":
            found.append('<div hx-get="/staff" hx-trigger="load">')
    return found


@pytest.fixture
def injected(app, sec, as_user, make_user):  # type: ignore[no-untyped-def]
    """Payloads in every kind of free text, stored by the services."""
    from app.accounts import services as accounts
    from app.accounts.models import User
    from app.gradebook import queries as gq
    from app.gradebook.services import entry
    from app.records import services as rs
    from app.records.models import Record, RecordType
    from app.records.uploads import stage_bytes
    from app.school import services as school
    from app.school.models import SchoolClass, Student, Subject, Term
    from tests.security.conftest import _pdf

    ns = SimpleNamespace()

    def school_side(admin: Any) -> None:
        school.save_school(
            admin,
            name=TEXT["Trường"],
            code="79000001",
            level="THPT",
            province="TP. Hồ Chí Minh",
            address=TEXT["Địa chỉ"],
            governing_body=TEXT["Hiệu trưởng"],  # the cơ quan chủ quản line above the school's name
        )
        dept = school.create_department(admin, TEXT["Tổ"])
        subject = school.create_subject(
            admin, code="INJ", name=TEXT["Môn"], assessment_kind="score", department_id=dept.id, periods={10: 70}
        )
        teacher = accounts.create_user(
            admin,
            username="inj.gv",
            full_name=TEXT["Thầy"],
            password="mat-khau-rat-dai-2024",
            department_id=dept.id,
            position=TEXT["Chức vụ"],
            must_change_password=False,
        )
        c10a1 = db.session.get(SchoolClass, sec.c10a1.id)
        school.assign_teacher(admin, c10a1, subject, teacher.id)
        student = school.create_student(
            admin,
            c10a1,
            student_code="HS-INJ",
            last_name=TEXT["Họ"],
            middle_name=TEXT["Đệm"],
            first_name=TEXT["Tên"],
            birth_date=date(2010, 1, 2),
            gender="nam",
            birthplace=TEXT["Nơi sinh"],
            address=TEXT["Chỗ ở"],
            ethnicity=TEXT["Dân tộc"],
        )
        school.save_guardians(
            admin,
            student,
            {"cha": {"full_name": TEXT["Cha"], "occupation": TEXT["Nghề"]}, "me": {"full_name": TEXT["Mẹ"]}},
        )
        ns.dept, ns.subject, ns.teacher, ns.student = dept.id, subject.id, teacher.id, student.id

    as_user(sec.admin, school_side)
    with app.app_context():
        term2 = db.session.scalar(db.select(Term.id).where(Term.year_id == sec.year.id, Term.number == 2))

    def teacher_side(t1: Any) -> None:  # Toán 10A1, term II (term I is locked in `sec`)
        c, s, access = gq.access_for(sec.c10a1.id, sec.toan.id)
        book = entry.open_gradebook(t1, c, s, db.session.get(Term, term2), access)
        db.session.flush()
        handle = gq.get_gradebook_for(t1, book.id)
        from app.gradebook.services.comments import save_comment

        save_comment(t1, handle, ns.student, TEXT["Nhận xét"], 0)
        record = rs.create_record(
            t1,
            db.session.get(RecordType, sec.types["ke_hoach_bai_day"]),
            title=TEXT["Giáo án"],
            files=[stage_bytes("giao-an.pdf", _pdf("x"))],
            class_id=sec.c10a1.id,
            subject_id=sec.toan.id,
            lesson_date=date(2024, 10, 10),
        )
        ns.book, ns.record = book.id, record.id

    as_user(sec.t1, teacher_side)
    with app.app_context():
        ns.file = db.session.get(Record, ns.record).versions[-1].files[0].id
        assert "<img" in db.session.get(Student, ns.student).full_name
        assert "\r\nFAKE" in db.session.get(User, ns.teacher).full_name
        assert db.session.get(Subject, ns.subject).name.startswith("Môn <img")
    ns.teacher_user = SimpleNamespace(id=ns.teacher, session_version=1)
    ns.ids = {
        **sec.any_ids,
        "student_id": [ns.student],
        "user_id": [ns.teacher],
        "subject_id": [ns.subject],
        "department_id": [ns.dept],
        "gradebook_id": [ns.book],
        "record_id": [ns.record],
        "file_id": [ns.file],
    }
    return ns


ROLES = ("admin", "ht", "t1", "gvcn", "tt_toan")


def test_stored_payloads_are_inert_on_every_page_and_fragment(app, sec, injected, login_as, users) -> None:
    clients = {role: login_as(users[role]) for role in ROLES}
    clients["inj"] = login_as(injected.teacher_user)
    failures, rendered, shown = [], 0, 0
    for role, rule in walk_plan(app, tuple(clients)):
        url = build(rule, {a: injected.ids[a][0] for a in int_args(rule) if a in injected.ids})
        for shape in ("page", "htmx"):
            client = clients[role]
            response = client.get(url) if shape == "page" else client.htmx("GET", url)
            response.close()
            if not is_html(response):
                continue
            body = response.get_data(as_text=True)
            rendered += 1
            shown += ESCAPED[IMG] in body
            where = f"{rule.endpoint} {url} as {role} ({shape})"
            if live := live_payload_elements(body):
                failures.append(f"{where}: live elements from data {live}")
            if "<img src=x" in body or '<div hx-get="/staff"' in body:
                failures.append(f"{where}: raw payload in the HTML")
            if EVALUATED in body:
                failures.append(f"{where}: {{{{7*7}}}} was evaluated")
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
    assert failures == [], "\n".join(failures)
    assert rendered >= 100 and shown >= 15  # the payloads were really on the pages


KEY_PAGES = [
    ("t1", "/school/classes/{c10a1}", ["Họ", "Đệm", "Tên", "Môn", "Thầy"]),
    ("t1", "/school/students/{student}", ["Họ", "Đệm", "Tên"]),
    ("gvcn", "/school/students/{student}", ["Cha", "Mẹ", "Nghề", "Chỗ ở", "Dân tộc", "Nơi sinh"]),
    ("admin", "/school/admin/staff", ["Thầy", "Tổ"]),
    ("admin", "/school/admin/departments", ["Tổ", "Thầy", "Môn"]),
    ("admin", "/school/admin/subjects", ["Môn", "Tổ"]),
    ("admin", "/school/admin/school", ["Trường", "Địa chỉ", "Hiệu trưởng"]),
    ("admin", "/school/admin/classes/{c10a1}/assignments", ["Môn", "Thầy"]),
    ("admin", "/school/admin/staff/{teacher}/edit", ["Thầy", "Chức vụ"]),
    # nơi sinh is sensitive: the quản trị's form writes it but does not show it back
    ("admin", "/school/admin/students/{student}/edit", ["Họ", "Cha"]),
    ("inj", "/", ["Môn"]),
]


def test_key_pages_show_each_payload_escaped_in_place(app, sec, injected, login_as) -> None:
    for who, url, labels in KEY_PAGES:
        user = injected.teacher_user if who == "inj" else getattr(sec, who)
        url = url.format(c10a1=sec.c10a1.id, student=injected.student, teacher=injected.teacher)
        client = login_as(user)
        for response in (client.get(url), client.htmx("GET", url)):
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            for label in labels:
                # the exact stored text, escaped in place; {{7*7}} left as typed
                assert escaped(label) in body, f"{url} as {who}: '{label}' not shown escaped"
            assert EVALUATED not in body and "<img src=x" not in body
            assert live_payload_elements(body) == []


def test_the_checks_see_a_live_payload() -> None:
    """Control for the parser-based check: raw markup is found, escaped markup is not."""
    assert live_payload_elements(f"<td>{IMG} {HX}</td>") == [
        "<img src=x>",
        "<img onerror>",
        '<div hx-get="/staff" hx-trigger="load">',
    ]
    assert live_payload_elements(f"<td>{escape(IMG)} {escape(HX)}</td>") == []
    assert live_payload_elements('<form hx-get="/staff" hx-trigger="input">') == []


# --- logs --------------------------------------------------------------------------------


@pytest.fixture
def production_formatter(monkeypatch) -> logging.Formatter:  # type: ignore[no-untyped-def]
    """The formatter a non-testing app installs (create_app's logging configuration)."""
    from app import create_app

    captured: dict[str, Any] = {}
    monkeypatch.setattr(logging, "basicConfig", lambda **kw: captured.update(kw))
    create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    if "handlers" in captured:
        return captured["handlers"][0].formatter
    return logging.Formatter(captured["format"])


def test_a_logged_message_with_a_payload_stays_on_one_line(production_formatter) -> None:
    record = logging.LogRecord("app.x", logging.WARNING, __file__, 1, "tên: %s", (payload("Họ"),), None)
    line = production_formatter.format(record)
    assert "\n" not in line and "\r" not in line
    assert "\\r\\nFAKE-LOG-LINE" in line


def test_an_unhandled_error_carrying_user_input_is_logged_on_one_line(
    app, sec, login_as, caplog, monkeypatch, production_formatter
) -> None:
    """A 500 logs its traceback; the exception text may hold user input (here a tổ name)."""
    from app.school import services

    def failing(actor: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"không lưu được tổ {name}")

    monkeypatch.setattr(services, "create_department", failing)
    caplog.set_level(logging.ERROR)
    response = login_as(sec.admin).post(
        "/school/admin/departments", data={"name": f"Tổ mới{LOG}", "head_id": "", "deputy_id": ""}
    )
    assert response.status_code == 500
    assert "FAKE-LOG-LINE" not in response.get_data(as_text=True)  # never echoed to the user
    lines = [production_formatter.format(r) for r in caplog.records if r.exc_info]
    assert lines, "the 500 was not logged"
    for line in lines:
        assert "\n" not in line and "\r" not in line
        assert "FAKE-LOG-LINE" in line  # kept, escaped: the event is whole
