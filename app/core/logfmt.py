"""Production logging: one event per line (SECURITY.md test 28).

The message is rendered with %(message)r, so user text in it (a name with "\\r\\n",
say) is escaped. A traceback, though, is appended by logging.Formatter on raw lines,
and an exception's text can carry user input: escaped here too, so that nobody can
forge a log line and every event stays one line for grep and log shippers.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)r"
#: control characters (tab aside) and the Unicode line separators, as their escapes
_ESCAPES = {c: repr(chr(c))[1:-1] for c in [*range(0x20), 0x7F, 0x85, 0x2028, 0x2029] if c != 0x09}


class OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).translate(_ESCAPES)


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
