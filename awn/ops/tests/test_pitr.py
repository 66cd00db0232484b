"""PostgreSQL point-in-time recovery as docs/operations.md sets it up (RELIABILITY B2): a scratch cluster of our
own on 127.0.0.1 with WAL archiving, a base backup, a marker row at T1 and another at T2, then a recovery with
`recovery_target_time` between them: T1 is there, T2 is not.

Needs the PostgreSQL server binaries and the `postgres` system user (the server refuses to run as root); skipped
otherwise. It never touches the shared server: its cluster, port and files are its own and removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path("/usr/lib/postgresql/15/bin")
pytestmark = pytest.mark.skipif(
    not (BIN / "initdb").exists() or not Path("/usr/sbin/runuser").exists() or os.geteuid() != 0,
    reason="needs PostgreSQL 15 server binaries, runuser and root (to run the server as `postgres`)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_postgres(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        ["/usr/sbin/runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def sql(port: int, query: str) -> str:
    out = as_postgres(str(BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
                      "-tAc", query)  # fmt: skip
    return out.stdout.strip()


@pytest.fixture
def workdir() -> Iterator[Path]:
    # Under /tmp, owned by postgres (pytest's tmp_path is root's and private).
    path = Path(f"/tmp/awn-pitr-{os.getpid()}-{time.monotonic_ns()}")
    path.mkdir(mode=0o700)
    shutil.chown(path, "postgres", "postgres")
    yield path
    for data in (path / "primary", path / "restored"):
        if (data / "postmaster.pid").exists():
            as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop", check=False)
    shutil.rmtree(path, ignore_errors=True)


def start(data: Path, port: int) -> None:
    as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-l", str(data.parent / f"{data.name}.log"), "-w", "-t", "60",
                "-o", f"-p {port} -k {data.parent} -c listen_addresses=127.0.0.1", "start")  # fmt: skip


def test_recovery_to_a_time_between_two_markers(workdir: Path) -> None:
    primary, wal, base, restored = (workdir / n for n in ("primary", "wal", "base", "restored"))
    as_postgres("mkdir", str(wal))
    as_postgres(str(BIN / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    with (primary / "postgresql.conf").open("a") as conf:
        conf.write(
            "\nwal_level = replica\narchive_mode = on\n"
            f"archive_command = 'test ! -f {wal}/%f && cp %p {wal}/%f'\narchive_timeout = 60\n"
        )
    port = free_port()
    start(primary, port)
    sql(
        port,
        "CREATE TABLE markers (name text PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())",
    )
    as_postgres(str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-D", str(base),
                "-X", "stream", "-c", "fast")  # fmt: skip

    sql(port, "INSERT INTO markers (name) VALUES ('T1')")
    time.sleep(1.1)
    target = sql(port, "SELECT clock_timestamp()")
    time.sleep(1.1)
    sql(port, "INSERT INTO markers (name) VALUES ('T2')")
    segment = sql(port, "SELECT pg_walfile_name(pg_switch_wal())")
    deadline = time.monotonic() + 60
    while not (wal / segment).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (wal / segment).exists(), "the WAL segment holding T2 was not archived"
    as_postgres(str(BIN / "pg_ctl"), "-D", str(primary), "-m", "fast", "stop")

    as_postgres("cp", "-a", str(base), str(restored))
    with (restored / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nrestore_command = 'cp {wal}/%f %p'\nrecovery_target_time = '{target}'\n"
            "recovery_target_action = 'promote'\narchive_mode = off\n"
        )
    as_postgres("touch", str(restored / "recovery.signal"))
    port = free_port()
    start(restored, port)
    deadline = time.monotonic() + 60
    while sql(port, "SELECT pg_is_in_recovery()") != "f" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sql(port, "SELECT pg_is_in_recovery()") == "f"
    assert sql(port, "SELECT string_agg(name, ',' ORDER BY name) FROM markers") == "T1"
