"""Scoped loaders of certificates, signatures and verification codes."""

from __future__ import annotations
