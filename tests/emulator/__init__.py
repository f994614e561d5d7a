"""A local Azure Event Hubs (AMQP 1.0) emulator for tests; see README.md."""
