"""Memory of a web worker after warm-up (issue 14: <= 120 MB), with and without the assistant service.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/awn_intake \
        python -m bench.web_memory [--workers 2] [--rounds 20] [--service] [--without-assist] [--tickets 2000]

Starts gunicorn as bench.run does (sync workers, WSGI, a free port, AWN_TASKS_MODE=off), warms every worker with
what an agent and the API do: the queue page, ticket pages with their fragments (the assistant's card, the customer
360, the history), and ticket creations through the API, `--rounds` times; then reads each worker's memory from
/proc: RSS (what the issue counts), PSS (shared pages split among the processes that map them) and USS (its own
pages). `--service`: `manage.py serve_assistant` runs beside it on a unix socket and the workers have
AWN_ASSISTANT_SERVICE set (the model once per host); that process's memory is reported too.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench.run import PORT, ROOT, prepare, queue_paths, start_server

FRAGMENTS = ("assist/", "customer/", "history/")


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of one process, in MB (smaps_rollup)."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            fields[name] = int(parts[0])
    uss = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return {
        "rss_mb": round(fields.get("Rss", 0) / 1024, 1),
        "pss_mb": round(fields.get("Pss", 0) / 1024, 1),
        "uss_mb": round(uss / 1024, 1),
    }


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def request(path: str, *, session: str = "", token: str = "", body: dict[str, Any] | None = None) -> int:
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    data = None
    if body is not None:
        headers |= {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        data = json.dumps(body, ensure_ascii=False).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310 - http to 127.0.0.1
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def warm_up(state: dict[str, Any], rounds: int, fragments: tuple[str, ...] = FRAGMENTS) -> dict[str, int]:
    statuses: dict[str, int] = {}
    tickets = state["ticket_ids"][:10] or []
    for n in range(rounds):
        ticket = tickets[n % len(tickets)] if tickets else None
        paths = [queue_paths()[n % 5]]
        if ticket:
            paths += [f"/workspace/tickets/{ticket}/{tail}" for tail in ("", *fragments)]
        for path in paths:
            status = request(path, session=state["session"])
            statuses[f"{status}"] = statuses.get(f"{status}", 0) + 1
        body = {
            "subject": "لا أستطيع الدخول إلى حسابي في النظام",
            "body": f"تظهر رسالة أن كلمة المرور غير صحيحة مع أنني متأكد منها. رقم {n}",
            "category": "account_access",
            "requester_id": state["contact_ids"][n % len(state["contact_ids"])],
        }
        status = request("/api/v1/tickets/", token=state["token"], body=body)
        statuses[f"{status}"] = statuses.get(f"{status}", 0) + 1
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--service", action="store_true")
    parser.add_argument(
        "--without-assist",
        action="store_true",
        help="Skip the assistant's card (the one fragment that needs the retrieval): what the imports alone cost.",
    )
    args = parser.parse_args(argv)
    url = os.environ["BENCH_DATABASE_URL"]
    env = {**os.environ, "DATABASE_URL": url, "AWN_TASKS_MODE": "off"}
    env.pop("AWN_ASSISTANT_SERVICE", None)
    state = prepare(env, args.tickets)
    service = None
    if args.service:
        folder = tempfile.mkdtemp(prefix="awn-assistant-")
        env["AWN_ASSISTANT_SERVICE"] = os.path.join(folder, "assistant.sock")
        service = subprocess.Popen(
            [sys.executable, "manage.py", "serve_assistant"], cwd=ROOT, env=env, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while not os.path.exists(env["AWN_ASSISTANT_SERVICE"]):
            if service.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the assistant service did not start")
            time.sleep(0.2)
    server = start_server(env, args.workers)
    try:
        started = time.time()
        fragments = tuple(f for f in FRAGMENTS if f != "assist/") if args.without_assist else FRAGMENTS
        statuses = warm_up(state, args.rounds, fragments)
        time.sleep(1)
        workers = children(server.pid)
        result = {
            "service": args.service,
            "fragments": list(fragments),
            "workers": [memory(pid) for pid in workers],
            "master": memory(server.pid),
            "assistant_service": memory(service.pid) if service is not None else None,
            "statuses": statuses,
            "warm_up_seconds": round(time.time() - started, 1),
            "load": [round(x, 2) for x in os.getloadavg()],
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if service is not None:
            os.killpg(service.pid, signal.SIGTERM)
            service.wait(timeout=30)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
