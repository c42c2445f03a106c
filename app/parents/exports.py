"""The GVCN's exports: per class and report point, who was informed (xlsx and CSV):
student, guardian, link issued at, first and last open, acknowledged at, reply; and the
distribution sheet as CSV — made only in the one-time issuing step (tokens are shown once
and stored only as a hash, so the file cannot be made again later; nothing keeps it).

CSV: UTF-8 with a BOM (Excel on Windows then reads Vietnamese right), every text cell
through the formula guard of app/core/xlsx.py (a name starting with "=" stays text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from app.core import xlsx
from app.core.vn import format_datetime
from app.extensions import db
from app.parents import queries
from app.parents.models import ParentAck, ParentLink
from app.results.models import ResultSnapshot
from app.school.models import SchoolClass

PERIOD_LABELS = {"hk1": "Học kỳ I", "hk2": "Học kỳ II", "cn": "Cả năm", "he": "Sau kỳ nghỉ hè"}
RECEIPT_COLUMNS = (
    "Học sinh", "Phụ huynh", "Cấp đường dẫn lúc", "Mở lần đầu", "Mở gần nhất", "Xác nhận đã xem lúc", "Lời nhắn",
)  # fmt: skip
SHEET_COLUMNS = ("Học sinh", "Phụ huynh", "Số điện thoại", "Tin nhắn gửi phụ huynh (có đường dẫn riêng)")


@dataclass(frozen=True)
class Point:
    period: str
    ref: str
    label: str

    @property
    def slug(self) -> str:
        return f"{self.period}-{self.ref}" if self.ref else self.period


def point_label(period: str, ref: str) -> str:
    if period == "month" and "-" in ref:
        year, month = ref.split("-", 1)
        return f"Tháng {int(month)}/{year}" if month.isdigit() else f"Tháng {ref}"
    return PERIOD_LABELS.get(period, period)


def report_points(cls: SchoolClass) -> list[Point]:
    """The class's report points with snapshots (months, terms, year), in order."""
    rows = db.session.execute(
        select(ResultSnapshot.period, ResultSnapshot.period_ref).where(ResultSnapshot.class_id == cls.id).distinct()
    ).all()
    ordered = sorted({(p, r) for p, r in rows}, key=lambda pr: (queries.PERIOD_ORDER.get(pr[0], 9), pr[1]))
    return [Point(p, r, point_label(p, r)) for p, r in ordered]


def class_point(cls: SchoolClass, period: str, ref: str) -> Point | None:
    return next((p for p in report_points(cls) if p.period == period and p.ref == ref), None)


def receipt_rows(cls: SchoolClass, point: Point) -> list[list[str]]:
    """One row per guardian of the class's roster, for one report point."""
    links = queries.links_of_class(cls)
    acks = db.session.execute(
        select(ParentAck, ParentLink.guardian_id)
        .join(ParentLink, ParentLink.id == ParentAck.link_id)
        .join(ResultSnapshot, ResultSnapshot.id == ParentAck.snapshot_id)
        .where(
            ParentLink.class_id == cls.id,
            ResultSnapshot.period == point.period,
            ResultSnapshot.period_ref == point.ref,
        )
        .order_by(ParentAck.at)
    ).all()
    first_ack: dict[int, ParentAck] = {}
    for ack, guardian_id in acks:
        first_ack.setdefault(guardian_id, ack)
    rows = []
    for student in queries.roster(cls):
        for guardian in student.guardians:
            link = links.get(guardian.id)
            got: ParentAck | None = first_ack.get(guardian.id)
            rows.append([
                student.full_name,
                f"{guardian.relation_label}: {guardian.full_name}",
                format_datetime(link.created_at) if link else "Chưa cấp",
                format_datetime(link.first_opened_at) if link and link.first_opened_at else "",
                format_datetime(link.last_opened_at) if link and link.last_opened_at else "",
                format_datetime(got.at) if got else "",
                got.reply if got else "",
            ])  # fmt: skip
    return rows


def to_xlsx(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "Danh sách"
    xlsx.write_cell(sheet.cell(row=1, column=1), title).font = Font(bold=True, size=13)
    for index, label in enumerate(columns, start=1):
        xlsx.write_cell(sheet.cell(row=3, column=index), label).font = Font(bold=True)
        sheet.column_dimensions[chr(64 + index)].width = 34 if index in (1, 2, 7) else 20
    for line, row in enumerate(rows, start=4):
        for index, value in enumerate(row, start=1):
            xlsx.write_cell(sheet.cell(row=line, column=index), value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([xlsx.safe_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheet_rows(sheet: Sequence[dict[str, str]]) -> list[list[str]]:
    """The distribution sheet (pages.slip rows) as CSV rows: no score, the link in the text."""
    return [[row["student"], row["guardian"], row["phone"], row["message"]] for row in sheet]
