"""Forms of the records screens. Choices are always scoped to the user (a teacher is
offered only their own classes and subjects); anything else fails validation (422).

Every integer taken from a form is bounded: ids and row versions through core.forms
(`parse_id`: a 30-digit value is a field error, never a database OverflowError), and
numbers people type through `VNIntegerField` and a `NumberRange`. Forms that edit stored
data (a record's details, a record type) put `SubmittedFields` first: a POST that omits
one of their fields is a 422, not a silent "clear".
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict

from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    MultipleFileField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from app.core.forms import (
    REQUIRED,
    IdField,
    SubmittedFields,
    VNIntegerField,
    VNSelectField,
    choices,
    parse_id,
    text_field,
)
from app.records.models import MadeBy, Record, RecordType, StepKind

if TYPE_CHECKING:
    from app.records.services.record_types import TypeSettings

DATE_MESSAGE = "Ngày không hợp lệ (chọn trong lịch hoặc nhập dd/mm/yyyy)."
BAD_VERSION = "Phiên bản hồ sơ gửi lên không hợp lệ. Tải lại trang rồi thử lại."
NEED_ASSIGNMENT = "Vui lòng chọn lớp và môn bạn dạy."
NEED_LESSON_DATE = "Vui lòng nhập ngày dạy để tính hạn nộp."
NEED_FILE = "Cần đính kèm ít nhất một tệp (PDF, DOCX, XLSX hoặc PPTX)."
BAD_KEEP = "Tệp '%(value)s' không thuộc phiên bản hiện tại. Tải lại trang rồi chọn lại."


class RecordDetails(TypedDict):
    """A record's own details, as the services take them."""

    title: str
    week: int | None
    lesson_no: int | None
    lesson_date: date | None
    notes: str | None


class NewRecordFields(RecordDetails):
    class_id: int | None
    subject_id: int | None
    submit: bool


class VersionFields(TypedDict):
    seen_version: int | None
    keep_file_ids: list[int]
    note: str | None
    submit: bool


class VersionField(IdField):
    """The row version the user saw (hidden); the service answers 409 if it changed since."""

    widget = HiddenInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(BAD_VERSION) from None


class LessonDateField(DateField):
    """The browser's date input (yyyy-mm-dd) or dd/mm/yyyy typed by hand."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None


def chosen_files(field: MultipleFileField) -> list[FileStorage]:
    """The files actually chosen (a browser sends an empty part when none is)."""
    return [f for f in (field.data or []) if isinstance(f, FileStorage) and f.filename]


#: shown (and sent) only for record types tied to a class and subject
LESSON_FIELDS = ("week", "lesson_no", "lesson_date")


class RecordFieldsMixin:
    title = text_field("Tiêu đề", 250, required=True)
    week = VNIntegerField("Tuần", validators=[Optional(), NumberRange(1, 52, "Tuần từ 1 đến 52.")])
    lesson_no = VNIntegerField("Tiết / bài số", validators=[Optional(), NumberRange(1, 999, "Số tiết từ 1 đến 999.")])
    lesson_date = LessonDateField("Ngày dạy", format=["%Y-%m-%d", "%d/%m/%Y"], validators=[Optional()])
    notes = TextAreaField(
        "Ghi chú", validators=[Optional(), Length(max=4000, message="Ghi chú dài tối đa 4000 ký tự.")]
    )
    #: the record being edited: its values stand for the fields its page does not show
    shown_for: Record | None = None

    def _value(self, name: str) -> Any:
        field = getattr(self, name, None)
        return field.data if field is not None else getattr(self.shown_for, name, None)

    def record_fields(self) -> RecordDetails:
        return RecordDetails(
            title=self.title.data or "",
            week=self._value("week"),
            lesson_no=self._value("lesson_no"),
            lesson_date=self._value("lesson_date"),
            notes=self.notes.data,
        )


class SubmitChoice:
    """Which button was pressed: "… và nộp duyệt" (action=submit) or "Lưu nháp"."""

    action = HiddenField()

    def submits(self) -> bool:
        return self.action.data == "submit"


class NewRecordForm(SubmitChoice, RecordFieldsMixin, FlaskForm):
    """A new record of one type; the type's rules (class and subject, lesson date for a
    deadline, at least one file) are checked here with the other field errors."""

    record_type = HiddenField()
    assignment = VNSelectField("Lớp – môn", choices=[], validate_choice=True)
    files = MultipleFileField("Tệp đính kèm (PDF, DOCX, XLSX, PPTX)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules: RecordType | None = None

    @classmethod
    def for_type(cls, record_type: RecordType, assignments: list[tuple[int, int, str]]) -> NewRecordForm:
        form = cls()
        form.rules = record_type
        form.assignment.choices = choices(
            [(f"{c}:{s}", label) for c, s, label in assignments], blank="— Chọn lớp và môn —"
        )
        form.record_type.data = str(record_type.id)
        return form

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        rules = self.rules
        problems = [
            (self.assignment, NEED_ASSIGNMENT, rules is not None and rules.requires_class_subject),
            (self.lesson_date, NEED_LESSON_DATE, rules is not None and rules.deadline_days_before_lesson is not None),
            (self.files, NEED_FILE, True),
        ]
        for field, message, applies in problems:
            if applies and not (self.uploads() if field is self.files else field.data):
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def uploads(self) -> list[FileStorage]:
        return chosen_files(self.files)

    def class_subject(self) -> tuple[int | None, int | None]:
        if not self.assignment.data:
            return None, None
        class_id, subject_id = self.assignment.data.split(":")
        return parse_id(class_id), parse_id(subject_id)

    def creation_fields(self) -> NewRecordFields:
        class_id, subject_id = self.class_subject()
        return {**self.record_fields(), "class_id": class_id, "subject_id": subject_id, "submit": self.submits()}


class EditRecordForm(SubmittedFields, RecordFieldsMixin, FlaskForm):
    version = VersionField("Phiên bản")

    @classmethod
    def of(cls, record: Record) -> EditRecordForm:
        """Bound to the POST, or showing the record (and the version it is at) on a GET;
        without the lesson fields when the record's type has none (the page omits them)."""
        form = cls()
        form.shown_for = record
        if not record.record_type.requires_class_subject:
            for name in LESSON_FIELDS:
                del form[name]
        if not form.is_submitted():
            form.process(obj=record)
        return form


class NewVersionForm(SubmitChoice, FlaskForm):
    version = VersionField("Phiên bản")
    files = MultipleFileField("Tệp mới (PDF, DOCX, XLSX, PPTX)")
    keep = SelectMultipleField(
        "Giữ lại tệp của phiên bản hiện tại",
        coerce=parse_id,
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        invalid_value_message="Danh sách tệp giữ lại không hợp lệ. Tải lại trang rồi chọn lại.",
        invalid_choice_message=BAD_KEEP,
    )
    note = TextAreaField(
        "Nội dung chỉnh sửa", validators=[Optional(), Length(max=2000, message="Nội dung tối đa 2000 ký tự.")]
    )

    @classmethod
    def of(cls, record: Record) -> NewVersionForm:
        """The files of the current version may be kept; a GET shows the version it is at."""
        form = cls()
        current = record.current_version
        form.keep.choices = choices([(f.id, f.original_name) for f in (current.files if current else [])])
        if not form.is_submitted():
            form.version.data = record.version
        return form

    def uploads(self) -> list[FileStorage]:
        return chosen_files(self.files)

    def version_fields(self) -> VersionFields:
        return {
            "seen_version": self.version.data,
            "keep_file_ids": self.keep.data or [],
            "note": self.note.data,
            "submit": self.submits(),
        }


class DecisionForm(FlaskForm):
    version = VersionField("Phiên bản")
    comment = TextAreaField("Ý kiến", validators=[Optional(), Length(max=2000, message="Ý kiến tối đa 2000 ký tự.")])


class ReturnForm(FlaskForm):
    version = VersionField("Phiên bản")
    comment = TextAreaField(
        "Lý do trả lại",
        validators=[
            DataRequired("Khi trả lại cần ghi rõ lý do để giáo viên sửa."),
            Length(max=2000, message="Lý do tối đa 2000 ký tự."),
        ],
    )


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Trao đổi",
        validators=[
            DataRequired(REQUIRED.format("nội dung trao đổi")),
            Length(max=4000, message="Nội dung trao đổi tối đa 4000 ký tự."),
        ],
    )


STEP_CHOICES = [(k.value, k.label) for k in StepKind]
STEPS_REQUIRED = choices(STEP_CHOICES)
STEPS_OPTIONAL = choices(STEP_CHOICES, blank="— không —")


class RecordTypeFields:
    """What an admin sets on a record type (the code is set once, at creation)."""

    name = text_field("Tên loại hồ sơ", 200, required=True)
    description = TextAreaField(
        "Mô tả", validators=[Optional(), Length(max=2000, message="Mô tả dài tối đa 2000 ký tự.")]
    )
    step1 = VNSelectField("Bước duyệt 1", choices=STEPS_REQUIRED)
    step2 = VNSelectField("Bước duyệt 2", choices=STEPS_OPTIONAL)
    step3 = VNSelectField("Bước duyệt 3", choices=STEPS_OPTIONAL)
    made_by = VNSelectField("Người lập", choices=choices([(m.value, m.label) for m in MadeBy]))
    deadline_days_before_lesson = VNIntegerField(
        "Hạn nộp: số ngày trước ngày dạy (để trống nếu không có hạn)",
        validators=[Optional(), NumberRange(0, 60, "Từ 0 đến 60 ngày.")],
    )
    requires_class_subject = BooleanField("Gắn với lớp và môn học")
    active = BooleanField("Đang sử dụng", default=True)
    sort_order = VNIntegerField(
        "Thứ tự hiển thị",
        default=100,
        validators=[InputRequired("Vui lòng nhập thứ tự."), NumberRange(0, 10000, "Thứ tự từ 0 đến 10000.")],
    )

    def chain(self) -> list[str]:
        return [s for s in (self.step1.data, self.step2.data, self.step3.data) if s]

    def type_fields(self, linked_only: bool = False) -> TypeSettings:
        """The type's settings as the services take them (a linked type stays per class and subject)."""
        return {
            "name": self.name.data,
            "description": self.description.data,
            "chain": self.chain(),
            "made_by": self.made_by.data,
            "deadline_days_before_lesson": self.deadline_days_before_lesson.data,
            "requires_class_subject": True if linked_only else bool(self.requires_class_subject.data),
            "active": bool(self.active.data),
            "sort_order": self.sort_order.data,
        }


class NewRecordTypeForm(RecordTypeFields, FlaskForm):
    code = text_field("Mã (không dấu, không đổi được sau khi tạo)", 40)


class EditRecordTypeForm(SubmittedFields, RecordTypeFields, FlaskForm):
    """Every setting must be in the POST: a missing one is a 422, never a silent reset."""

    @classmethod
    def of(cls, record_type: RecordType) -> EditRecordTypeForm:
        form = cls(obj=record_type)
        if not form.is_submitted():
            form.step1.data, form.step2.data, form.step3.data = (list(record_type.chain) + ["", "", ""])[:3]
        return form
