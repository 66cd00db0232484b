"""Issue 14 (a web worker <= 120 MB): with the assistant service set, loading the URLs imports no model library.

NumPy, SciPy, scikit-learn and ONNX Runtime weigh ~84 MB in a worker; they load on the first request that really
needs them (a question, an assist card, a triage), never because the URL configuration imported a module that
imports them. Checked in a fresh interpreter, as a gunicorn worker starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "scipy", "sklearn", "onnxruntime", "joblib")

STARTUP = """
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
import config.wsgi, config.asgi
"""
REPORT = """
import json, sys
heavy = set(sys.argv[1:])
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in heavy)))
"""


def loaded_after(script: str, tmp_path: Path, **env: str) -> list[str]:
    """The model libraries in sys.modules after `script`, in a fresh interpreter."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        **env,
    }
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script + REPORT, *HEAVY],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("service", ["/tmp/awn-assistant.sock", "127.0.0.1:1"])
def test_url_configuration_loads_no_model_library_with_the_service(tmp_path: Path, service: str) -> None:
    assert loaded_after(STARTUP, tmp_path, AWN_ASSISTANT_SERVICE=service) == []


def test_embedded_mode_starts_without_them_too(tmp_path: Path) -> None:
    """`bin/awn up` (no service): the model still loads in process, on first use, as before."""
    assert loaded_after(STARTUP, tmp_path, AWN_ASSISTANT_SERVICE="") == []


def test_the_probe_sees_the_libraries_once_the_answering_path_is_imported(tmp_path: Path) -> None:
    """The probe can fail: the first question (the answering module) does bring NumPy and scikit-learn in."""
    loaded = loaded_after(
        STARTUP + "import awn.assistant.answering\n", tmp_path, AWN_ASSISTANT_SERVICE="x.sock"
    )
    assert {"numpy", "scipy", "sklearn"} <= set(loaded)
