"""Who may do what with staff accounts (pure functions: no queries, no writes).

Function level is declared on each view with @allow; these answer the rules that depend
on the people involved, re-checked by the services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.authz import BGH, Role

if TYPE_CHECKING:
    from app.accounts.models import User

READERS = BGH | {Role.ADMIN}


def can_manage_staff(user: User) -> bool:
    """Create, edit, reset and disable accounts: quản trị only."""
    return Role.ADMIN in user.roles


def can_view_staff(user: User) -> bool:
    """The staff list in read-only mode: BGH; quản trị with the buttons."""
    return bool(user.roles & READERS)


def can_drop_own_admin_role(actor: User, target: User) -> bool:
    """Nobody removes their own admin role (the school would lose its last admin)."""
    return actor.id != target.id


def can_disable(actor: User, target: User) -> bool:
    """Nobody locks themselves out."""
    return actor.id != target.id
