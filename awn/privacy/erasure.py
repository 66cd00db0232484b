"""The erasure ledger: who was erased, as keyed hashes only, in the database and in a file outside it.

A restore of the database brings back both the person and an older ledger; the file (AWN_ERASURE_LEDGER,
default var/privacy/erasure-ledger.jsonl: keep it on storage the database backups do not roll back) still lists
every erasure, so `manage.py reapply_erasures` erases them again (RELIABILITY B4).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .models import ErasureRecord


def _key() -> bytes:
    return str(getattr(settings, "AWN_ERASURE_KEY", "") or settings.SECRET_KEY).encode()


def fingerprint(kind: str, value: str) -> str:
    """A keyed hash of one identifier (national id, phone, email, name): matches the same value again, reveals
    nothing without the key."""
    text = f"{kind}:{(value or '').strip().lower()}"
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()


def fingerprints(identifiers: Iterable[tuple[str, str]]) -> list[str]:
    return sorted({fingerprint(kind, value) for kind, value in identifiers if value and value.strip()})


def ledger_path() -> Path:
    configured = getattr(settings, "AWN_ERASURE_LEDGER", "") or os.environ.get("AWN_ERASURE_LEDGER", "")
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "privacy" / "erasure-ledger.jsonl"


def append_to_file(record: ErasureRecord) -> None:
    path = ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "id": record.pk,
        "at": record.at.isoformat(),
        "subject_id": record.subject_id,
        "fingerprints": list(record.fingerprints),
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


@dataclass(frozen=True)
class LedgerEntry:
    subject_id: int
    fingerprints: frozenset[str]


def ledger_entries() -> list[LedgerEntry]:
    """Every erasure the database or the file knows of (a damaged line in the file is skipped, not fatal)."""
    merged: dict[int, set[str]] = {}
    for subject_id, prints in ErasureRecord.objects.values_list("subject_id", "fingerprints"):
        merged.setdefault(subject_id, set()).update(prints or [])
    path = ledger_path()
    if path.exists():
        for raw in path.read_text(encoding="utf-8").splitlines():
            try:
                line = json.loads(raw)
                merged.setdefault(int(line["subject_id"]), set()).update(str(p) for p in line["fingerprints"])
            except (ValueError, KeyError, TypeError):
                continue
    return [LedgerEntry(subject_id, frozenset(prints)) for subject_id, prints in sorted(merged.items())]
