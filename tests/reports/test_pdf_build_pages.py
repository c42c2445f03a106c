"""`common.build_pages` (fixed pages stacked without the document template's flowing
machinery) gives the very bytes `common.build` gives for the same stories joined by page
breaks — also when a page is too tall and shrunk into its frame (KeepInFrame)."""

from __future__ import annotations

from typing import Any

import pytest
from reportlab.platypus import PageBreak

from app.reports import documents
from app.reports.pdf import bao_lien_lac, common, hoc_ba
from tests.reports.conftest import LONG_COMMENT, identity, term_payload, two_years


def _via_build(pages: Any, footer: Any, *, title: str = "", signed_by: Any = None) -> bytes:
    story: list[Any] = []
    for i, page in enumerate(pages):
        if i:
            story.append(PageBreak())
        story += page
    return common.build(story, footer, title=title, signed_by=signed_by)


def _shrunk(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pages one_page shrinks into their frame."""
    made = [0]
    original = common.KeepInFrame

    class Counted(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kw: Any) -> None:
            made[0] += 1
            super().__init__(*args, **kw)

    monkeypatch.setattr(common, "KeepInFrame", Counted)
    return made


CASES = {
    "báo liên lạc": lambda: (bao_lien_lac, documents.report_card(term_payload(comment="Tiến bộ rõ."))),
    "báo liên lạc, shrunk": lambda: (
        bao_lien_lac,
        documents.report_card(term_payload(remark=LONG_COMMENT * 25, comment=LONG_COMMENT * 3)),
    ),
    "học bạ": lambda: (hoc_ba, documents.hoc_ba(identity(), two_years())),
    "học bạ, shrunk": lambda: (
        hoc_ba,
        documents.hoc_ba(identity(), [dict(y, remark=LONG_COMMENT * 12) for y in two_years()]),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_stacked_pages_are_the_bytes_the_document_template_lays_out(case, stamp, monkeypatch) -> None:
    module, document = CASES[case]()
    shrunk = _shrunk(monkeypatch)
    stacked = module.render(document, stamp, [])
    assert shrunk[0] > 0 if "shrunk" in case else shrunk[0] == 0
    monkeypatch.setattr(module, "build_pages", _via_build)
    assert module.render(document, stamp, []) == stacked
