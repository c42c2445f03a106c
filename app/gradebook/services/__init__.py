"""Grade book services — the only writers of gradebook tables (they flush, never commit).

Split by concept:
- entry.py        open a grade book; save a cell, a batch (paste / import) or a nhận xét;
- corrections.py  after lock: request → GVCN confirms → BGH approves → applied (R16);
- homeroom.py     rèn luyện, GVCN comments, attendance, exemptions (R13), summer results;
- settings.py     school settings of the TT22 readings marked [?] in DOMAIN.md.
Submitting and locking live in gradebook/locking.py.

Invariants:
- a cell is updated only by a conditional UPDATE on the version the user saw
  (`WHERE id = ? AND version = ?`, rowcount 1) or inserted once (ON CONFLICT DO NOTHING);
  otherwise CellConflict (409) with the current value — never a silent lost update;
- a batch (paste, import) is all-or-nothing: any invalid value, stale version or
  out-of-scope student/column and the caller rolls everything back;
- every change appends a ScoreHistory row (old → new) and exactly one audit event
  (`grade.changed`, or one summary `grade.batch_changed` / `grade.imported` for a batch);
- no write touches a locked grade book (locking.GridLocked) except an approved correction;
- the original value of a corrected cell stays in score_history; nothing is overwritten there.
"""
