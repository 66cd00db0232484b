"""Backup, verify and restore-drill timings (issue 19 item 2; RELIABILITY B1/B3: RTO goal <= 1 h at prod size).

    DATABASE_URL=sqlite:///$PWD/var/bench_backup.sqlite3 python -m bench.backup --tickets 20000 --attachments 300
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/awn_bench_backup python -m bench.backup --tickets 20000

Creates the database if needed, migrates, seeds tickets (bench/seed.py) and attachment blobs (random bytes, written
straight into MEDIA_ROOT with their rows), then times `backup`, `backup --verify` and `restore_drill`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--attachments", type=int, default=300)
    parser.add_argument("--attachment-kb", type=int, default=64)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="awn-bench-backup-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "AWN_MEDIA_ROOT": str(work / "media"),
        "AWN_BACKUP_DIR": str(work / "backups"),
        "AWN_ASSISTANT_DENSE": "false",
    }
    if not env.get("AWN_BACKUP_KEY"):
        from cryptography.fernet import Fernet

        env["AWN_BACKUP_KEY"] = Fernet.generate_key().decode()
    url = env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        subprocess.run(
            ["psql", url.rsplit("/", 1)[0] + "/postgres", "-qc", f'DROP DATABASE IF EXISTS "{name}"'],
            check=True,
        )
        subprocess.run(
            ["psql", url.rsplit("/", 1)[0] + "/postgres", "-qc", f'CREATE DATABASE "{name}"'], check=True
        )
    elif url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    run("manage.py", "migrate", "-v0", env=env)
    run("-m", "bench.seed", "--tickets", str(args.tickets), env=env)
    os.environ.update(env)

    import django

    django.setup()
    from awn.ops.backup import backup_create, backup_verify
    from awn.ops.drill import restore_drill
    from awn.tickets.models import Attachment, Message

    messages = list(Message.objects.order_by("id").values_list("id", flat=True)[: args.attachments])
    rows = []
    for i, message_id in enumerate(messages):
        content = os.urandom(args.attachment_kb * 1024 - 16) + i.to_bytes(16, "big")
        sha = hashlib.sha256(content).hexdigest()
        rel = f"attachments/{sha[:2]}/{sha}"
        (work / "media" / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / "media" / rel).write_bytes(content)
        rows.append(
            Attachment(message_id=message_id, file=rel, filename=f"{i}.bin", content_type="application/pdf",
                       size=len(content), sha256=sha)
        )  # fmt: skip
    Attachment.objects.bulk_create(rows)

    started = time.perf_counter()
    result = backup_create()
    backup_s = time.perf_counter() - started
    started = time.perf_counter()
    backup_verify(result.path)
    verify_s = time.perf_counter() - started
    report = restore_drill(result.path)
    rows_total = sum(int(t["rows"]) for t in result.manifest["tables"].values())
    print(
        f"{result.manifest['vendor']}: {len(result.manifest['tables'])} tables, {rows_total} rows, "
        f"{len(result.manifest['media'])} files ({len(rows) * args.attachment_kb / 1024:.1f} MiB of attachments); "
        f"archive {result.size / 1024 / 1024:.1f} MiB\n"
        f"  backup (incl. its verification) {backup_s:.2f} s, verify {verify_s:.2f} s, "
        f"restore drill {report.seconds:.2f} s: {'OK' if report.ok else 'FAILED'} "
        f"(mismatched {report.mismatched_tables}, orphans {len(report.rows_without_blob)}/"
        f"{len(report.blobs_without_row)})"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
