"""Who may sign what (pure)."""

from __future__ import annotations
