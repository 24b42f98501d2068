"""`kaoping check --deploy` passes, without warnings, under production-like settings."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

KAOPING = Path(sys.executable).with_name("kaoping")


@pytest.mark.skipif(not KAOPING.exists(), reason="the kaoping console script is not installed")
def test_check_deploy_passes_without_warnings(tmp_path: Path) -> None:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("KAOPING_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kaoping.settings",
            "KAOPING_DEBUG": "0",
            "KAOPING_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
            "KAOPING_ALLOWED_HOSTS": "kaoping.example.gov.cn",
            "KAOPING_DATA_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(  # noqa: S603 (our own console script, fixed arguments)
        [str(KAOPING), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr
