"""Vietnamese text, names, dates and numbers (R25, R27; DOMAIN.md §2–3).

`collation_key` implements the CLDR `vi` order without ICU: base letters first
(a ă â b c d đ e ê … with the foreign letters f j w z in their Latin places), then
tones (ngang < huyền < hỏi < ngã < sắc < nặng), then case. Input is NFC-normalised,
so decomposed text (macOS/iOS, copy-paste) sorts the same as composed text.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l",
    "m", "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
_LETTER_RANK = {letter: i for i, letter in enumerate(_ALPHABET)}
# Combining marks that carry the tone, in tone order (ngang = 0 has no mark).
_TONE_MARKS = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def _split_tone(char: str) -> tuple[str, int]:
    """'ấ' → ('â', 4): the letter without its tone mark, and the tone."""
    decomposed = unicodedata.normalize("NFD", char)
    tone = 0
    kept = []
    for c in decomposed:
        if c in _TONE_MARKS:
            tone = _TONE_MARKS[c]
        else:
            kept.append(c)
    return unicodedata.normalize("NFC", "".join(kept)), tone


@lru_cache(maxsize=16384)  # the same names are sorted on every class page: a pure function of its text
def collation_key(text: str | None) -> str:
    """A string whose plain code-point order is the Vietnamese dictionary order."""
    primary, secondary, tertiary = [], [], []
    for char in nfc(text).strip():
        letter, tone = _split_tone(char)
        lower = letter.lower()
        if lower in _LETTER_RANK:
            primary.append(chr(0x100 + _LETTER_RANK[lower]))
        elif lower.isdigit() and lower.isascii():
            primary.append(chr(0x40 + int(lower)))
        elif lower.isspace():
            primary.append(" ")
        else:
            primary.append(chr(0x1000 + ord(lower)))
        secondary.append(chr(0x30 + tone))
        tertiary.append("0" if letter == lower else "1")
    return "".join(primary) + "\x01" + "".join(secondary) + "\x01" + "".join(tertiary)


def person_sort_key(
    last_name: str | None,
    middle_name: str | None,
    first_name: str | None,
    birth_date: date | None = None,
) -> tuple[str, str, str, date]:
    """R25: tên, then chữ đệm, then họ, then date of birth."""
    return (
        collation_key(first_name),
        collation_key(middle_name),
        collation_key(last_name),
        birth_date or date.max,
    )


def split_full_name(full_name: str) -> tuple[str, str, str]:
    """'Nguyễn Thị Ngọc Ánh' → ('Nguyễn', 'Thị Ngọc', 'Ánh'). One word is a tên alone."""
    words = nfc(full_name).split()
    if not words:
        return "", "", ""
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def join_name(last_name: str | None, middle_name: str | None, first_name: str | None) -> str:
    return " ".join(part for part in (nfc(last_name), nfc(middle_name), nfc(first_name)) if part)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d/%m/%Y")


def local_today() -> date:
    """Today's date in Asia/Ho_Chi_Minh (what "today" means at school)."""
    return datetime.now(LOCAL_TZ).date()


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


def format_datetime(value: datetime | None, seconds: bool = False) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def formal_date(value: date) -> str:
    """NĐ 30/2020 style: 'ngày 05 tháng 01 năm 2026'."""
    return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"


_DATE_SHAPE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(text: str) -> date:
    """Parse 'dd/mm/yyyy' (also d/m/yyyy and dd-mm-yyyy); raises ValueError."""
    cleaned = nfc(text).strip().replace("-", "/").replace(".", "/")
    return datetime.strptime(cleaned, "%d/%m/%Y").date()


def date_problem(text: str) -> str:
    """Why `text` is not a date, as a sentence: a wrong shape, or a day that does not exist."""
    shown = nfc(text).strip()
    match = _DATE_SHAPE.match(shown.replace("-", "/").replace(".", "/"))
    if match is None:
        return f"Ngày '{shown}' không đúng dạng dd/mm/yyyy (ví dụ 05/09/2024)."
    day, month, _year = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"Ngày '{shown}' không tồn tại: không có tháng {month}."
    return f"Ngày '{shown}' không tồn tại: tháng {month} không có ngày {day}."


def fold(text: object) -> str:
    """'Họ và tên' → 'hovaten': lower case, no accents, letters and digits only (matching
    headers and searching names; never for sorting, which is `collation_key`)."""
    decomposed = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "d")
    return "".join(c for c in decomposed.lower() if not unicodedata.combining(c) and c.isascii() and c.isalnum())


def normalise_phone(phone: str | None) -> str | None:
    """'091 234 5678' / '+84912345678' → '0912345678'; ValueError with a sentence if malformed."""
    if not phone:
        return None
    digits = re.sub(r"[\s.\-()]", "", str(phone))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"0\d{9}", digits):
        raise ValueError(f"Số điện thoại '{phone}' không hợp lệ (cần 10 chữ số, bắt đầu bằng 0).")
    return digits


def format_decimal(value: Decimal | None) -> str:
    """One decimal with a decimal comma, as in documents: 8,3."""
    if value is None:
        return ""
    return f"{value.quantize(Decimal('0.1'))}".replace(".", ",")


def mask_national_id(value: str | None) -> str:
    """R27: 079212345634 → 0792******34."""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 6) + value[-2:]
