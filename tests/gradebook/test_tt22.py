"""Golden and property tests for the pure TT22 rules (DOMAIN.md section 4, R1–R13)."""

from __future__ import annotations

import ast
import importlib.util
import sys
import unicodedata
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

TT22_PATH = Path(__file__).resolve().parents[2] / "app" / "gradebook" / "tt22.py"


def _load_tt22() -> ModuleType:
    """Import the rules module; it is pure, so load it by path when the app's own
    dependencies (Flask extensions imported by app/__init__.py) are not installed."""
    try:
        from app.gradebook import tt22

        return tt22
    except ImportError:
        spec = importlib.util.spec_from_file_location("tt22_pure", TT22_PATH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look the module up while decorating
        spec.loader.exec_module(module)
        return module


tt22 = _load_tt22()
D = Decimal
Level = tt22.Level
CR = tt22.CommentResult
SR = tt22.SubjectResult
Settings = tt22.LearningSettings
Reading = tt22.AdjustmentReading
Outcome = tt22.Outcome
Status = tt22.DecisionStatus
ScoreError = tt22.ScoreError

PROPS = settings(database=None, deadline=None, max_examples=200)


def subjects(scores: list[str], comments: str = "ĐĐĐĐ") -> list:
    """Scored subjects M1… from decimal-comma strings, comment subjects N1… from 'Đ'/'C'."""
    out = [SR.scored(f"Môn {i}", tt22.parse_score(s)) for i, s in enumerate(scores, 1)]
    for i, c in enumerate(comments, 1):
        out.append(SR.commented(f"Nhận xét {i}", CR.DAT if c == "Đ" else CR.CHUA_DAT))
    return out


# --------------------------------------------------------------------------- R1 parse_score


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", "7.0"),
        ("7.5", "7.5"),
        ("7,5", "7.5"),
        (" 7,5 ", "7.5"),
        ("\t10\n", "10.0"),
        ("10,0", "10.0"),
        ("10.0", "10.0"),
        ("0", "0.0"),
        ("0,0", "0.0"),
        ("0,5", "0.5"),
        ("9.9", "9.9"),
        ("07", "7.0"),
    ],
)
def test_parse_score_accepts_one_decimal_with_point_or_comma(text: str, expected: str) -> None:
    value = tt22.parse_score(text)
    assert isinstance(value, Decimal)
    assert str(value) == expected


@pytest.mark.parametrize("text", ["7,25", "7.55", "7.50", "0,05", "9,99"])
def test_parse_score_refuses_more_than_one_decimal(text: str) -> None:
    with pytest.raises(ScoreError, match="Điểm chỉ có tối đa một chữ số thập phân"):
        tt22.parse_score(text)


@pytest.mark.parametrize("text", ["11", "-1", "10.01", "10,1", "100", "-0,5", "-0", "99,9"])
def test_parse_score_refuses_out_of_range(text: str) -> None:
    with pytest.raises(ScoreError, match="Điểm phải từ 0 đến 10"):
        tt22.parse_score(text)


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "1e1",
        "8E0",
        "８",  # full-width 8
        "７,５",
        "٧",  # Arabic-Indic 7
        "7\u200b",  # zero-width space
        "\u200b7",
        "\u00a07",  # no-break space is not ASCII whitespace
        "",
        "   ",
        "7,",
        ",5",
        ".5",
        "7..5",
        "7,5,",
        "+7",
        "7 5",
        "½",
        "0x7",
        "1_0",
        "007",
        "7\n8",
    ],
)
def test_parse_score_refuses_non_numbers(text: str) -> None:
    with pytest.raises(ScoreError, match="không phải là điểm hợp lệ"):
        tt22.parse_score(text)


def test_score_error_is_a_value_error_and_shows_hidden_characters() -> None:
    assert issubclass(ScoreError, ValueError)
    with pytest.raises(ScoreError) as err:
        tt22.parse_score("7\u200b")
    assert "\\u200b" in str(err.value)


@PROPS
@given(st.text(alphabet=st.sampled_from(list("0123456789.,-+ eE\tx８\u200b")), max_size=8))
def test_parse_score_returns_a_valid_score_or_raises_score_error(text: str) -> None:
    try:
        value = tt22.parse_score(text)
    except ScoreError as err:
        assert str(err)
        return
    assert D(0) <= value <= D(10)
    assert value == value.quantize(D("0.1"))
    assert value == D(text.strip().replace(",", "."))


@PROPS
@given(st.integers(0, 100))
def test_format_then_parse_round_trips_every_score(tenths: int) -> None:
    value = D(tenths).scaleb(-1)
    shown = tt22.format_score(value)
    assert "," in shown and "." not in shown
    assert tt22.parse_score(shown) == value
    assert tt22.parse_score(shown.replace(",", ".")) == value


# --------------------------------------------------------------------------- R1 comments, format


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đ", CR.DAT),
        ("đ", CR.DAT),
        ("Đạt", CR.DAT),
        ("đạt", CR.DAT),
        ("ĐẠT", CR.DAT),
        (" Đ ", CR.DAT),
        ("D", CR.DAT),
        ("d", CR.DAT),
        (unicodedata.normalize("NFD", "Đạt"), CR.DAT),
        ("CĐ", CR.CHUA_DAT),
        ("cđ", CR.CHUA_DAT),
        ("Cđ", CR.CHUA_DAT),
        ("Chưa đạt", CR.CHUA_DAT),
        ("chưa  đạt", CR.CHUA_DAT),
        (unicodedata.normalize("NFD", "Chưa đạt"), CR.CHUA_DAT),
        ("CD", CR.CHUA_DAT),
        ("cd", CR.CHUA_DAT),
    ],
)
def test_parse_comment_accepts_d_and_cd_spellings(text: str, expected: object) -> None:
    assert tt22.parse_comment(text) is expected


@pytest.mark.parametrize("text", ["", "X", "Đ Đ", "Đạtt", "C", "1", "Tốt", "Đ\u200b"])
def test_parse_comment_refuses_anything_else_in_vietnamese(text: str) -> None:
    with pytest.raises(tt22.CommentError, match="không phải là kết quả nhận xét hợp lệ"):
        tt22.parse_comment(text)


def test_comment_results_have_vietnamese_labels() -> None:
    assert (CR.DAT.value, CR.DAT.label) == ("Đ", "Đạt")
    assert (CR.CHUA_DAT.value, CR.CHUA_DAT.label) == ("CĐ", "Chưa đạt")


@pytest.mark.parametrize(
    ("value", "shown"),
    [(D("8.3"), "8,3"), (D("10"), "10,0"), (D("0"), "0,0"), (D("7.50"), "7,5"), (D("8.25"), "8,3")],
)
def test_format_score_uses_decimal_comma_and_one_decimal(value: Decimal, shown: str) -> None:
    assert tt22.format_score(value) == shown


def test_format_score_refuses_float() -> None:
    with pytest.raises(TypeError):
        tt22.format_score(8.3)


# --------------------------------------------------------------------------- R2


@pytest.mark.parametrize(
    ("x", "expected"),
    [("8.25", "8.3"), ("8.2499", "8.2"), ("7.05", "7.1"), ("0.05", "0.1"), ("9.95", "10.0")],
)
def test_round1_rounds_half_up(x: str, expected: str) -> None:
    assert str(tt22.round1(D(x))) == expected


def test_round1_differs_from_float_round_on_the_golden_tie() -> None:
    assert tt22.round1(D("8.25")) == D("8.3")
    assert round(8.25, 1) == 8.2  # the trap R4's tie example guards against


# --------------------------------------------------------------------------- counts, R3, R4


@pytest.mark.parametrize(
    ("periods", "comment", "expected"),
    [
        (35, False, 2),
        (36, False, 3),
        (70, False, 3),
        (71, False, 4),
        (105, False, 4),
        (140, False, 4),
        (35, True, 2),
        (70, True, 2),
        (105, True, 2),
    ],
)
def test_regular_count_follows_periods_per_year(periods: int, comment: bool, expected: int) -> None:
    assert tt22.regular_count(periods, comment) == expected


def test_regular_count_refuses_negative_periods() -> None:
    with pytest.raises(ValueError):
        tt22.regular_count(-1, False)


def scores(*texts: str) -> list[Decimal]:
    return [tt22.parse_score(t) for t in texts]


@pytest.mark.parametrize(
    ("tx", "gk", "ck", "expected"),
    [
        (("8", "7", "9", "6,5"), "7,5", "8,0", "7.7"),  # Toán HK I: 69,5/9
        (("9", "8,5", "8", "9"), "8,0", "8,5", "8.4"),  # Toán HK II: 76/9
        (("8", "8", "8,5"), "8", "8,5", "8.3"),  # tie 66,0/8 = 8,25
        (("7", "6"), "5", "4,5", "5.2"),  # 36,5/7
    ],
)
def test_term_average_golden_examples(tx: tuple, gk: str, ck: str, expected: str) -> None:
    result = tt22.term_average(scores(*tx), tt22.parse_score(gk), tt22.parse_score(ck))
    assert str(result) == expected


def test_term_average_is_none_until_midterm_endterm_and_a_regular_score_exist() -> None:
    tx = scores("8", "7")
    assert tt22.term_average(tx, None, D("8.0")) is None
    assert tt22.term_average(tx, D("8.0"), None) is None
    assert tt22.term_average([], D("8.0"), D("8.0")) is None
    assert tt22.term_average(tx, D("8.0"), D("8.0")) is not None


def test_term_average_refuses_floats_and_invalid_scores() -> None:
    with pytest.raises(TypeError):
        tt22.term_average([8.0, 7.0], D("8"), D("8"))
    with pytest.raises(ScoreError):
        tt22.term_average([D("11")], D("8"), D("8"))
    with pytest.raises(ScoreError):
        tt22.term_average([D("7.25")], D("8"), D("8"))


def test_expected_tx_mismatch_warns_only_when_counts_differ() -> None:
    assert tt22.expected_tx_mismatch(4, 4) is None
    warning = tt22.expected_tx_mismatch(3, 4)
    assert warning is not None and "3" in warning and "4" in warning


def test_year_average_golden_toan() -> None:
    assert str(tt22.year_average(D("7.7"), D("8.4"))) == "8.2"  # (7,7 + 16,8)/3 = 8,1666…


def test_year_average_uses_the_stored_rounded_term_values() -> None:
    hk1 = tt22.term_average(scores("8", "7", "9", "6,5"), D("7.5"), D("8.0"))
    hk2 = tt22.term_average(scores("9", "8,5", "8", "9"), D("8.0"), D("8.5"))
    assert (hk1, hk2) == (D("7.7"), D("8.4"))
    assert tt22.year_average(hk1, hk2) == D("8.2")
    with pytest.raises(ScoreError):  # unrounded 7,722… is not a stored value
        tt22.year_average(D("69.5") / 9, hk2)


# --------------------------------------------------------------------------- R5


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ([CR.DAT] * 4, CR.DAT),
        ([CR.DAT, CR.DAT, CR.DAT, CR.CHUA_DAT], CR.CHUA_DAT),
        ([CR.DAT, None, CR.DAT, CR.DAT], CR.CHUA_DAT),
        ([CR.DAT] * 3, CR.CHUA_DAT),
        ([], CR.CHUA_DAT),
    ],
)
def test_comment_term_is_dat_only_when_all_required_present_and_dat(slots: list, expected: object) -> None:
    assert tt22.comment_term_result(slots, required=4) is expected


def test_comment_year_is_the_hk2_result() -> None:
    assert tt22.comment_year_result(CR.CHUA_DAT) is CR.CHUA_DAT
    assert tt22.comment_year_result(CR.DAT) is CR.DAT


# --------------------------------------------------------------------------- R6


def test_levels_are_ordered_and_labelled() -> None:
    assert Level.CHUA_DAT < Level.DAT < Level.KHA < Level.TOT
    assert Level.TOT >= Level.TOT and not Level.DAT > Level.KHA
    assert [lvl.label for lvl in (Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT)] == [
        "Tốt",
        "Khá",
        "Đạt",
        "Chưa đạt",
    ]


@pytest.mark.parametrize(
    ("marks", "comments", "expected"),
    [
        (["9,0", "8,5", "8,0", "8,2", "8,0", "8,1", "7,0", "6,5"], "ĐĐĐĐ", Level.TOT),
        (["7,0", "6,5", "6,8", "6,5", "7,5", "6,6", "5,0", "5,5"], "ĐĐĐĐ", Level.KHA),
        (["5,0", "5,0", "5,5", "6,0", "5,2", "5,0", "4,0", "3,5"], "ĐĐĐC", Level.DAT),
        (["5,0", "5,0", "5,0", "5,0", "5,0", "4,9", "4,5", "3,4"], "ĐĐĐĐ", Level.CHUA_DAT),
    ],
)
def test_learning_golden_cases(marks: list[str], comments: str, expected: Level) -> None:
    result = tt22.classify_learning(subjects(marks, comments))
    assert tt22.learning_level(subjects(marks, comments)) is expected
    assert (result.computed, result.final, result.adjusted) == (expected, expected, False)


@pytest.mark.parametrize(
    ("marks", "comments", "expected"),
    [
        (["8,0"] * 6 + ["6,5", "6,5"], "ĐĐĐĐ", Level.TOT),  # 8,0 and 6,5 inclusive
        (["8,0"] * 5 + ["7,9", "6,5", "6,5"], "ĐĐĐĐ", Level.KHA),  # only five ≥ 8,0
        (["9,0"] * 7 + ["6,4"], "ĐĐĐĐ", Level.KHA),  # one below 6,5 blocks Tốt
        (["6,5"] * 6 + ["5,0", "5,0"], "ĐĐĐĐ", Level.KHA),
        (["6,5"] * 5 + ["6,4", "5,0", "5,0"], "ĐĐĐĐ", Level.DAT),  # only five ≥ 6,5
        (["5,0"] * 6 + ["3,5", "3,5"], "ĐĐĐĐ", Level.DAT),  # 3,5 is not "dưới 3,5"
        (["5,0"] * 5 + ["4,9", "9,0", "9,0"], "ĐĐĐC", Level.DAT),
        (["9,0"] * 8, "ĐĐCC", Level.CHUA_DAT),  # two comment subjects CĐ
        (["5,0"] * 5 + ["4,9", "4,9", "4,9"], "ĐĐĐĐ", Level.CHUA_DAT),  # five ≥ 5,0
    ],
)
def test_learning_thresholds_are_inclusive_and_floor_is_strict(
    marks: list[str], comments: str, expected: Level
) -> None:
    assert tt22.learning_level(subjects(marks, comments)) is expected


# --------------------------------------------------------------------------- R7

A = Reading.ONE_STEP_ABOVE_COMPUTED
B = Reading.ONE_BELOW_REACHABLE
SEVEN_NINES = ["9"] * 7
TOT_BUT_ONE = ["9", "9", "8,5", "8,5", "8", "8", "8", "3,0"]  # Tốt but for the 3,0


@pytest.mark.parametrize(
    ("marks", "comments", "reading", "counts", "computed", "final"),
    [
        (SEVEN_NINES + ["4,0"], "ĐĐĐĐ", A, True, Level.DAT, Level.KHA),
        (SEVEN_NINES + ["4,0"], "ĐĐĐĐ", B, True, Level.DAT, Level.KHA),
        (SEVEN_NINES + ["4,0"], "ĐĐĐĐ", A, False, Level.DAT, Level.KHA),
        (TOT_BUT_ONE, "ĐĐĐĐ", A, True, Level.CHUA_DAT, Level.DAT),
        (TOT_BUT_ONE, "ĐĐĐĐ", B, True, Level.CHUA_DAT, Level.KHA),
        (["9,0"] * 8, "ĐĐĐC", A, True, Level.DAT, Level.KHA),
        (["9,0"] * 8, "ĐĐĐC", B, True, Level.DAT, Level.KHA),
        (["9,0"] * 8, "ĐĐĐC", A, False, Level.DAT, Level.DAT),
        (["9,0"] * 8, "ĐĐĐC", B, False, Level.DAT, Level.DAT),
        (SEVEN_NINES + ["6,0"], "ĐĐĐĐ", A, True, Level.KHA, Level.KHA),
        (SEVEN_NINES + ["6,0"], "ĐĐĐĐ", B, True, Level.KHA, Level.KHA),
        (SEVEN_NINES + ["6,0"], "ĐĐĐĐ", A, False, Level.KHA, Level.KHA),
    ],
)
def test_adjustment_golden_cases_under_each_setting(
    marks: list[str],
    comments: str,
    reading: Reading,
    counts: bool,
    computed: Level,
    final: Level,
) -> None:
    options = Settings(adjustment_reading=reading, adjustment_counts_comment_subjects=counts)
    result = tt22.classify_learning(subjects(marks, comments), options)
    assert (result.computed, result.final) == (computed, final)
    assert result.adjusted is (final is not computed)
    assert (result.reason != "") is result.adjusted


def test_default_settings_are_one_step_above_computed_and_count_comment_subjects() -> None:
    assert Settings() == Settings(A, True)
    result = tt22.classify_learning(subjects(TOT_BUT_ONE))
    assert result.final is Level.DAT


def test_adjustment_reason_names_the_single_subject_and_levels() -> None:
    marks = SEVEN_NINES + ["4,0"]
    result = tt22.classify_learning(subjects(marks))
    assert result.causes == ("Môn 8",)
    assert "Môn 8 (4,0)" in result.reason
    assert "Đạt" in result.reason and "Tốt" in result.reason and "Khá" in result.reason

    comment = tt22.classify_learning(subjects(["9,0"] * 8, "ĐĐĐC"))
    assert comment.causes == ("Nhận xét 4",) and "Nhận xét 4 (CĐ)" in comment.reason


def test_no_adjustment_when_two_subjects_hold_the_student_back() -> None:
    result = tt22.classify_learning(subjects(["9"] * 6 + ["4,0", "4,0"]))
    assert (result.computed, result.final, result.adjusted) == (Level.DAT, Level.DAT, False)


def test_adjustment_from_khá_reachable_raises_chua_dat_to_dat_in_both_readings() -> None:
    marks = ["7"] * 7 + ["3,0"]  # without the 3,0 the student reaches Khá, not Tốt
    for reading in (A, B):
        result = tt22.classify_learning(subjects(marks), Settings(adjustment_reading=reading))
        assert (result.computed, result.final) == (Level.CHUA_DAT, Level.DAT)


# --------------------------------------------------------------------------- R8

_MATRIX = """
Tốt      | Tốt      | Tốt      | Khá      | Khá
Khá      | Khá      | Khá      | Khá      | Đạt
Đạt      | Khá      | Đạt      | Đạt      | Đạt
Chưa đạt | Chưa đạt | Chưa đạt | Chưa đạt | Chưa đạt
"""
_COLUMNS = ["Tốt", "Khá", "Đạt", "Chưa đạt"]
_CELLS = [
    (Level(hk1), Level(row[0]), Level(cell))
    for row in ([c.strip() for c in line.split("|")] for line in _MATRIX.strip().splitlines())
    for hk1, cell in zip(_COLUMNS, row[1:], strict=True)
]


def test_conduct_matrix_table_has_sixteen_cells() -> None:
    assert len(_CELLS) == 16 and len(set(_CELLS)) == 16


@pytest.mark.parametrize(("hk1", "hk2", "expected"), _CELLS, ids=lambda v: v.name)
def test_conduct_year_matrix(hk1: Level, hk2: Level, expected: Level) -> None:
    assert tt22.conduct_year(hk1, hk2) is expected


# --------------------------------------------------------------------------- R9/R10


def test_title_xuat_sac_needs_six_scored_year_averages_of_at_least_9() -> None:
    averages = scores("9,0", "9,0", "9,5", "9,0", "9,2", "9,0", "8,0", "7,0")
    title = tt22.year_title(Level.TOT, Level.TOT, averages)
    assert title is tt22.Title.XUAT_SAC and title.label == "Học sinh Xuất sắc"


def test_title_gioi_when_tot_tot_but_only_five_at_least_9() -> None:
    averages = scores("9,0", "9,0", "9,5", "9,0", "8,9", "9,0", "8,0", "7,0")
    title = tt22.year_title(Level.TOT, Level.TOT, averages)
    assert title is tt22.Title.GIOI and title.label == "Học sinh Giỏi"


@pytest.mark.parametrize(
    ("conduct", "learning"),
    [(Level.KHA, Level.TOT), (Level.TOT, Level.KHA), (Level.DAT, Level.DAT)],
)
def test_no_title_unless_conduct_and_learning_are_both_tot(conduct: Level, learning: Level) -> None:
    assert tt22.year_title(conduct, learning, scores(*["10"] * 8)) is None


def test_titles_exist_for_the_year_only() -> None:
    public = {name for name in dir(tt22) if "title" in name.lower() and not name.startswith("_")}
    assert public == {"year_title", "Title"}


# --------------------------------------------------------------------------- R11


def eoy(marks: list[str], comments: str = "ĐĐĐĐ", **kwargs: object):
    return tt22.end_of_year(tt22.EndOfYearInput(subjects(marks, comments), **kwargs))


GOOD = ["7"] * 8


@pytest.mark.parametrize(
    ("absences", "outcome"), [(0, Outcome.LEN_LOP), (45, Outcome.LEN_LOP), (46, Outcome.O_LAI_LOP)]
)
def test_more_than_45_absences_means_repeating_the_year(absences: int, outcome: Outcome) -> None:
    decision = eoy(GOOD, conduct=Level.TOT, absences=absences)
    assert decision.outcome is outcome and decision.status is Status.FINAL


def test_outcome_labels_are_vietnamese() -> None:
    assert [o.value for o in (Outcome.LEN_LOP, Outcome.REN_LUYEN_HE)] == [
        "Được lên lớp",
        "Rèn luyện trong kỳ nghỉ hè",
    ]
    assert [o.value for o in (Outcome.KIEM_TRA_LAI, Outcome.O_LAI_LOP)] == [
        "Kiểm tra lại",
        "Ở lại lớp",
    ]
    assert eoy(GOOD, conduct=Level.DAT, absences=3).label == "Được lên lớp"


def test_absences_over_limit_come_before_summer_training() -> None:
    decision = eoy(GOOD, conduct=Level.CHUA_DAT, absences=46)
    assert decision.outcome is Outcome.O_LAI_LOP


def test_conduct_chua_dat_sends_to_summer_training_pending() -> None:
    decision = eoy(GOOD, conduct=Level.CHUA_DAT, absences=10)
    assert (decision.outcome, decision.status) == (Outcome.REN_LUYEN_HE, Status.PENDING_SUMMER)
    assert decision.label == "Rèn luyện trong kỳ nghỉ hè"


def test_summer_result_replaces_conduct_and_keeps_the_original() -> None:
    decision = eoy(GOOD, conduct=Level.CHUA_DAT, absences=10, summer_conduct=Level.DAT)
    assert (decision.outcome, decision.status) == (Outcome.LEN_LOP, Status.FINAL)
    assert decision.conduct_year is Level.CHUA_DAT
    assert decision.conduct_after_summer is Level.DAT
    assert decision.conduct is Level.DAT


def test_summer_still_chua_dat_means_repeating_the_year() -> None:
    decision = eoy(GOOD, conduct=Level.CHUA_DAT, absences=10, summer_conduct=Level.CHUA_DAT)
    assert (decision.outcome, decision.status) == (Outcome.O_LAI_LOP, Status.FINAL)


def test_summer_result_without_chua_dat_conduct_is_refused() -> None:
    with pytest.raises(ValueError):
        eoy(GOOD, conduct=Level.DAT, absences=0, summer_conduct=Level.TOT)


# Year results: 3,2 < 3,5 → Chưa đạt; lifting the 3,2 alone reaches only Đạt → no R7.
WEAK = ["6"] * 5 + ["4,8", "4,0", "3,2"]
WEAK_COMMENTS = "ĐCĐĐ"
WEAK_DUE = ("Môn 6", "Môn 7", "Môn 8", "Nhận xét 2")


def retest(*pairs: tuple[str, str]) -> tuple:
    out = []
    for name, value in pairs:
        if name.startswith("Nhận xét"):
            out.append(SR.commented(name, tt22.parse_comment(value)))
        else:
            out.append(SR.scored(name, tt22.parse_score(value)))
    return tuple(out)


def test_learning_chua_dat_requires_retest_in_every_cd_and_every_score_below_5() -> None:
    decision = eoy(WEAK, WEAK_COMMENTS, conduct=Level.KHA, absences=2)
    assert decision.learning_year.final is Level.CHUA_DAT
    assert (decision.outcome, decision.status) == (Outcome.KIEM_TRA_LAI, Status.PENDING_RETEST)
    assert decision.retest_subjects == WEAK_DUE
    assert all(r.retest is None for r in decision.retests)


def test_partial_retest_results_keep_the_decision_pending() -> None:
    decision = eoy(WEAK, WEAK_COMMENTS, conduct=Level.KHA, absences=2, retests=retest(("Môn 8", "6")))
    assert decision.status is Status.PENDING_RETEST
    given_ = {r.name: r.retest for r in decision.retests}
    assert given_["Môn 8"] is not None and given_["Môn 8"].score == D("6.0")


def test_retest_results_replace_year_results_side_by_side_and_reclassify() -> None:
    results = retest(("Môn 6", "5,5"), ("Môn 7", "5"), ("Môn 8", "6"), ("Nhận xét 2", "Đ"))
    decision = eoy(WEAK, WEAK_COMMENTS, conduct=Level.KHA, absences=2, retests=results)
    assert (decision.outcome, decision.status) == (Outcome.LEN_LOP, Status.FINAL)
    assert decision.learning_year.final is Level.CHUA_DAT  # original kept
    assert decision.learning_after_retest is not None
    assert decision.learning_after_retest.final is Level.DAT
    assert decision.learning is Level.DAT
    by_name = {r.name: r for r in decision.retests}
    assert by_name["Môn 8"].original.score == D("3.2")
    assert by_name["Môn 8"].retest.score == D("6.0")
    assert by_name["Nhận xét 2"].original.comment is CR.CHUA_DAT
    assert by_name["Nhận xét 2"].retest.comment is CR.DAT


def test_reclassification_after_retest_does_not_need_every_subject_to_pass() -> None:
    results = retest(("Môn 6", "5"), ("Môn 7", "4,5"), ("Môn 8", "5"), ("Nhận xét 2", "Đ"))
    decision = eoy(WEAK, WEAK_COMMENTS, conduct=Level.DAT, absences=0, retests=results)
    assert decision.outcome is Outcome.LEN_LOP


def test_failed_retests_mean_repeating_the_year() -> None:
    results = retest(("Môn 6", "4,9"), ("Môn 7", "4"), ("Môn 8", "3"), ("Nhận xét 2", "CĐ"))
    decision = eoy(WEAK, WEAK_COMMENTS, conduct=Level.DAT, absences=0, retests=results)
    assert (decision.outcome, decision.status) == (Outcome.O_LAI_LOP, Status.FINAL)
    assert decision.learning_after_retest.final is Level.CHUA_DAT


def test_reclassification_after_retest_applies_the_r7_adjustment() -> None:
    # 3,0 and one CĐ: Chưa đạt, not adjustable (two subjects). After re-tests 4,0 and Đ the
    # year is [9 ×7; 4,0] all Đ → computed Đạt → adjusted Khá.
    results = retest(("Môn 8", "4"), ("Nhận xét 1", "Đ"))
    decision = eoy(SEVEN_NINES + ["3"], "CĐĐĐ", conduct=Level.TOT, absences=0, retests=results)
    assert decision.learning_year.final is Level.CHUA_DAT
    after = decision.learning_after_retest
    assert (after.computed, after.final, after.adjusted) == (Level.DAT, Level.KHA, True)
    assert decision.outcome is Outcome.LEN_LOP


def test_summer_then_retest_sequence() -> None:
    pending = eoy(WEAK, WEAK_COMMENTS, conduct=Level.CHUA_DAT, absences=0)
    assert pending.outcome is Outcome.REN_LUYEN_HE
    assert pending.retest_subjects == WEAK_DUE  # known in advance
    after_summer = eoy(WEAK, WEAK_COMMENTS, conduct=Level.CHUA_DAT, absences=0, summer_conduct=Level.DAT)
    assert (after_summer.outcome, after_summer.status) == (
        Outcome.KIEM_TRA_LAI,
        Status.PENDING_RETEST,
    )


@pytest.mark.parametrize(
    "results",
    [
        retest(("Môn 1", "9")),  # Môn 1 (6,0) does not need a re-test
        (SR.commented("Môn 8", CR.DAT),),  # a scored subject re-tested with a comment
        retest(("Môn 8", "6"), ("Môn 8", "7")),  # twice
    ],
)
def test_inconsistent_retest_results_are_refused(results: tuple) -> None:
    with pytest.raises(ValueError):
        eoy(WEAK, WEAK_COMMENTS, conduct=Level.KHA, absences=0, retests=results)


def test_students_with_disabilities_are_decided_by_the_principal() -> None:
    decision = eoy(WEAK, WEAK_COMMENTS, conduct=Level.KHA, absences=60, has_disability=True)
    assert decision.status is Status.NEEDS_PRINCIPAL_DECISION
    assert decision.outcome is Outcome.HIEU_TRUONG_XET  # not ở lại lớp despite 60 buổi


def test_promotion_requires_conduct_and_learning_at_least_dat() -> None:
    assert eoy(["5"] * 8, conduct=Level.DAT, absences=45).outcome is Outcome.LEN_LOP


def test_learning_chua_dat_with_nothing_to_retest_is_not_promoted() -> None:
    decision = eoy(["9"] * 5, conduct=Level.TOT, absences=0)  # fewer than six scored subjects
    assert decision.learning_year.final is Level.CHUA_DAT and decision.retest_subjects == ()
    assert (decision.outcome, decision.status) == (Outcome.O_LAI_LOP, Status.FINAL)


# --------------------------------------------------------------------------- R12, R13


def test_absence_constants() -> None:
    assert (tt22.ABSENCE_WARN_FROM, tt22.ABSENCE_LIMIT) == (30, 45)


@pytest.mark.parametrize(
    ("count", "status"),
    [(0, "OK"), (29, "OK"), (30, "WARNING"), (45, "WARNING"), (46, "EXCEEDED"), (80, "EXCEEDED")],
)
def test_absence_warning_from_30_exceeded_above_45(count: int, status: str) -> None:
    assert tt22.absence_status(count) is tt22.AbsenceStatus[status]
    warning = tt22.absence_warning(count)
    if status == "OK":
        assert warning is None
    else:
        assert warning is not None and str(count) in warning
        assert ("quá 45 buổi:" in warning) is (status == "EXCEEDED")


def test_exempted_practical_part_keeps_the_subject_in_classification() -> None:
    assert {"GDTC", "GDQP-AN"} <= tt22.EXEMPTABLE_SUBJECT_CODES
    year = [SR.scored("GDQP-AN", D("3.0"))] + subjects(["9"] * 7)
    assert tt22.learning_level(year) is Level.CHUA_DAT  # GDQP-AN still counts


# --------------------------------------------------------------------------- purity

ALLOWED_IMPORTS = {
    "__future__",
    "collections.abc",
    "dataclasses",
    "decimal",
    "enum",
    "re",
    "typing",
    "unicodedata",
}


def test_rules_module_is_pure_standard_library_without_float() -> None:
    tree = ast.parse(TT22_PATH.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert imported <= ALLOWED_IMPORTS
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert not names & {"float", "round", "math"}
    floats = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) is float]
    assert floats == []


# --------------------------------------------------------------------------- properties

score = st.integers(0, 100).map(lambda n: D(n).scaleb(-1))


def exact_round1(value: Fraction) -> Decimal:
    tenths = (value * 10 + Fraction(1, 2)).__floor__()  # half up, value ≥ 0
    return D(tenths).scaleb(-1)


@PROPS
@given(st.lists(score, min_size=1, max_size=4), score, score)
def test_term_average_is_the_exact_rational_rounded_half_up(tx, gk, ck) -> None:
    result = tt22.term_average(tx, gk, ck)
    exact = (sum(map(Fraction, tx)) + 2 * Fraction(gk) + 3 * Fraction(ck)) / (len(tx) + 5)
    assert result == exact_round1(exact)
    assert D(0) <= result <= D(10)
    assert min([*tx, gk, ck]) <= result <= max([*tx, gk, ck])


@PROPS
@given(score, score)
def test_year_average_is_the_exact_rational_rounded_half_up(hk1, hk2) -> None:
    result = tt22.year_average(hk1, hk2)
    assert result == exact_round1((Fraction(hk1) + 2 * Fraction(hk2)) / 3)
    assert min(hk1, hk2) <= result <= max(hk1, hk2)


@PROPS
@given(st.lists(score, min_size=1, max_size=4), score, score)
def test_term_average_from_typed_text_matches_decimal_input(tx, gk, ck) -> None:
    def typed(x: Decimal) -> Decimal:
        return tt22.parse_score(tt22.format_score(x))

    assert tt22.term_average([typed(x) for x in tx], typed(gk), typed(ck)) == tt22.term_average(tx, gk, ck)


learning_settings = st.builds(Settings, st.sampled_from(list(Reading)), st.booleans())
# Scores biased towards the thresholds so every level and the adjustment are exercised.
near_thresholds = st.one_of(
    score, st.sampled_from([D(s) for s in ("3.4", "3.5", "4.9", "5.0", "6.4", "6.5", "7.9", "8.0")])
)


@st.composite
def year_results(draw):
    marks = draw(st.lists(near_thresholds, min_size=6, max_size=10))
    comments = draw(st.lists(st.sampled_from(list(CR)), min_size=0, max_size=4))
    return [SR.scored(f"S{i}", m) for i, m in enumerate(marks)] + [
        SR.commented(f"C{i}", c) for i, c in enumerate(comments)
    ]


@PROPS
@given(year_results(), st.data(), learning_settings)
def test_raising_one_result_never_lowers_the_learning_level(subjects_, data, options) -> None:
    i = data.draw(st.integers(0, len(subjects_) - 1))
    subject = subjects_[i]
    if subject.score is not None:
        higher = data.draw(score.filter(lambda s: s >= subject.score))
        better = SR.scored(subject.name, higher)
    else:
        better = SR.commented(subject.name, CR.DAT)
    raised = [*subjects_[:i], better, *subjects_[i + 1 :]]
    before = tt22.classify_learning(subjects_, options)
    after = tt22.classify_learning(raised, options)
    assert after.computed >= before.computed
    assert after.final >= before.final


@PROPS
@given(year_results(), learning_settings)
def test_adjustment_only_raises_and_never_reaches_tot(subjects_, options) -> None:
    result = tt22.classify_learning(subjects_, options)
    assert result.final >= result.computed
    assert result.adjusted is (result.final is not result.computed)
    if result.adjusted:
        assert result.final.rank - result.computed.rank in (1, 2)
        assert result.final <= Level.KHA and result.causes
    if options.adjustment_reading is A:
        assert result.final.rank - result.computed.rank <= 1


# R6/R7 as the module docstring states them, written the slow, literal way: every score
# checked against every threshold, each subject lifted with `at_best()` and classified again
def _literal_level(subjects: list[tt22.SubjectResult]) -> Level:
    scores = [s.score for s in subjects if s.score is not None]
    fails = sum(1 for s in subjects if s.comment is CR.CHUA_DAT)
    at_least = lambda t: sum(1 for x in scores if x >= Decimal(t))  # noqa: E731
    if fails == 0 and all(x >= Decimal("6.5") for x in scores) and at_least("8.0") >= 6:
        return Level.TOT
    if fails == 0 and all(x >= Decimal("5.0") for x in scores) and at_least("6.5") >= 6:
        return Level.KHA
    if fails <= 1 and at_least("5.0") >= 6 and all(x >= Decimal("3.5") for x in scores):
        return Level.DAT
    return Level.CHUA_DAT


def _literal_reachable(subjects: list[tt22.SubjectResult], computed: Level, counts_comments: bool) -> tuple:
    best, causes = computed, []
    for i, subject in enumerate(subjects):
        if subject.comment is not None and not counts_comments:
            continue
        level = _literal_level([*subjects[:i], subject.at_best(), *subjects[i + 1 :]])
        if level > best:
            best, causes = level, [subject]
        elif level == best and level > computed:
            causes.append(subject)
    return best, tuple(causes)


_SUBJECT_RESULTS = st.lists(
    st.one_of(
        # most draws near the thresholds (3,5 … 10), so that Tốt, Khá and lifts are met often
        st.one_of(st.integers(0, 100), st.integers(30, 100), st.integers(60, 100)).map(
            lambda n: ("score", Decimal(n) / 10)
        ),
        st.sampled_from([CR.DAT, CR.CHUA_DAT]).map(lambda c: ("comment", c)),
    ),
    max_size=14,
)


@settings(max_examples=400)
@given(_SUBJECT_RESULTS, st.booleans())
def test_learning_level_and_the_one_subject_lift_match_the_rule_as_written(marks, counts_comments) -> None:  # type: ignore[no-untyped-def]
    subjects = [
        tt22.SubjectResult.scored(f"m{i}", v) if kind == "score" else tt22.SubjectResult.commented(f"m{i}", v)
        for i, (kind, v) in enumerate(marks)
    ]
    computed = tt22.learning_level(subjects)
    assert computed is _literal_level(subjects)
    rule = tt22.LearningSettings(adjustment_counts_comment_subjects=counts_comments)
    assert tt22._reachable(subjects, computed, rule) == _literal_reachable(subjects, computed, counts_comments)
