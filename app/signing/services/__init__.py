"""The only writers of signing data."""

from __future__ import annotations
