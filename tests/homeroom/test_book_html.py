"""The class book's rows written in Python (app.homeroom.book_html) are the bytes the Jinja
loop wrote: STT, the name with its exemption badges, each subject's result and re-test."""

from __future__ import annotations

from types import SimpleNamespace

#: the row's head as _class_book.html wrote it before book_html
JINJA_HEAD = (
    '<td class="num">{{ line.index }}</td>\n'
    '      <th scope="row" hx-disable>{{ line.student.full_name }}{% for e in line.exemptions %} '
    '<span class="badge info" title="{{ e }}">Miễn TH</span>{% endfor %}</th>\n'
    '      {% for m in line.marks %}<td class="num{% if not m.text %} missing{% endif %}">{{ m.text or "—" }}'
    '{% if m.retest %} <small title="Kết quả kiểm tra lại">→ {{ m.retest }}</small>{% endif %}</td>{% endfor %}'
)


def test_the_row_head_is_written_as_the_template_wrote_it(app) -> None:
    from app.homeroom.book_html import line_head

    line = SimpleNamespace(
        index=7,
        student=SimpleNamespace(full_name='Lê "Bé" <Ánh> & Co'),
        exemptions=["GDTC: miễn phần thực hành (cả năm)", "<b>x</b> 'y'"],
        marks=[
            SimpleNamespace(text="7,5", retest=""),
            SimpleNamespace(text="", retest=""),
            SimpleNamespace(text="CĐ", retest="Đ"),
            SimpleNamespace(text="3,2", retest="<5,0>"),
        ],
    )
    with app.app_context():
        expected = app.jinja_env.from_string(JINJA_HEAD).render(line=line)
    assert str(line_head(line)) == expected  # type: ignore[arg-type]
    empty = SimpleNamespace(index=1, student=SimpleNamespace(full_name="A"), exemptions=[], marks=[])
    with app.app_context():
        assert str(line_head(empty)) == app.jinja_env.from_string(JINJA_HEAD).render(line=empty)  # type: ignore[arg-type]
