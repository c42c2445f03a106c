"""Forms of issuing: which document and which period (the class and the student come from
the URL and are checked by the scoped loaders: 404). A bad choice is a field error → 422."""

from __future__ import annotations

from wtforms import Form, IntegerField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from app.core.forms import VNSelectField, choices

PERIOD_CHOICE = [DataRequired("Hãy chọn kỳ in."), Length(max=20, message="Kỳ in không hợp lệ.")]


class IssueForm(Form):
    """One student's document, or the whole class as a job."""

    kind = VNSelectField(
        "Văn bản",
        choices=choices([("bao_lien_lac", "Báo liên lạc"), ("hoc_ba", "Học bạ")]),
        validators=[DataRequired("Hãy chọn văn bản cần in.")],
    )
    period = StringField("Kỳ", validators=PERIOD_CHOICE)


class BookForm(Form):
    """The class's sổ theo dõi of a period."""

    period = StringField("Kỳ", validators=PERIOD_CHOICE)


class SchoolBatchForm(Form):
    """BGH: a khối or the whole school, in one job."""

    kind = VNSelectField(
        "Văn bản",
        choices=choices([("bao_lien_lac", "Báo liên lạc"), ("hoc_ba", "Học bạ"), ("so_theo_doi", "Sổ theo dõi")]),
        validators=[DataRequired("Hãy chọn văn bản cần in.")],
    )
    scope = StringField("Phạm vi", validators=[AnyOf(["grade", "school"], message="Hãy chọn khối hoặc toàn trường.")])
    grade = IntegerField("Khối", validators=[Optional(), NumberRange(1, 12, message="Khối phải từ 1 đến 12.")])
    period = StringField("Kỳ", validators=PERIOD_CHOICE)
