"""Forms of the grade book. Only declared fields are read (no mass assignment); every id
or version is bounded (core.forms.IdField: a 30-digit value is a field error → 422, never
an OverflowError); scope — a student of this class, a column of this grid — is checked by
the scoped loaders in queries.py (404). Forms that edit stored data (a cell, a nhận xét,
the settings, a lock date) refuse a POST that leaves one of their fields out
(core.forms.SubmittedFields): a missing field is never read as "clear"."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from wtforms import BooleanField, DateField, FileField, Form, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.core.forms import INVALID_CHOICE, IdField, SubmittedFields, VNSelectField, parse_id

BATCH_MAX = 2000
MISSING = "Thiếu {} trong dữ liệu gửi lên; tải lại trang rồi thử lại."
BAD_PASTE = "Dữ liệu dán không đúng định dạng; tải lại trang rồi dán lại."
BAD_PASTE_ID = "Dữ liệu dán có mã học sinh hoặc phiên bản ô không hợp lệ; tải lại trang rồi dán lại."


def _choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def required(what: str) -> InputRequired:
    return InputRequired(MISSING.format(what))


class RequiredIdField(IdField):
    """A required bounded id or version: once the form validated, `data` is an int."""

    data: int


def id_field(label: str) -> RequiredIdField:
    """A bounded id or version the POST must carry (422 when missing or out of range)."""
    return RequiredIdField(label, validators=[required(label.lower())])


def optional_id_field(label: str) -> IdField:
    """A bounded id, or None when left blank."""
    return IdField(label, validators=[Optional()])


class IsoDateField(DateField):
    """A date from an `<input type="date">` (yyyy-mm-dd), with a Vietnamese message."""

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = str(valuelist[0]).strip() if valuelist else ""
        if not raw:
            self.data = None
            return
        try:
            self.data = date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            self.data = None
        if self.data is None:
            raise ValueError(f"Ngày “{raw[:20]}” không hợp lệ; hãy chọn lại ngày trên lịch.")


class RequiredIsoDateField(IsoDateField):
    """A required date: once the form validated, `data` is a date."""

    data: date


class TxDateForm(SubmittedFields, Form):
    """The test date of one ĐĐGtx column (blank: none — the entry dates count)."""

    column = StringField("Cột điểm", validators=[required("cột điểm"), Length(max=4)])
    day = IsoDateField("Ngày kiểm tra", validators=[Optional()])


class CellForm(SubmittedFields, Form):
    student_id = id_field("Học sinh")
    column = StringField("Cột điểm", validators=[required("cột điểm"), Length(max=4)])
    value = StringField("Giá trị", validators=[Length(max=30, message="Giá trị quá dài.")])
    version = id_field("Phiên bản ô")


class BatchForm(Form):
    """cells = JSON list of {student_id, column, value, version} (a paste from Excel)."""

    cells = StringField("Dữ liệu dán", validators=[required("dữ liệu dán")])

    items: list[tuple[int, str, str, int]]

    def validate_cells(self, field: StringField) -> None:
        try:
            items = json.loads(field.data)
        except (TypeError, ValueError):
            raise ValidationError("Dữ liệu dán không đọc được; tải lại trang rồi dán lại.") from None
        if not isinstance(items, list) or not 0 < len(items) <= BATCH_MAX:
            raise ValidationError(f"Mỗi lần dán từ 1 đến {BATCH_MAX} ô.")
        parsed = []
        for item in items:
            try:
                parsed.append(
                    (
                        parse_id(item["student_id"]),
                        str(item["column"])[:4],
                        str(item.get("value") or "")[:30],
                        parse_id(item["version"]),
                    )
                )
            except ValueError:  # an id or a version out of range (parse_id)
                raise ValidationError(BAD_PASTE_ID) from None
            except (KeyError, TypeError, AttributeError):
                raise ValidationError(BAD_PASTE) from None
        self.items = parsed


class CommentForm(SubmittedFields, Form):
    student_id = id_field("Học sinh")
    text = TextAreaField("Nhận xét", validators=[Length(max=1000, message="Nhận xét tối đa 1000 ký tự.")])
    version = id_field("Phiên bản nhận xét")


class OpenForm(Form):
    class_id = id_field("Lớp")
    subject_id = id_field("Môn")
    term_id = id_field("Học kỳ")


class SubmitForm(Form):
    acknowledge = BooleanField("Tôi xác nhận các ô còn trống là có lý do (vắng, chưa kiểm tra bù…).")
    note = TextAreaField(
        "Ghi chú gửi người duyệt", validators=[Optional(), Length(max=1000, message="Ghi chú tối đa 1000 ký tự.")]
    )


class ImportForm(Form):
    file = FileField("Tệp Excel (.xlsx)")


class ImportConfirmForm(Form):
    payload = StringField("Bản xem trước", validators=[required("bản xem trước")])


class CorrectionForm(Form):
    student_id = id_field("Học sinh")
    column = StringField("Cột điểm", validators=[required("cột điểm"), Length(max=4)])
    new_value = StringField("Giá trị mới", validators=[Length(max=30, message="Giá trị mới quá dài.")])
    reason = TextAreaField(
        "Lý do điều chỉnh",
        validators=[
            DataRequired("Ghi rõ lý do điều chỉnh (ví dụ: nhập nhầm, chấm phúc khảo)."),
            Length(max=2000, message="Lý do tối đa 2000 ký tự."),
        ],
    )
    evidence = FileField("Minh chứng (không bắt buộc: PDF, JPG, PNG)")


class DecisionForm(Form):
    action = RadioField(
        "Ý kiến của bạn",
        choices=_choices([("approve", "Đồng ý"), ("return", "Không đồng ý")]),
        validators=[InputRequired("Chọn Đồng ý hoặc Không đồng ý.")],
        invalid_choice_message=INVALID_CHOICE,
        invalid_value_message=INVALID_CHOICE,
    )
    comment = TextAreaField("Ý kiến", validators=[Optional(), Length(max=1000, message="Ý kiến tối đa 1000 ký tự.")])
    version = id_field("Phiên bản")


class WithdrawForm(Form):
    version = id_field("Phiên bản")


class SettingsForm(SubmittedFields, Form):
    adjustment_reading = VNSelectField(
        "Cách điều chỉnh mức học tập (Điều 9 khoản 3)",
        choices=_choices(
            [
                ("one_step_above_computed", "Nâng lên một mức so với mức tính được (mặc định)"),
                ("one_below_reachable", "Nâng lên mức liền kề dưới mức đáng lẽ đạt"),
            ]
        ),
    )
    adjustment_counts_comment = BooleanField("Môn đánh giá bằng nhận xét cũng được xét là “môn duy nhất”")
    missed_test_rule = VNSelectField(
        "Vắng kiểm tra định kỳ, không kiểm tra bù",
        choices=_choices(
            [
                ("zero", "Tính 0 điểm (môn nhận xét: Chưa đạt) khi nộp sổ"),
                ("blank", "Để trống, không tính ĐTBmhk"),
            ]
        ),
    )


class LockDateForm(SubmittedFields, Form):
    term_id = id_field("Học kỳ")
    lock_date = IsoDateField("Ngày khoá sổ", validators=[Optional()])
