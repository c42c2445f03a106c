"""The audit screens are exercised on records: reuse the records fixtures."""

from tests.records.conftest import make_record, rec  # noqa: F401
