"""Fixtures shared by every test folder."""
import os

import pytest

from bot.tools.local_postgres import temporary_postgres


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL database: TEST_POSTGRES_URL, or a throwaway server on loopback for this test session."""
    if os.environ.get("TEST_POSTGRES_URL"):
        yield os.environ["TEST_POSTGRES_URL"]
        return
    with temporary_postgres() as url:
        yield url
