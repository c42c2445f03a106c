"""Evidence files go through the one file store (core.files): staged, moved into
`uploads/<sha[:2]>/<sha256>` (0640) only when the request's transaction commits; a request
that fails after the upload was read leaves no file behind, staged or stored."""

from __future__ import annotations

import hashlib
import io
import stat
from pathlib import Path

import pytest

from app.core.errors import DomainError
from tests.gradebook.test_corrections import PDF, approved  # noqa: F401

#: over the limit the test lowers to 4 KB (a 5 MB body would make the test client spool it
#: to a temporary file it never closes)
BIG = b"%PDF-1.4\n" + b"0" * 5000


def _files(app) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(app.config["SODIENTU_DATA_DIR"]) / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _post(client, gb, data: bytes, name: str = "minh-chung.pdf"):  # type: ignore[no-untyped-def]
    form = {
        "student_id": gb.students_a1[0].id,
        "column": "gk",
        "new_value": "7,5",
        "reason": "Nhập nhầm",
        "evidence": (io.BytesIO(data), name),
    }
    return client.post(f"/gradebook/{gb.toan_a1}/corrections", data=form, content_type="multipart/form-data")


def test_a_stored_evidence_is_content_addressed_and_private(gb, approved, app) -> None:  # noqa: F811
    before = _files(app)  # the submitted grade book's .xlsx (records' store)
    assert _post(approved, gb, PDF).status_code == 303
    sha = hashlib.sha256(PDF).hexdigest()
    (stored,) = set(_files(app)) - set(before)
    assert stored.relative_to(Path(app.config["SODIENTU_DATA_DIR"])) == Path("uploads", sha[:2], sha)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o640 and stored.read_bytes() == PDF


def test_a_failed_transaction_after_the_upload_leaves_no_file(gb, approved, app, monkeypatch, cell) -> None:  # noqa: F811
    from app.gradebook.services import corrections

    def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise DomainError("Lỗi giả lập sau khi tệp đã được đọc.")

    before = _files(app)
    monkeypatch.setattr(corrections.audit, "record", refuse)
    r = _post(approved, gb, PDF)
    assert r.status_code == 422 and "Lỗi giả lập" in r.text
    assert _files(app) == before  # neither stored nor left in .incoming


@pytest.mark.parametrize(("data", "status"), [(b"<html><script>alert(1)</script>", 415), (BIG, 413)])
def test_refused_evidence_leaves_no_file(gb, approved, app, monkeypatch, data: bytes, status: int) -> None:  # noqa: F811
    from app.gradebook import files

    monkeypatch.setattr(files, "MAX_EVIDENCE_BYTES", 4096)
    before = _files(app)
    r = _post(approved, gb, data)
    assert r.status_code == status and 'name="reason"' in r.text  # the form again, with the reason
    assert _files(app) == before


def test_a_failed_exemption_request_leaves_no_file(
    gb, app, login_as, make_subject, make_assignment, monkeypatch
) -> None:
    from app.gradebook.services import exemptions
    from app.school.models import AssessmentKind

    gdtc = make_subject("Giáo dục thể chất", "GDTC", kind=AssessmentKind.COMMENT)
    make_assignment(gb.t1, gb.c10a1, gdtc)
    form = {
        "student_id": gb.students_a1[0].id,
        "subject_id": gdtc.id,
        "reason": "Gãy tay",
        "evidence": (io.BytesIO(PDF), "giay-ra-vien.pdf"),
    }
    url = f"/homeroom/{gb.c10a1.id}/exemptions"
    monkeypatch.setattr(exemptions.audit, "record", lambda *a, **k: (_ for _ in ()).throw(DomainError("Lỗi giả lập.")))
    assert login_as(gb.gvcn).post(url, data=form, content_type="multipart/form-data").status_code == 422
    assert _files(app) == []
    monkeypatch.undo()
    form["evidence"] = (io.BytesIO(PDF), "giay-ra-vien.pdf")
    assert login_as(gb.gvcn).post(url, data=form, content_type="multipart/form-data").status_code == 303
    assert [p.name for p in _files(app)] == [hashlib.sha256(PDF).hexdigest()]
