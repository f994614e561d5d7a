"""main.py, with a trigger whose /health turns red after BOUND_SECONDS of receiver processes that
keep exiting instead of the production 300 s: the constructor parameter the liveness tests shorten.
Run as `python -m tests.e2e.short_health_bound consume_eventhub_messages` from the repository root."""

BOUND_SECONDS = 20.0

if __name__ == "__main__":
    from sekoia_automation.module import Module

    from triggers.consume_eventhub import ConsumeEventhubTrigger

    class ShortBoundTrigger(ConsumeEventhubTrigger):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, receiver_failure_bound=BOUND_SECONDS, **kwargs)

    module = Module()
    module.register(ShortBoundTrigger, "consume_eventhub_messages")
    module.run()
