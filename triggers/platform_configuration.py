"""How the SDK hands the trigger its configuration and secrets: loaded into the typed model with
errors that name a field and echo no value, secrets redacted from the moment they arrive."""

from __future__ import annotations

from sekoia_automation.trigger import Trigger

from azure_eventhub.core.redaction import REDACTOR
from triggers.configuration import ConfigurationError, ConsumeEventhubConfiguration, load_configuration
from triggers.wiring import texts


class PlatformConfigurationMixin:
    """For ConsumeEventhubTrigger, before the SDK's classes in its bases: overrides their
    configuration property and _apply_node_secrets()."""

    @property
    def configuration(self) -> ConsumeEventhubConfiguration:
        if self._configuration is None:
            self.configuration = self.module.load_config(self.TRIGGER_CONFIGURATION_FILE_NAME, "json")
        return self._configuration  # type: ignore[return-value]

    @configuration.setter
    def configuration(self, raw: dict) -> None:
        # The SDK's setter puts pydantic's message (input values included, so secrets) in the error
        # and model_dump() in the Sentry context: ours says which field is wrong and nothing else.
        import sentry_sdk

        self._configuration = load_configuration(raw)
        sentry_sdk.set_context("trigger_configuration", REDACTOR.structure(self._configuration.redacted_dump()))

    def _apply_node_secrets(self) -> None:
        # Connector makes this a no-op; our secrets are declared in the trigger (arguments.secrets),
        # so the platform serves them as node-level secrets: apply them as a Trigger does. Their values
        # are redacted from here on, whatever fails next (a wrong setting is echoed before validation).
        REDACTOR.add(texts(self._node_secrets) + texts(self._secrets))
        try:
            Trigger._apply_node_secrets(self)  # type: ignore[arg-type]
        except ConfigurationError:
            # A wrong setting (Chunk Size 0) fails loading here, in the SDK's execute() before run():
            # escaping, it crashed the process with a traceback and no log line. run() loads the
            # configuration again and reports the error as one critical line, then idles.
            pass
