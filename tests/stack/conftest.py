from tests.stack.fixtures import (  # noqa: F401 - fixtures
    azurite,
    connect_proxy,
    module_logs,
    platform,
    platform_fake,
)
