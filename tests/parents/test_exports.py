"""The GVCN's exports: who was informed per class and report point (xlsx and CSV), and the
distribution sheet as CSV, made only in the one-time issuing step (no score, no token kept)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import inspect, select, text

from app.extensions import db
from tests.parents.conftest import NAMES, OTHER, issue, open_as_parent, score_of


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel reads the Vietnamese right
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_receipts_per_report_point_as_xlsx_and_csv(app, parents_school, as_user, login_as) -> None:
    ns = parents_school
    s0, s1 = ns.students[0], ns.students[1]
    parent = app.test_client()
    open_as_parent(parent, issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[s0.id]))
    month = ns.snapshots[(s0.id, "month")]
    assert parent.post(f"/p/view/{month}/ack", data={"reply": '=HYPERLINK("x") cảm ơn cô'}).status_code == 303
    issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[s1.id])  # issued, never opened
    gvcn = login_as(ns.gvcn)
    page = gvcn.get(f"/parents/classes/{ns.cls.id}").get_data(as_text=True)
    assert 'id="receipts-xlsx-month-2026-10"' in page and "Tháng 10/2026" in page

    r = gvcn.get(f"/parents/classes/{ns.cls.id}/receipts.csv?period=month&ref=2026-10")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = _csv(r.data)
    assert rows[0] == ["Học sinh", "Phụ huynh", "Cấp đường dẫn lúc", "Mở lần đầu", "Mở gần nhất",
                       "Xác nhận đã xem lúc", "Lời nhắn"]  # fmt: skip
    by_name = {row[0]: row for row in rows[1:]}
    assert sorted(by_name) == sorted(NAMES) and not set(OTHER) & set(by_name)
    first = by_name[s0.full_name]
    assert first[1] == f"Mẹ: Mẹ của {s0.full_name}" and all(first[2:6])
    assert first[6] == '\'=HYPERLINK("x") cảm ơn cô'  # never a formula
    assert by_name[s1.full_name][2] and by_name[s1.full_name][3:] == ["", "", "", ""]
    assert by_name[ns.students[2].full_name][2] == "Chưa cấp"

    r = gvcn.get(f"/parents/classes/{ns.cls.id}/receipts.xlsx?period=month&ref=2026-10")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(r.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert "Tháng 10/2026" in sheet["A1"].value and sheet["A3"].value == "Học sinh"
    row = next(v for v in values if v[0] == s0.full_name)
    assert row[5] and sheet.cell(row=4 + values.index(row), column=7).data_type == "s"
    hk1 = _csv(gvcn.get(f"/parents/classes/{ns.cls.id}/receipts.csv?period=hk1&ref=").data)
    assert all(row[5] == "" for row in hk1[1:])  # acknowledged the month only
    # an unknown point, another GVCN, another class: 404
    assert gvcn.get(f"/parents/classes/{ns.cls.id}/receipts.csv?period=month&ref=2099-01").status_code == 404
    assert login_as(ns.gvcn2).get(f"/parents/classes/{ns.cls.id}/receipts.csv?period=hk1").status_code == 404
    assert login_as(ns.teacher).get(f"/parents/classes/{ns.cls.id}/receipts.xlsx?period=hk1").status_code == 404


def test_the_distribution_csv_comes_from_the_one_time_issuing_step(app, parents_school, login_as) -> None:
    ns = parents_school
    gvcn = login_as(ns.gvcn)
    r = gvcn.post(f"/parents/classes/{ns.cls.id}/issue-all", data={"format": "csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    rows = _csv(r.data)
    assert rows[0] == ["Học sinh", "Phụ huynh", "Số điện thoại", "Tin nhắn gửi phụ huynh (có đường dẫn riêng)"]
    assert sorted(row[0] for row in rows[1:]) == sorted(NAMES)
    tokens = []
    for row in rows[1:]:
        message = row[3]
        assert "/p/" in message and "đừng chia sẻ" in message
        assert not any(score_of(i) in message or score_of(i).replace(".", ",") in message for i in range(20))
        tokens.append(message.split("/p/", 1)[1].split()[0])
    parent = app.test_client()  # a link from the CSV opens its own child
    assert open_as_parent(parent, tokens[0]).status_code == 303
    assert parent.get("/p/view").status_code == 200
    with app.app_context():  # no token in clear anywhere in the database
        for table in inspect(db.engine).get_table_names():
            for line in db.session.execute(text(f'SELECT * FROM "{table}"')):
                assert not any(t in str(v) for v in line for t in tokens), table
    # nothing kept: asking again issues nothing new (everyone holds a usable link)
    again = _csv(gvcn.post(f"/parents/classes/{ns.cls.id}/issue-all", data={"format": "csv"}).data)
    assert again[1:] == []
    from app.parents.models import ParentLink

    with app.app_context():
        assert len(db.session.scalars(select(ParentLink)).all()) == len(NAMES)
