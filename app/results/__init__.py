"""Closing a term and a year: the class's results approved by the hiệu trưởng and frozen as
hashed, immutable snapshots, the one source of every report (issue 9)."""
