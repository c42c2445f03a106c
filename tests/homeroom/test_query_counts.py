"""The GVCN's class book takes a bounded number of SQL statements per page, whatever the
number of subjects and students (no N+1), and a term's page reads that term only."""

from __future__ import annotations

from tests.gradebook.test_query_counts import Counter
from tests.homeroom.test_class_book import GOLDEN_KHA, hr, set_term  # noqa: F401 (the fixture)

#: measured 2026-12-02 on this fixture: 21 (term), 23 (year), after the close locks read states only;
#: 20 and 22 on 2026-12-03, the subjects' periods joined to the subjects
MAX_TERM_PAGE = 20
MAX_YEAR_PAGE = 22


def test_class_book_term_and_year_pages_use_a_fixed_number_of_statements(hr, app, as_user, login_as) -> None:  # noqa: F811
    set_term(app, as_user, hr, hr.term1, hr.students_a1[0], GOLDEN_KHA)
    client = login_as(hr.gvcn)
    counts = {}
    for period in ("1", "year"):
        url = f"/homeroom/{hr.c10a1.id}?period={period}"
        client.get(url)  # warm-up (templates compiled)
        with Counter(app) as counter:
            page = client.get(url)
        assert page.status_code == 200 and "Lớp chủ nhiệm 10A1" in page.text
        counts[period] = counter.n
    assert counts["1"] <= MAX_TERM_PAGE, counts
    assert counts["year"] <= MAX_YEAR_PAGE, counts
