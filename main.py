if __name__ == "__main__":
    # As PID 1 of a container (the image's exec-form ENTRYPOINT, no init), this process stays an init
    # that forwards signals and reaps zombies, and a forked child runs the module (triggers/pid1.py).
    # Forked before any other import: the child starts with no thread and nothing loaded.
    from triggers.pid1 import serve_as_init_if_pid1

    serve_as_init_if_pid1()

    # Then: no log line of any library, nor any Sentry event, may carry a secret (log_redaction.py).
    from azure_eventhub.core.log_redaction import install_log_redaction, install_sentry_redaction

    install_log_redaction()

    # Imported here, not at the top: receiver processes are spawned, and a spawned process runs this
    # file's top level again (as __mp_main__); the SDK's imports cost it about 2 s of CPU at start.
    from sekoia_automation.module import Module

    from triggers.consume_eventhub import ConsumeEventhubTrigger

    module = Module()
    install_sentry_redaction()  # Module() initialised Sentry (when the platform gives a DSN)
    module.register(ConsumeEventhubTrigger, "consume_eventhub_messages")
    module.run()
