"""STAND-IN for part A's documents (branch reports-pdf): the same three builders and the
Stamp with the interface's signatures, so that issuing runs before A merges. The lead
replaces this module with A's on merge; the issuing code uses only `Stamp`,
`report_card`, `hoc_ba` and `class_book`."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text or ""))


@dataclass(frozen=True)
class Stamp:
    code: str
    issued_at: datetime
    issued_by: str
    supersedes: str | None = None
    verify_url: str | None = None


@dataclass(frozen=True)
class ReportCard:
    school_name: str
    student_name: str
    class_name: str
    year_name: str
    period_label: str
    subjects: tuple[tuple[str, str], ...]
    remark: str


@dataclass(frozen=True)
class HocBa:
    student_name: str
    register_number: str
    years: tuple[tuple[str, str], ...]  # (year, class)


@dataclass(frozen=True)
class ClassBook:
    class_name: str
    year_name: str
    period_label: str
    students: tuple[str, ...]


def _result(subject: dict[str, Any]) -> str:
    terms = subject.get("terms") or {}
    for key in ("year", "hk2", "hk1"):
        found = subject.get(key) if key == "year" else terms.get(key)
        if isinstance(found, dict) and found.get("result"):
            return str(found["result"]).replace(".", ",")
    return ""


def report_card(payload: dict[str, Any]) -> ReportCard:
    return ReportCard(
        school_name=_nfc((payload.get("school") or {}).get("name")),
        student_name=_nfc(payload["student"]["full_name"]),
        class_name=_nfc((payload.get("class") or {}).get("name")),
        year_name=_nfc((payload.get("year") or {}).get("name")),
        period_label=_nfc(payload.get("period_label")),
        subjects=tuple((_nfc(s.get("name")), _result(s)) for s in payload.get("subjects") or []),
        remark=_nfc(payload.get("remark")),
    )


def hoc_ba(identity: dict[str, Any], years: list[dict[str, Any]]) -> HocBa:
    return HocBa(
        student_name=_nfc(identity.get("full_name")),
        register_number=_nfc(identity.get("register_number")),
        years=tuple((_nfc((y.get("year") or {}).get("name")), _nfc((y.get("class") or {}).get("name"))) for y in years),
    )


def class_book(payloads: list[dict[str, Any]]) -> ClassBook:
    first = payloads[0] if payloads else {}
    return ClassBook(
        class_name=_nfc((first.get("class") or {}).get("name")),
        year_name=_nfc((first.get("year") or {}).get("name")),
        period_label=_nfc(first.get("period_label")),
        students=tuple(_nfc(p["student"]["full_name"]) for p in payloads),
    )
