"""Uploads (SECURITY.md tests 29–32): content sniffing, bombs, names, nothing stored on refusal."""

from __future__ import annotations

import io
import os
import stat
import unicodedata
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from app.core import filecheck, files
from app.extensions import db
from app.records import uploads
from app.records.uploads import UploadError, stage_upload
from tests.records import samples
from tests.records.conftest import post_multipart

BAD = [
    ("exe_renamed", 415),
    ("html_renamed", 415),
    ("svg", 415),
    ("ole_doc", 415),
    ("docm", 415),
    ("docx_with_vba_only", 415),
    ("pdf_with_javascript", 415),
    ("pdf_with_js_in_object_stream", 415),
    ("pdf_with_launch_escaped", 415),
    ("pdf_with_embedded_file", 415),
    ("plain_zip", 415),
    ("nested_zip", 422),
    ("nested_zip_disguised", 422),
    ("symlink_entry", 422),
    ("zip_slip", 422),
    ("billion_laughs", 422),
    ("content_types_with_dtd", 422),
    ("corrupt_crc", 422),
    ("docx_bomb", 413),
    ("many_entries", 422),
]
GOOD = [
    ("pdf", "pdf"),
    ("docx", "docx"),
    ("xlsx", "xlsx"),
    ("pptx", "pptx"),
    ("docx_with_embedded_chart_workbook", "docx"),
]


def listing(root: Path) -> list[str]:
    """Every file under the store, those staged in .incoming included."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def store_upload(fs: FileStorage) -> uploads.StoredFile:
    """Stage one upload and commit, as a request does: the file is then in place."""
    stored = stage_upload(fs)
    db.session.commit()
    return stored


def storage(data: bytes, name: str = "tep.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


@pytest.mark.parametrize("sample,status", BAD)
def test_checker_refuses_bad_content(sample: str, status: int) -> None:
    with pytest.raises(filecheck.Rejected) as exc:
        filecheck.check(io.BytesIO(getattr(samples, sample)()))
    assert exc.value.status == status
    assert exc.value.message and exc.value.message.isascii() is False  # a Vietnamese sentence


@pytest.mark.parametrize("sample,kind", GOOD)
def test_checker_accepts_office_documents_and_pdf(sample: str, kind: str) -> None:
    assert filecheck.check(io.BytesIO(getattr(samples, sample)()))[0] == kind


def test_an_end_record_that_understates_the_entries_is_still_bounded() -> None:
    """The end record claims 10 entries; the directory really holds 60 000."""
    import struct

    data = bytearray(samples.many_entries(60_000))
    pos = data.rfind(b"PK\x05\x06")
    data[pos + 8 : pos + 12] = struct.pack("<HH", 10, 10)
    with pytest.raises(filecheck.Rejected) as exc:
        filecheck.check(io.BytesIO(bytes(data)))
    assert exc.value.status == 422


def test_checker_counts_inflated_bytes_across_members(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(filecheck, "MAX_INFLATED_TOTAL", 50_000)
    many = samples.docx(extra=[(f"word/media/p{i}.xml", "x" * 20_000) for i in range(4)])
    with pytest.raises(filecheck.Rejected) as exc:
        filecheck.check(io.BytesIO(many))
    assert exc.value.status == 413


@pytest.mark.parametrize(
    "sample,status",
    [
        ("exe_renamed", 415),
        ("docx_bomb", 413),
        ("many_entries", 422),
        ("nested_zip", 422),
        ("symlink_entry", 422),
        ("zip_slip", 422),
        ("billion_laughs", 422),
        ("docm", 415),
        ("pdf_with_javascript", 415),
    ],
)
def test_sandboxed_store_refuses_and_stores_nothing(app, sample: str, status: int) -> None:
    with app.app_context():
        root = files.root()
        before = listing(root)
        with pytest.raises(UploadError) as exc:
            store_upload(storage(getattr(samples, sample)(), "giao-an.docx"))
        assert exc.value.status == status
        assert "giao-an" in exc.value.message  # says which file
        assert listing(root) == before
        good = store_upload(storage(samples.pdf(), "sau-do.pdf"))  # the next upload still works
        assert files.path_for(good.sha256).is_file()


def test_empty_and_oversized_files(app) -> None:
    app.config["SODIENTU_UPLOAD_MAX_MB"] = 1
    with app.app_context():
        root = files.root()
        with pytest.raises(UploadError) as empty:
            store_upload(storage(b"", "rong.pdf"))
        assert empty.value.status == 422 and "rỗng" in empty.value.message
        big = samples.pdf() + b"%" + b"0" * (1024 * 1024)
        with pytest.raises(UploadError) as large:
            store_upload(storage(big, "lon.pdf"))
        assert large.value.status == 413 and "1 MB" in large.value.message
        assert listing(root) == []


def test_all_or_nothing_for_several_files(app) -> None:
    with app.app_context():
        root = files.root()
        with pytest.raises(UploadError):
            uploads.stage_uploads([storage(samples.pdf(), "a.pdf"), storage(samples.exe_renamed(), "b.pdf")])
        assert listing(root) == []


@pytest.mark.parametrize(
    "given,expected",
    [
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\x.pdf", "x.pdf"),
        ("/etc/passwd.pdf", "passwd.pdf"),
        ("x.pdf%00.php", "x.pdf%00.php.pdf"),
        ("x.php.pdf", "x.php.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("x.pdf\x00.exe", "x.pdf.exe.pdf"),
        ("", "tep.pdf"),
        ("...", "tep.pdf"),
        (unicodedata.normalize("NFD", "Giáo án tuần 1.pdf"), "Giáo án tuần 1.pdf"),
        ("Giáo án tuần 1.pdf", "Giáo án tuần 1.pdf"),
    ],
)
def test_names_are_sanitised_and_storage_is_content_addressed(app, given: str, expected: str) -> None:
    with app.app_context():
        stored = store_upload(storage(samples.pdf(), given))
        assert stored.original_name == expected
        assert unicodedata.is_normalized("NFC", stored.original_name)
        path = files.path_for(stored.sha256)
        root = os.path.realpath(files.root())
        assert os.path.realpath(path).startswith(root + os.sep)
        assert path.name == stored.sha256 and path.parent.name == stored.sha256[:2]
        assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_long_names_are_cut_to_255_keeping_the_extension(app) -> None:
    with app.app_context():
        stored = store_upload(storage(samples.pdf(), "Giáo án " * 40 + ".pdf"))
    assert len(stored.original_name) <= 255 and stored.original_name.endswith(".pdf")


def test_the_stored_type_comes_from_the_content_not_the_name(app) -> None:
    with app.app_context():
        stored = store_upload(storage(samples.docx(), "giao-an.pdf"))
    assert (stored.kind, stored.original_name) == ("docx", "giao-an.pdf.docx")
    assert stored.mime.endswith("wordprocessingml.document")


def test_content_disposition_has_an_ascii_fallback_and_the_utf8_name() -> None:
    header = files.content_disposition('Đề "kiểm tra"; 15\'.pdf')
    assert header.startswith('attachment; filename="De _kiem tra__ 15_.pdf"; ')
    assert header.endswith("filename*=UTF-8''%C4%90%E1%BB%81%20%22ki%E1%BB%83m%20tra%22%3B%2015%27.pdf")


def test_bad_upload_through_the_form_answers_with_a_vietnamese_message(app, rec, login_as, head_seq) -> None:
    client = login_as(rec.t1)
    with app.app_context():
        root = files.root()
    before, seq = listing(root), head_seq()
    for data, name, status in [
        (samples.exe_renamed(), "bai-giang.pdf", 415),
        (b"", "rong.pdf", 422),
        (samples.docx_bomb(), "bom.docx", 413),
        (samples.many_entries(), "nhieu.docx", 422),
    ]:
        response = post_multipart(
            client,
            f"/records/new?type={rec.types['ke_hoach_bai_day']}",
            [(name, data)],
            record_type=rec.types["ke_hoach_bai_day"],
            title="Bài 1",
            assignment=f"{rec.c10a1.id}:{rec.toan.id}",
            lesson_date="2024-10-10",
        )
        assert response.status_code == status, name
        assert 'id="upload-error"' in response.text and name in response.text
    assert listing(root) == before
    assert head_seq() == seq  # no record, no audit event


def _staged_then(rec, fail):  # type: ignore[no-untyped-def]
    """Stage an upload and create a record with it, then `fail()` in the same transaction."""
    from datetime import date

    from app.records import services
    from app.records.models import RecordType

    def go(actor):  # type: ignore[no-untyped-def]
        stored = uploads.stage_uploads([storage(samples.pdf(text="staged"), "giao-an.pdf")])
        assert [p.name for p in (files.root() / ".incoming").iterdir()][0].startswith(stored[0].sha256)
        assert not files.exists(stored[0].sha256)  # nothing in place before the commit
        services.create_record(
            actor,
            db.session.get(RecordType, rec.types["ke_hoach_bai_day"]),
            title="Bài 9",
            files=stored,
            class_id=rec.c10a1.id,
            subject_id=rec.toan.id,
            lesson_date=date(2024, 10, 10),
        )
        fail()
        return stored[0].sha256

    return go


def test_a_failed_transaction_after_the_upload_was_staged_leaves_no_file(app, rec, as_user) -> None:
    with app.app_context():
        root = files.root()
    before = listing(root)

    def boom() -> None:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        as_user(rec.t1, _staged_then(rec, boom))
    assert listing(root) == before  # neither in place nor in .incoming
    sha = as_user(rec.t1, _staged_then(rec, lambda: None))  # the same, committed: stored
    with app.app_context():
        assert files.exists(sha)
        assert stat.S_IMODE(files.path_for(sha).stat().st_mode) == 0o640
        assert list((root / ".incoming").iterdir()) == []


def test_a_refusal_after_staging_in_the_view_leaves_no_file(app, rec, login_as, head_seq, monkeypatch) -> None:
    """The service refuses (422) after the upload passed its check and was staged."""
    from app.records import queries

    client = login_as(rec.t1)
    with app.app_context():
        root = files.root()
    before, seq = listing(root), head_seq()
    monkeypatch.setattr(queries, "teaches", lambda *_: False)  # as if the assignment ended meanwhile
    response = post_multipart(
        client,
        f"/records/new?type={rec.types['ke_hoach_bai_day']}",
        [("giao-an.pdf", samples.pdf(text="refused"))],
        record_type=rec.types["ke_hoach_bai_day"],
        title="Bài 1",
        assignment=f"{rec.c10a1.id}:{rec.toan.id}",
        lesson_date="2024-10-10",
    )
    assert response.status_code == 422 and "không được phân công" in response.text
    assert listing(root) == before and head_seq() == seq
