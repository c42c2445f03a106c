"""Form fields and rules shared by every domain (WTForms). Every message is Vietnamese.

- Ids taken from a form are bounded like ids in URLs (`routing.MAX_ID`): a 30-digit
  `student_id` is a 422 with a sentence, never a database OverflowError.
- `SubmittedFields`: a form whose POST omits one of its fields is refused (422) instead of
  reading the missing field as "empty" — an admin POST without the teacher field must not
  silently remove the GVCN. Clearing is an explicit choice the form offers (a blank option).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from wtforms import (
    BooleanField,
    Field,
    FileField,
    FormField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core import vn
from app.core.routing import MAX_ID

REQUIRED = "Vui lòng nhập {}."
CHOOSE = "Vui lòng chọn {}."
INVALID_CHOICE = "Lựa chọn không hợp lệ; hãy chọn lại trong danh sách."
NOT_AN_ID = "Mã '{}' không hợp lệ."


def parse_id(value: Any) -> int:
    """A database id from form text; ValueError (→ a field error) for anything else."""
    text = str(value).strip()
    if not text.isdigit() or not 0 <= int(text) <= MAX_ID:
        raise ValueError(NOT_AN_ID.format(text[:20]))
    return int(text)


def optional_id(value: Any) -> int | None:
    """Coerce for id selects: the blank choice is None, anything else a bounded id."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        if not 0 <= value <= MAX_ID:
            raise ValueError(NOT_AN_ID.format(value))
        return value
    return parse_id(value)


def choices(pairs: Sequence[tuple[Any, str]], blank: str | None = None) -> list[SelectChoice]:
    items = [SelectChoice("", blank)] if blank is not None else []
    return items + [SelectChoice(str(value), label) for value, label in pairs]


class IdField(IntegerField):
    """An integer id or version from a form, within the id range (else a field error)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        try:
            self.data = parse_id(valuelist[0])
        except ValueError as exc:
            self.data = None
            raise ValueError(f"{self.label.text or 'Giá trị'}: {exc}") from None


class VNSelectField(SelectField):
    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", INVALID_CHOICE)
        kwargs.setdefault("invalid_value_message", INVALID_CHOICE)
        super().__init__(label, validators, **kwargs)


class IdSelectField(VNSelectField):
    """A select of database ids, with an optional blank ("— chưa chọn —") as None."""

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", optional_id)
        super().__init__(label, validators, **kwargs)


class VNDateField(StringField):
    """dd/mm/yyyy in and out; a clear Vietnamese message for 31/02/2012 or '12-2012'."""

    raw_text = ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.raw_text = raw
        if not raw:
            self.data = None
            return
        try:
            self.data = vn.parse_date(raw)
        except ValueError as exc:
            self.data = None
            raise ValueError(vn.date_problem(raw)) from exc

    def _value(self) -> str:
        if isinstance(self.data, date):
            return vn.format_date(self.data)
        return self.raw_text or ""


class VNIntegerField(StringField):
    """A whole number typed by a person; the bounds come from a NumberRange validator."""

    raw_text = ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.raw_text = raw
        if not raw:
            self.data = None
            return
        if not raw.isdigit() or len(raw) > 9:
            self.data = None
            raise ValueError(f"'{raw[:20]}' không phải số nguyên hợp lệ.")
        self.data = int(raw)

    def _value(self) -> str:
        return str(self.data) if self.data is not None else self.raw_text


def date_field(label: str, required: bool = True) -> VNDateField:
    validators = [InputRequired(REQUIRED.format(label.lower()))] if required else [Optional()]
    return VNDateField(label, validators=validators, render_kw={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})


def text_field(label: str, maximum: int, required: bool = False, **kw: Any) -> StringField:
    validators: list[Any] = [DataRequired(REQUIRED.format(label.lower()))] if required else [Optional()]
    validators.append(Length(max=maximum, message=f"{label} dài tối đa {maximum} ký tự."))
    return StringField(label, validators=validators, **kw)


#: fields a browser leaves out of a submitted form when they are empty or unchecked
MAY_BE_ABSENT = (BooleanField, FileField, MultipleFileField, SelectMultipleField, SubmitField, CSRFTokenField)
MISSING = "Thiếu trường “{}” trong dữ liệu gửi lên; tải lại trang rồi thử lại."


def _fields(fields: Any) -> Iterator[Field]:
    for field in fields:
        if isinstance(field, FormField):
            yield from _fields(field.form)
        else:
            yield field


class SubmittedFields:
    """Mixin for forms that edit stored data: every field must be present in the POST.

    A missing field answers 422 with its label; a blank value is still allowed where the
    field's own validators allow it (that is how a form offers "clear"). A POST with an
    empty body counts as submitted too (Flask-WTF then binds no form data at all).
    """

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)  # type: ignore[misc]
        if not self._bound_to_a_post():
            return valid
        for field in _fields(self):
            if isinstance(field, MAY_BE_ABSENT) or getattr(field, "raw_data", None):
                continue
            field.errors = [*field.errors, MISSING.format(field.label.text or field.name)]
            valid = False
        return valid

    def _bound_to_a_post(self) -> bool:
        is_submitted = getattr(self, "is_submitted", None)  # Flask-WTF forms
        if is_submitted is not None:
            return bool(is_submitted())
        return any(getattr(field, "raw_data", None) is not None for field in _fields(self))
