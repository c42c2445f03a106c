"""Old home of the workflow moves, kept only while the grade book's demo and tests still
import it (`from app.records import decisions`); use `app.records.services` instead.
Remove this module once nothing imports it."""

from __future__ import annotations

from app.records.services.decisions import approve_record, return_record, submit_record, withdraw_record

__all__ = ["approve_record", "return_record", "submit_record", "withdraw_record"]
