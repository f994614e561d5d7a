"""The emulator's configuration: hubs, their partitions and consumer groups, and SAS policies.

Shape (JSON):
  {"hubs": {"hub-a": {"partition_count": 4, "consumer_groups": ["$Default", "sekoiaio"],
                      "max_message_size": 1048576}},
   "policies": [{"name": "listen-policy", "key": "...", "rights": ["Listen"]}],
   "entra": {"jwks": {"keys": [...]}, "roles": [{"principal": "<oid>", "role": "Receiver", "scope": "*"}]}}
`entra` (optional) turns on Entra ID tokens: see entra.py.
"""

from dataclasses import dataclass, field

from . import entra as entra_module

DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024
RIGHTS = {"Listen", "Send", "Manage"}


class ConfigError(ValueError):
    """The configuration file is not of the documented shape; the message names the field."""


@dataclass
class HubConfig:
    name: str
    partition_count: int
    consumer_groups: set = field(default_factory=set)  # lower-cased: Event Hubs names are case-insensitive
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE

    def has_consumer_group(self, name: str) -> bool:
        return name.lower() in self.consumer_groups


@dataclass
class Policy:
    name: str
    key: str
    rights: set


@dataclass
class Config:
    hubs: dict
    policies: list
    entra: entra_module.EntraConfig | None = None

    @property
    def auth_enabled(self) -> bool:
        """Without policies nor Entra ID the emulator is open: any token, every claim."""
        return bool(self.policies) or self.entra is not None

    def policy(self, name: str):
        return next((p for p in self.policies if p.name == name), None)


def load(raw: dict) -> Config:
    hubs = {}
    for name, spec in (raw.get("hubs") or {}).items():
        count = spec.get("partition_count", 1)
        if not isinstance(count, int) or count < 1:
            raise ConfigError(f"hubs.{name}.partition_count must be a positive integer")
        groups = {g.lower() for g in spec.get("consumer_groups", [])} | {"$default"}
        size = spec.get("max_message_size", DEFAULT_MAX_MESSAGE_SIZE)
        hubs[name] = HubConfig(name, count, groups, int(size))
    policies = []
    for index, spec in enumerate(raw.get("policies") or []):
        rights = set(spec.get("rights", []))
        if not rights <= RIGHTS:
            raise ConfigError(f"policies[{index}].rights must be among {sorted(RIGHTS)}")
        if "Manage" in rights:
            rights |= {"Listen", "Send"}  # as in Azure: Manage implies the other two claims
        policies.append(Policy(spec["name"], spec["key"], rights))
    entra = None
    if raw.get("entra") is not None:
        try:
            entra = entra_module.load(raw["entra"])
        except (KeyError, ValueError, TypeError) as exc:
            raise ConfigError(f"entra: {exc}") from exc
    return Config(hubs, policies, entra)
