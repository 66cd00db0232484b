"""Results-day load and soak (issue 19 item 4): locust's simulated parents against the production layout.

    python -m bench.load --users 200 --minutes 10            # the load test: p95 < 500 ms, errors < 0.1%
    python -m bench.load --users 50 --minutes 60 --soak      # the soak: web memory growth < 10% over the hour

Layout: PostgreSQL (BENCH_LOAD_DATABASE_URL, default awn_load, made afresh), the demo's knowledge base, N parent
accounts with two tickets each; gunicorn with gthread workers (AWN_TASKS_MODE=off), one `run_worker` beside it
doing the jobs (triage, notifications, sweeps) and `serve_assistant` holding the e5 model for both, as in
production (deploy/). Each parent signs in once, then loops over the
journeys of bench/locustfile.py with 1–4 s of thought between steps. Reported: locust's aggregated and per-step
latencies and failures, the web processes' resident memory sampled every 30 s (growth from the end of the first
minute, when every worker has served every page, to the end), and the load average.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.run import (
    PORT,
    ROOT,
    VENV_BIN,
    fresh_database,
    manage,
    start_run_worker,
    start_server,
)

USERS_SNIPPET = """
import json
from awn.accounts.services import user_create
from awn.crm.services import contact_create
from awn.crm.validators import national_id_from_seed
from awn.tickets.services import ticket_create
n = {count}
people = []
for i in range(n):
    user = user_create(username=f"load-parent-{{i}}", password="load-parent-password-1")
    contact = contact_create(name=f"ولي أمر {{i}}", national_id=national_id_from_seed(700000 + i), user=user)
    tickets = [
        ticket_create(requester=contact, subject=subject, body=body, category="results_certificates").pk
        for subject, body in (("لا تظهر النتيجة", "لا تظهر نتيجة ابني في النظام"),
                              ("طباعة الشهادة", "لا أستطيع طباعة الشهادة"))
    ]
    people.append({{"username": user.username, "password": "load-parent-password-1", "tickets": tickets}})
print(json.dumps(people, ensure_ascii=False))
"""


def rss_mb(pids: list[int]) -> list[float]:
    sizes = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return sizes


def web_workers(server: subprocess.Popen[bytes]) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def read_stats(prefix: Path) -> dict[str, Any]:
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open(encoding="utf-8")))
    steps = {}
    for row in rows:
        steps[row["Name"]] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0),
            "rps": round(float(row["Requests/s"]), 1),
        }
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--soak", action="store_true", help="judge memory growth (< 10%%) as well")
    parser.add_argument(
        "--model-in-each-process",
        action="store_true",
        help="no `serve_assistant`: each web worker loads the e5 model itself (the embedded layout)",
    )
    args = parser.parse_args(argv)

    url = os.environ.get("BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/awn_load")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "AWN_TASKS_MODE": "off",
        "AWN_DB_CONN_MAX_AGE": "600",
        "AWN_STAFF_2FA": "false",
        "AWN_DEBUG": "false",
    }
    fresh_database(url)
    manage(env, "migrate", "-v", "0")
    manage(env, "seed_demo", "--if-empty")
    people = json.loads(
        manage(env, "shell", "-c", USERS_SNIPPET.format(count=args.users)).strip().splitlines()[-1]
    )
    var = ROOT / "var" / "load"
    var.mkdir(parents=True, exist_ok=True)
    users_file = var / "users.json"
    users_file.write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")

    assistant = None
    if not args.model_in_each_process:
        socket_path = var / "assistant.sock"
        socket_path.unlink(missing_ok=True)
        env["AWN_ASSISTANT_SERVICE"] = str(socket_path)
        assistant = subprocess.Popen(
            [sys.executable, "manage.py", "serve_assistant"], cwd=ROOT, env=env, start_new_session=True
        )
        deadline = time.time() + 120
        while not socket_path.exists() and time.time() < deadline:
            time.sleep(0.5)
    server = start_server(env, args.workers, "gthread", threads=args.threads, wait=180)
    worker = start_run_worker(env)
    samples: list[tuple[float, float]] = []
    prefix = var / "stats"
    started = time.time()
    locust = subprocess.Popen(
        [
            str(VENV_BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            f"{int(args.minutes * 60)}s",
            "--host",
            f"http://127.0.0.1:{PORT}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**env, "BENCH_LOAD_USERS": str(users_file)},
    )
    loads = []
    try:
        while locust.poll() is None:
            time.sleep(30)
            samples.append((round(time.time() - started), round(sum(rss_mb(web_workers(server))), 1)))
            loads.append(load_average())
    finally:
        for process in (server, worker, assistant):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
    steps = read_stats(prefix)
    total = steps.get("Aggregated", {})
    error_rate = total.get("failures", 0) / max(total.get("requests", 1), 1)
    baseline = next((mb for t, mb in samples if t >= 60), samples[0][1] if samples else 0.0)
    growth = (samples[-1][1] - baseline) / baseline if samples and baseline else 0.0
    report = {
        "bench": "load",
        "users": args.users,
        "minutes": args.minutes,
        "layout": f"gunicorn {args.workers} gthread x {args.threads} + run_worker"
        + ("" if args.model_in_each_process else " + serve_assistant")
        + ", PostgreSQL",
        "steps": steps,
        "error_rate": round(error_rate, 5),
        "web_rss_mb_samples": samples,
        "web_rss_growth": round(growth, 4),
        "load_average_max": max(loads, default=0.0),
        "met": {
            "p95_under_500ms": total.get("p95_ms", 1e9) < 500,
            "errors_under_0.1%": error_rate < 0.001,
            **({"memory_growth_under_10%": growth < 0.10} if args.soak else {}),
        },
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    with (ROOT / "bench" / "results.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(report, ensure_ascii=False) + "\n")
    return 0 if locust.returncode == 0 and all(report["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
