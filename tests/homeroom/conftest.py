"""Class book fixtures: the grade book's harness (the SECURITY.md school with its grade
books opened through the services), reused as is."""

from __future__ import annotations

from tests.gradebook.conftest import audit_head, audit_rows, cell, db_digest, gb  # noqa: F401
