"""The text a scrape of /metrics gets: this process's metrics (or, with several workers, all of
theirs) and the values computed at scrape time."""

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.engine import Engine

from app.observability.metrics import multiprocess_dir
from app.search import sync as search_sync


class _ThisProcess:
    """The default registry (our metrics and the process's own) inside a scrape's registry."""

    def collect(self):  # type: ignore[no-untyped-def]
        return REGISTRY.collect()


class _SearchOutbox:
    """Index lag as changes waiting: one COUNT of the outbox per scrape, in the database, so
    every worker and host answers the same."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self):  # type: ignore[no-untyped-def]
        family = GaugeMetricFamily(
            "kennisbank_search_outbox_depth",
            "Saved changes the search index has not taken in yet (rows in search_outbox).",
        )
        try:
            family.add_metric([], search_sync.pending(self.engine))
        except Exception:  # noqa: BLE001 - no database: no sample; /readyz says why
            pass
        yield family


def latest(engine: Engine) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_SearchOutbox(engine))
    return generate_latest(registry)
