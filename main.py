if __name__ == "__main__":
    # Imported here, not at the top: receiver processes are spawned, and a spawned process runs this
    # file's top level again (as __mp_main__); the SDK's imports cost it about 2 s of CPU at start.
    from sekoia_automation.module import Module

    from triggers.consume_eventhub import ConsumeEventhubTrigger

    module = Module()
    module.register(ConsumeEventhubTrigger, "consume_eventhub_messages")
    module.run()
