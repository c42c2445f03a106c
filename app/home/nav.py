"""The role-aware main navigation: one line per entry, shown to the roles listed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import url_for

from app.core.authz import BGH, Role
from app.school import queries as school_queries

ADMIN = frozenset({Role.ADMIN})
STAFF = frozenset(Role)


@dataclass(frozen=True)
class NavEntry:
    label: str
    endpoint: str
    roles: frozenset[Role]
    #: a further condition on the person (a teacher sees "Chủ nhiệm" only as a GVCN)
    only_if: Callable[[Any], bool] | None = None


def _leads_a_class(user: Any) -> bool:
    return bool(user.roles & BGH) or school_queries.leads_a_homeroom_class(user)


NAV: list[NavEntry] = [
    NavEntry("Lớp học", "school.classes", STAFF),
    NavEntry("Quản trị trường", "school.admin_index", ADMIN | BGH),
    NavEntry("Sổ điểm", "gradebook.index", frozenset({Role.TEACHER, Role.HEAD}) | BGH),
    NavEntry("Chủ nhiệm", "homeroom.index", frozenset({Role.TEACHER}) | BGH, _leads_a_class),
    NavEntry("Chốt kết quả", "results.index", frozenset({Role.TEACHER}) | BGH, _leads_a_class),
    NavEntry("Báo liên lạc / Học bạ", "reports.index", frozenset({Role.TEACHER}) | BGH, _leads_a_class),
    NavEntry("Ký số", "signing.awaiting", frozenset({Role.TEACHER}) | BGH, _leads_a_class),
    NavEntry("Phụ huynh", "parents.index", frozenset({Role.TEACHER}) | BGH, _leads_a_class),
    NavEntry("Điều chỉnh điểm", "gradebook.corrections_list", frozenset({Role.TEACHER}) | BGH),
    NavEntry("Hồ sơ của tôi", "records.mine", frozenset({Role.TEACHER, Role.HEAD})),
    NavEntry("Duyệt hồ sơ", "records.review", frozenset({Role.HEAD}) | BGH),
    NavEntry("Theo dõi", "records.school", BGH),
    NavEntry("Dữ liệu cá nhân", "privacy.index", BGH),
    NavEntry("Xóa thông tin phụ huynh", "privacy.erasure", ADMIN),
    NavEntry("Loại hồ sơ", "records.types", ADMIN),
]


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool = False


def nav_items(user: Any, path: str = "") -> list[NavItem]:
    """The entries this user's roles allow; the longest one prefixing `path` is current."""
    if not user.is_authenticated:
        return []
    answers: dict[Callable[[Any], bool], bool] = {}  # each condition asked once per page

    def holds(condition: Callable[[Any], bool] | None) -> bool:
        if condition is None:
            return True
        if condition not in answers:
            answers[condition] = condition(user)
        return answers[condition]

    items = [NavItem(e.label, url_for(e.endpoint)) for e in NAV if user.roles & e.roles and holds(e.only_if)]
    matching = [i for i in items if path.startswith(i.url)]
    best = max(matching, key=lambda i: len(i.url), default=None)
    return [NavItem(i.label, i.url, i is best) for i in items]
