"""What the privacy pages share: a form's errors as one Vietnamese sentence."""

from __future__ import annotations

from wtforms import Form


def errors_of(form: Form) -> str:
    return " ".join(e for errs in form.errors.values() for e in errs)
