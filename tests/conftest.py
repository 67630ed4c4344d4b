"""Fixtures shared by every test folder."""
import os

import pytest

from bot.tools.local_postgres import temporary_postgres
from bot.tools.local_redis import temporary_redis


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL database: TEST_POSTGRES_URL, or a throwaway server on loopback for this test session."""
    if os.environ.get("TEST_POSTGRES_URL"):
        yield os.environ["TEST_POSTGRES_URL"]
        return
    with temporary_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """(host, port) of a throwaway Redis server on loopback for this test session."""
    with temporary_redis(tmp_path_factory.mktemp("redis")) as address:
        yield address
