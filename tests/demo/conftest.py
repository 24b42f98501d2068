"""The demo county, loaded once per test module and rolled back at its end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from kaoping.demo.loader import DemoSummary, load_demo


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoSummary]:
    """Load 示范县 once for the module; each test still runs in its own savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)
