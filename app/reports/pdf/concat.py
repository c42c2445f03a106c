"""One PDF from several of the PDFs this app draws, without re-parsing their pages.

The merged class PDF (for printing, class order) used to go through pypdf, which parses
every object of every document and writes them back: about as costly as half the drawing
itself. The documents here are reportlab's plain output — one classic xref table, no
object streams, no incremental update, no encryption, a catalog holding only its page
tree — so merging is a copy: every object's bytes are kept as they are (streams untouched)
and only the "n 0 R" references of their dictionaries are renumbered; each document's page
tree becomes one kid of the merged file's root, its Catalog and Info are left out. A
signed kind's empty signature fields (common.build places them for signing) are left out
too, with their widgets: the merged file is for printing, and N documents' fields of the
same names could not live in one form anyway.

`merge` refuses (`NotPlain`) anything else, e.g. a signed PDF with its incremental
sections; the caller then falls back to pypdf.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_SUBSECTION = re.compile(rb"xref\s+0\s+(\d+)\s+")
_REF = re.compile(rb"(\d+) 0 R\b")
_ROOT = re.compile(rb"/Root (\d+) 0 R\b")
_INFO = re.compile(rb"/Info (\d+) 0 R\b")
_PAGES = re.compile(rb"/Pages (\d+) 0 R\b")
_COUNT = re.compile(rb"/Count (\d+)\b")
_STREAM = re.compile(rb">>\s*stream\r?\n")
_VERSION = re.compile(rb"%PDF-1\.(\d)")
_ACROFORM = re.compile(rb"/AcroForm (\d+) 0 R\b")
_ANNOTS = re.compile(rb"\s*/Annots \[([^\]]*)\]")
#: catalog entries that would be lost by keeping only its page tree
_CATALOG_EXTRAS = (b"/Outlines", b"/Names", b"/Dests", b"/StructTreeRoot", b"/OpenAction")


class NotPlain(ValueError):
    """Not a plain single-section PDF as reportlab writes it: merge it another way."""


class _Document:
    def __init__(self, data: bytes) -> None:
        tail = _STARTXREF.search(data, max(0, len(data) - 64))
        if tail is None:
            raise NotPlain("no startxref at the end")
        xref = int(tail.group(1))
        head = _SUBSECTION.match(data, xref)
        if head is None:
            raise NotPlain("not one classic xref subsection")
        size, at = int(head.group(1)), head.end()
        offsets: dict[int, int] = {}
        for n in range(size):
            entry = data[at + 20 * n : at + 20 * n + 18]
            if entry[17:18] == b"n":
                offsets[n] = int(entry[:10])
        trailer_at = data.find(b"trailer", at + 20 * size - 2)
        trailer = data[trailer_at : tail.start()]
        if trailer_at < 0 or b"/Prev" in trailer or b"/Encrypt" in trailer or b"/XRefStm" in trailer:
            raise NotPlain("an incremental, encrypted or hybrid file")
        root = _ROOT.search(trailer)
        if root is None:
            raise NotPlain("no /Root")
        info = _INFO.search(trailer)
        self.root, self.info = int(root.group(1)), int(info.group(1)) if info else None
        self.bodies: dict[int, bytes] = {}
        ends = sorted(offsets.values()) + [xref]
        following = {start: ends[i + 1] for i, start in enumerate(ends[:-1])}
        for n, start in offsets.items():
            label = b"%d 0 obj" % n
            stop = data.rfind(b"endobj", start, following[start])
            if not data.startswith(label, start) or stop < 0:
                raise NotPlain(f"object {n} is not where the xref says")
            self.bodies[n] = data[start + len(label) : stop]
        catalog = self.bodies.get(self.root, b"")
        pages = _PAGES.search(catalog)
        if pages is None or any(key in catalog for key in _CATALOG_EXTRAS) or b"/ObjStm" in data:
            raise NotPlain("a catalog with more than its page tree")
        self.pages = int(pages.group(1))
        self.fields = self._empty_signature_fields(catalog)
        count = _COUNT.search(self.bodies.get(self.pages, b""))
        if count is None or b"/Parent" in self.bodies[self.pages]:
            raise NotPlain("no page tree root")
        self.page_count = int(count.group(1))
        lang = re.search(rb"/Lang \(([A-Za-z-]*)\)", catalog)
        self.lang = lang.group(1) if lang else None
        version = _VERSION.match(data)
        self.version = int(version.group(1)) if version else 4

    def _empty_signature_fields(self, catalog: bytes) -> set[int]:
        """The form and its fields, to leave out — when the form holds only empty signature
        fields; any other form is refused."""
        form = _ACROFORM.search(catalog)
        if form is None:
            return set()
        number = int(form.group(1))
        fields = {int(m.group(1)) for m in _REF.finditer(self.bodies.get(number, b""))}
        for n in fields:
            body = self.bodies.get(n, b"")
            if b"/FT /Sig" not in body or b"/V " in body or b"/Kids" in body:
                raise NotPlain("a form with more than empty signature fields")
        return {number, *fields}

    def page_body(self, n: int) -> bytes:
        """Object n, without the annotations that are left-out fields' widgets."""
        body = self.bodies[n]
        annots = _ANNOTS.search(body) if self.fields else None
        if annots is None:
            return body
        refs = {int(m.group(1)) for m in _REF.finditer(annots.group(1))}
        if not refs <= self.fields:
            raise NotPlain("a page with annotations other than the signature fields")
        return body[: annots.start()] + body[annots.end() :]


def _renumber(body: bytes, numbers: dict[int, int]) -> bytes:
    """The object's dictionary with its references renumbered; a stream's bytes kept as they are."""
    stream = _STREAM.search(body)
    head, rest = (body[: stream.end()], body[stream.end() :]) if stream else (body, b"")

    def swap(m: re.Match[bytes]) -> bytes:
        return b"%d 0 R" % numbers[int(m.group(1))]

    return _REF.sub(swap, head) + rest


def _leaf(body: bytes) -> bool:
    """An object that refers to no other: its bytes alone say what it is."""
    stream = _STREAM.search(body)
    return _REF.search(body, 0, stream.end() if stream else len(body)) is None


def _numbering(
    doc: _Document, keep: list[int], shared: dict[bytes, int], first: int
) -> tuple[dict[int, int], list[int]]:
    """The merged file's number of each kept object, and the objects to copy. A leaf object
    already copied from an earlier document — the documents' shared font subset files
    (fonts.SharedSubsetFont) and their ToUnicode maps — is referred to, not copied again."""
    numbers: dict[int, int] = {}
    fresh: list[int] = []
    for n in keep:
        body = doc.bodies[n]
        leaf = _leaf(body)
        if leaf and body in shared:
            numbers[n] = shared[body]
            continue
        numbers[n] = first + len(fresh)
        fresh.append(n)
        if leaf:
            shared[body] = numbers[n]
    return numbers, fresh


def merge(documents: Sequence[bytes]) -> bytes:
    """The documents' pages in order in one PDF (each document's objects copied once)."""
    parsed = [_Document(d) for d in documents]
    if not parsed:
        raise NotPlain("nothing to merge")
    out = bytearray(b"%%PDF-1.%d\n%%\xe2\xe3\xcf\xd3\n" % max(d.version for d in parsed))
    offsets: list[int] = []
    objects: list[bytes] = []  # object n + 1
    objects.append(b"")  # 1: the catalog, written once the page tree root's number is known
    objects.append(b"")  # 2: the page tree root
    kids: list[int] = []
    shared: dict[bytes, int] = {}  # a leaf object's bytes → its number in the merged file
    for doc in parsed:
        keep = sorted(n for n in doc.bodies if n not in (doc.root, doc.info) and n not in doc.fields)
        numbers, fresh = _numbering(doc, keep, shared, len(objects) + 1)
        for n in fresh:
            body = _renumber(doc.page_body(n), numbers)
            if n == doc.pages:
                body = body.replace(b"<<", b"<<\n/Parent 2 0 R", 1)
            objects.append(body)
        kids.append(numbers[doc.pages])
    lang = parsed[0].lang
    lang_entry = b" /Lang (%s)" % lang if lang and all(d.lang == lang for d in parsed) else b""
    objects[0] = b"\n<<\n/PageMode /UseNone /Pages 2 0 R /Type /Catalog%s\n>>\n" % lang_entry
    kid_refs = b" ".join(b"%d 0 R" % k for k in kids)
    total = sum(d.page_count for d in parsed)
    objects[1] = b"\n<<\n/Count %d /Kids [ %s ] /Type /Pages\n>>\n" % (total, kid_refs)
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj" % n
        out += body
        out += b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    digest = hashlib.md5(b"".join(hashlib.sha256(d).digest() for d in documents), usedforsecurity=False).hexdigest()
    out += b"trailer\n<<\n/ID [<%s><%s>]\n/Root 1 0 R\n/Size %d\n>>\n" % (
        digest.encode(),
        digest.encode(),
        len(objects) + 1,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
