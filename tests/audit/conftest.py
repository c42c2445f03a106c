"""The audit screens are exercised on records: reuse the records fixtures."""

from tests.records.conftest import as_user, make_record, rec  # noqa: F401
