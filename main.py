from sekoia_automation.module import Module

from triggers.consume_eventhub import ConsumeEventhubTrigger

if __name__ == "__main__":
    module = Module()
    module.register(ConsumeEventhubTrigger, "consume_eventhub_messages")
    module.run()
