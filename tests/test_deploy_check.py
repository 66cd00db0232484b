"""A production configuration passes Django's deployment checklist with no warning, and the embedded default
refuses to pass it (so nobody ships the development key)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    # Other tests' settings stay out (Playwright's tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process).
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("AWN_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": "sqlite:///:memory:", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_production_configuration_passes_the_deployment_checklist() -> None:
    result = _check_deploy(
        AWN_SECRET_KEY="k" * 30 + "-production-secret-for-the-deploy-check-" + "z" * 20,
        AWN_HTTPS="true",
        AWN_BEHIND_TLS_PROXY="true",
        AWN_ALLOWED_HOSTS="awn.example.sa",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_the_embedded_default_fails_it_naming_the_secret_key() -> None:
    result = _check_deploy()
    assert result.returncode != 0
    assert "AWN_SECRET_KEY" in result.stderr
    assert "SESSION_COOKIE_SECURE" in result.stderr
