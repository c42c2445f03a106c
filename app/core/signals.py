"""Domain signals: how a lower layer tells a higher one that something happened, without
importing it (blinker, as Flask's own signals; receivers run synchronously, in the
sender's transaction, so whatever they write commits or rolls back with the change).

- `linked_record_approved` — records, when a record owned by another module (it has a
  `link_key`) reaches its final approval. Sent with `record=` and `actor=`. The results
  package subscribes: the approval of a class's close writes the snapshots.
- `assessment_corrected` — gradebook (an approved score correction) and homeroom (an
  approved correction of rèn luyện, nhận xét, buổi nghỉ or a summer result), once the new
  value is applied. Sent with `actor=`, `class_id=`, `student_id=`, `scope=` ("term" or
  "summer"), `term_number=` (1, 2 or None for a summer result), `source=` ("score" or
  "homeroom") and `correction_id=`. The results package subscribes: an approved close of
  that class and period gets a new snapshot version for the student.

Senders pass the current app as the sender; a receiver that raises makes the sender's
service raise (a DomainError then answers its status, and everything rolls back).
"""

from __future__ import annotations

from typing import Any

from blinker import NamedSignal, Namespace
from flask import current_app

signals = Namespace()

linked_record_approved = signals.signal("linked-record-approved")
assessment_corrected = signals.signal("assessment-corrected")


def emit(signal: NamedSignal, **facts: Any) -> None:
    """Send `signal` from the current app (receivers run now, in this transaction)."""
    signal.send(current_app._get_current_object(), **facts)  # type: ignore[attr-defined]
