"""Grade book services — the only writers of gradebook tables (they flush, never commit).

Split by concept:
- entry.py        open a grade book; save a cell or a batch (paste / import); the record
                  of a write refused because the grade book is locked;
- comments.py     the subject teacher's nhận xét;
- submission.py   submit into the records approval chain (the one completeness check,
                  the missed-test rule, the xlsx sent for approval);
- transfer.py     the audited export, the checked upload and the import of a plan;
- corrections.py  after lock: request → GVCN confirms → BGH approves → applied (R16);
- exemptions.py   practical-part exemptions (R13): the GVCN asks, BGH decides;
- settings.py     school settings of the TT22 readings marked [?] in DOMAIN.md, lock dates;
- rows.py         insert-once helpers for versioned rows (also used by app.homeroom).
The read side of locks is gradebook/locking.py.

Invariants:
- a cell is updated only by a conditional UPDATE on the version the user saw
  (`WHERE id = ? AND version = ?`, rowcount 1) or inserted once (ON CONFLICT DO NOTHING);
  otherwise CellConflict (409) with the current value — never a silent lost update;
- a batch (paste, import) is all-or-nothing: any invalid value, stale version or
  out-of-scope student/column and the caller's unit of work rolls everything back;
- every change appends a ScoreHistory row (old → new) and exactly one audit event
  (`grade.changed`, or one summary `grade.batch_changed` / `grade.imported` for a batch),
  built after the last field change;
- no write touches a locked grade book (locking.GridLocked) except an approved correction;
- the original value of a corrected cell stays in score_history; nothing is overwritten there.
"""

#: the Vietnamese label of every audit action the grade book writes (registered with audit)
ACTION_LABELS = {
    "gradebook.opened": "Mở sổ điểm",
    "gradebook.submitted": "Nộp sổ điểm",
    "gradebook.exported": "Xuất sổ điểm ra Excel",
    "gradebook.import_checked": "Kiểm tra tệp Excel nhập điểm",
    "grade.changed": "Sửa điểm",
    "grade.batch_changed": "Dán điểm từ Excel",
    "grade.imported": "Nhập điểm từ tệp Excel",
    "grade.missed_tests_filled": "Tính điểm bài kiểm tra vắng",
    "grade.comment_changed": "Sửa nhận xét môn học",
    "grade.corrected": "Điều chỉnh điểm đã duyệt",
    "grade.write_rejected_locked": "Từ chối sửa sổ điểm đã khoá",
    "correction.requested": "Lập yêu cầu điều chỉnh điểm",
    "correction.approved": "Đồng ý điều chỉnh điểm",
    "correction.returned": "Không đồng ý điều chỉnh điểm",
    "correction.withdrawn": "Rút yêu cầu điều chỉnh điểm",
    "correction.submitted": "Gửi lại yêu cầu điều chỉnh điểm",
    "exemption.requested": "Đề nghị miễn phần thực hành",
    "exemption.approved": "Phê duyệt miễn phần thực hành",
    "exemption.returned": "Không duyệt miễn phần thực hành",
    "exemption.submitted": "Gửi lại đề nghị miễn phần thực hành",
    "exemption.withdrawn": "Rút đề nghị miễn phần thực hành",
    "gradebook.tx_date_set": "Ghi ngày kiểm tra của cột ĐĐGtx",
}
