"""The file store's writes: each file complete under its sha256 before anyone names it;
a chunk written together (`write_many`) leaves no temp file whatever fails."""

from __future__ import annotations

import hashlib
import os

import pytest

from app.reports.services import store


def _temps() -> list[str]:
    root = store.path_of("00" * 32).parent.parent
    return [p.name for p in root.glob(f"*/{store.TEMP_PREFIX}*")]


def test_a_chunk_is_stored_in_order_each_under_its_sha(app) -> None:
    datas = [b"%PDF-1.4 a", b"%PDF-1.4 b", b"%PDF-1.4 a", b"%PDF-1.4 c"]
    with app.app_context():
        store.write(datas[1])  # already there: kept as it is
        shas = store.write_many(datas)
        assert shas == [hashlib.sha256(d).hexdigest() for d in datas]
        assert [store.path_of(s).read_bytes() for s in shas] == datas
        assert oct(store.path_of(shas[0]).stat().st_mode & 0o777) == "0o640"
        assert _temps() == []
        assert store.write_many([]) == []


def test_a_failed_rename_leaves_no_temp_file_and_no_half_file(app, monkeypatch) -> None:
    datas = [b"%PDF-1.4 first", b"%PDF-1.4 second", b"%PDF-1.4 third"]
    real_replace, calls = os.replace, []

    def replace(src, dst):  # type: ignore[no-untyped-def]
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    with app.app_context():
        monkeypatch.setattr(store.os, "replace", replace)
        with pytest.raises(OSError):
            store.write_many(datas)
        monkeypatch.setattr(store.os, "replace", real_replace)
        assert _temps() == []
        stored = [d for d in datas if store.path_of(hashlib.sha256(d).hexdigest()).is_file()]
        assert len(stored) == 1 and all(store.path_of(hashlib.sha256(d).hexdigest()).read_bytes() == d for d in stored)
        assert store.write_many(datas) == [hashlib.sha256(d).hexdigest() for d in datas]  # a retry completes
        assert _temps() == []
