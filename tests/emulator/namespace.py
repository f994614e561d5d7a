"""The Event Hubs namespace: hubs and their partitions, routing of sends, and who reads what.

Routing follows the service: an explicit partition, else a hash of the partition key, else round
robin. Receiver admission follows the service's owner-level (epoch) rules and its limit of five
readers per partition and consumer group.
"""

import json
import zlib
from pathlib import Path

from . import errors
from .storage import Partition

MAX_READERS = 5


class Hub:
    def __init__(self, config, directory: Path | None, partition_count: int):
        self.config = config
        self.name = config.name
        self.directory = directory
        self.created_at_ms = 1_700_000_000_000  # fixed: a hub's creation time does not move on restart
        self.partitions: list = []
        self._next = 0
        self.grow(partition_count)

    def grow(self, count: int) -> None:
        while len(self.partitions) < count:
            pid = str(len(self.partitions))
            self.partitions.append(Partition(self.name, pid, self.directory))

    def partition(self, pid: str):
        if pid.isdigit() and int(pid) < len(self.partitions):
            return self.partitions[int(pid)]
        return None

    def route(self, partition_key) -> Partition:
        if partition_key is not None:
            key = partition_key if isinstance(partition_key, bytes) else str(partition_key).encode("utf-8")
            # A stable hash (not Python's salted hash()) so a key keeps its partition across restarts.
            return self.partitions[zlib.crc32(key) % len(self.partitions)]
        partition = self.partitions[self._next % len(self.partitions)]
        self._next += 1
        return partition


class Namespace:
    def __init__(self, config, data_dir: Path | None):
        self.config = config
        self.data_dir = data_dir
        grown = self._load_counts()
        self.hubs = {}
        for name, hub_config in config.hubs.items():
            directory = data_dir / name if data_dir else None
            count = max(hub_config.partition_count, grown.get(name, 0))
            self.hubs[name] = Hub(hub_config, directory, count)
        # (hub, consumer group lower-cased, partition id) -> list of receiver links
        self.readers: dict = {}

    def hub(self, name: str):
        # Event Hubs entity names are case-insensitive.
        if name in self.hubs:
            return self.hubs[name]
        return next((h for n, h in self.hubs.items() if n.lower() == name.lower()), None)

    def grow(self, hub: Hub, count: int) -> None:
        hub.grow(count)
        if self.data_dir is not None:
            counts = {name: len(h.partitions) for name, h in self.hubs.items()}
            (self.data_dir / "partition-counts.json").write_text(json.dumps(counts))

    def _load_counts(self) -> dict:
        if self.data_dir is None:
            return {}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "partition-counts.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def close(self) -> None:
        for hub in self.hubs.values():
            for partition in hub.partitions:
                partition.close()

    # ------------------------------------------------------------ receivers

    def admit(self, key: tuple, link, epoch, tracker: str):
        """Decide on a new receiver. Return (error or None, links to detach as stolen)."""
        current = self.readers.setdefault(key, [])
        epochs = [r.epoch for r in current if r.epoch is not None]
        if epoch is None:
            if epochs:
                return errors.non_epoch_refused(max(epochs), tracker), []
            if len(current) >= MAX_READERS:
                return errors.too_many_readers(MAX_READERS, tracker), []
            current.append(link)
            return None, []
        if epochs and max(epochs) > epoch:
            return errors.lower_epoch(max(epochs), epoch, tracker), []
        stolen = list(current)
        current[:] = [link]
        return None, stolen

    def release(self, key: tuple, link) -> None:
        current = self.readers.get(key)
        if current and link in current:
            current.remove(link)
