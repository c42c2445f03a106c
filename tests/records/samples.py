"""Generated sample files for upload tests: good documents and every kind of bad input."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"


def pdf(pages: int = 1, text: str = "Giáo án") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_with_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x');")}
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_with_js_in_object_stream() -> bytes:
    """JavaScript hidden in a compressed object stream: invisible to a raw byte scan."""
    hidden = b"<< /S /JavaScript /JS (app.alert(1)) >>"
    header = b"4 0 "
    objstm = zlib.compress(header + hidden)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}

    def obj(num: int, body: bytes) -> None:
        offsets[num] = len(out)
        out.extend(b"%d 0 obj\n" % num + body + b"\nendobj\n")

    obj(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>")
    obj(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    obj(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    obj(
        5,
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (len(header), len(objstm))
        + objstm
        + b"\nendstream",
    )
    offsets[6] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3)]
    rows += [struct.pack(">BIH", 2, 5, 0), struct.pack(">BIH", 1, offsets[5], 0), struct.pack(">BIH", 1, offsets[6], 0)]
    xref = b"".join(rows)
    out.extend(
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(xref)
        + xref
        + b"\nendstream\nendobj\n"
    )
    out.extend(b"startxref\n%d\n%%%%EOF\n" % offsets[6])
    return bytes(out)


def pdf_with_launch_escaped() -> bytes:
    """An /OpenAction /Launch whose name is written with #xx escapes (/L#61unch)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue().replace(b"/Launch", b"/L#61unch")


def pdf_with_embedded_file() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("virus.exe", b"MZ\x90\x00")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _content_types(main_part: str, main_type: str, extra: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Types xmlns="{CT_NS}">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>{extra}</Types>'
    )


RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def document_xml(text: str = "Kế hoạch bài dạy") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )


def zip_bytes(members: list[tuple[str, bytes | str]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def docx(
    text: str = "Kế hoạch bài dạy",
    extra: list[tuple[str, bytes | str]] | None = None,
    main_type: str = DOCX_MAIN,
    document: str | None = None,
) -> bytes:
    return zip_bytes(
        [
            ("[Content_Types].xml", _content_types("word/document.xml", main_type)),
            ("_rels/.rels", RELS),
            ("word/document.xml", document if document is not None else document_xml(text)),
            *(extra or []),
        ]
    )


def xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Điểm"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def pptx() -> bytes:
    pres = (
        '<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p='
        '"http://schemas.openxmlformats.org/presentationml/2006/main"/>'
    )
    return zip_bytes(
        [
            ("[Content_Types].xml", _content_types("ppt/presentation.xml", PPTX_MAIN)),
            ("_rels/.rels", RELS.replace("word/document.xml", "ppt/presentation.xml")),
            ("ppt/presentation.xml", pres),
        ]
    )


def docm() -> bytes:
    return docx(main_type=DOCM_MAIN, extra=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")])


def docx_with_vba_only() -> bytes:
    """Declares itself a plain .docx but carries a vbaProject.bin."""
    return docx(extra=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")])


def ole_doc() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048


def exe_renamed() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 1024 + b"This program cannot be run in DOS mode"


def html_renamed() -> bytes:
    return b"<!doctype html><html><script>alert(1)</script></html>"


def svg() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'


def docx_bomb(gigabytes: float = 5.0, claimed_size: int = 4096) -> bytes:
    """A DOCX whose document.xml inflates to `gigabytes` GB while its headers claim
    `claimed_size` bytes. Built from one deflate segment repeated after full flushes, so
    it is cheap to make; the CRC is left 0 (a checker must stop long before the end)."""
    block = b" " * (1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(document_xml("x")[: -len("</w:body></w:document>")].encode())
    head += compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    compressed = head + segment * int(gigabytes * 1024) + compressor.flush()
    ct = _content_types("word/document.xml", DOCX_MAIN).encode()
    return _raw_zip(
        [("[Content_Types].xml", ct, zlib.crc32(ct), len(ct), 0), ("word/document.xml", compressed, 0, claimed_size, 8)]
    )


def _raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """Hand-made ZIP, so headers can say what a test needs (ZIP64 end record when > 65535)."""
    out, central = bytearray(), bytearray()
    for name, data, crc, size, method in members:
        offset = len(out)
        raw_name = name.encode()
        out += (
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data), size, len(raw_name), 0)
            + raw_name
            + data
        )
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                method,
                0,
                0,
                crc,
                len(data),
                size,
                len(raw_name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + raw_name
        )
    cd_offset = len(out)
    out += central
    count = len(members)
    if count > 0xFFFF:
        zip64_at = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(central), cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, zip64_at, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), cd_offset, 0)
    return bytes(out)


def many_entries(count: int = 100_000) -> bytes:
    """A ZIP with `count` tiny entries (its directory announces them all)."""
    ct = _content_types("word/document.xml", DOCX_MAIN).encode()
    doc = document_xml().encode()
    members = [
        ("[Content_Types].xml", ct, zlib.crc32(ct), len(ct), 0),
        ("word/document.xml", doc, zlib.crc32(doc), len(doc), 0),
    ]
    members += [(f"f{i}", b"", 0, 0, 0) for i in range(count - 2)]
    return _raw_zip(members)


def nested_zip() -> bytes:
    inner = zip_bytes([("a.txt", "hello")])
    return docx(extra=[("word/media/inner.zip", inner)])


def nested_zip_disguised() -> bytes:
    inner = zip_bytes([("a.txt", "hello")])
    return docx(extra=[("word/media/image1.png", inner)])


def docx_with_embedded_chart_workbook() -> bytes:
    """What Word writes for a chart: a whole .xlsx under word/embeddings/ (allowed)."""
    return docx(extra=[("word/embeddings/Microsoft_Excel_Worksheet.xlsx", xlsx())])


def symlink_entry() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _content_types("word/document.xml", DOCX_MAIN))
        zf.writestr("word/document.xml", document_xml())
        info = zipfile.ZipInfo("word/link")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


def zip_slip() -> bytes:
    return docx(extra=[("../../evil.sh", "#!/bin/sh\nrm -rf /\n")])


def billion_laughs() -> bytes:
    doc = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<w:document xmlns:w="{W_NS}"><w:body>&lol2;</w:body></w:document>'
    )
    return docx(document=doc)


def content_types_with_dtd() -> bytes:
    ct = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'
        + _content_types("word/document.xml", DOCX_MAIN).split("?>", 1)[1]
    )
    return zip_bytes([("[Content_Types].xml", ct), ("word/document.xml", document_xml())])


def plain_zip() -> bytes:
    return zip_bytes([("readme.txt", "hello")])


def corrupt_crc() -> bytes:
    data = bytearray(docx(text="A" * 200))
    central = data.rfind(b"word/document.xml")  # the central directory's copy of the name
    data[central - 46 + 16] ^= 0xFF  # flip a byte of the recorded CRC-32
    return bytes(data)
