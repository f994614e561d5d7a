"""Fixtures shared by every test folder: the local stack's (tests/stack/fixtures.py)."""

from tests.stack.fixtures import (  # noqa: F401 - fixtures
    azurite,
    connect_proxy,
    module_logs,
    platform,
    platform_fake,
)
