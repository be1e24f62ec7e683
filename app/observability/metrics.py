"""The service's Prometheus metrics, defined once per process.

Only prometheus_client is imported here, so any domain can count something without import
cycles. With `kennisbank serve --workers N` (N > 1) every worker writes its values to files in
PROMETHEUS_MULTIPROC_DIR (set by `serve` before the workers start), and a scrape of any worker
sums them all (app/observability/exposition.py). That is why there are only counters and
histograms here: a gauge that lives in one process is computed at scrape time instead.
"""

import os

from prometheus_client import Counter, Histogram

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Routes that match nothing share one label: a raw path would let any client make new series.
UNMATCHED = "(geen route)"

REQUESTS = Counter(
    "kennisbank_http_requests",
    "HTTP requests answered, per route template (never the raw path) and status code.",
    ["method", "route", "status"],
)
REQUEST_DURATION = Histogram(
    "kennisbank_http_request_duration_seconds",
    "Time to answer an HTTP request, per route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SEARCH_DURATION = Histogram(
    "kennisbank_search_duration_seconds",
    "Time of one search (the search call itself, without rendering), per entry point.",
    ["via"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
JOB_RUNS = Counter("kennisbank_scheduler_job_runs", "Rounds of a scheduled job started.", ["job"])
JOB_FAILURES = Counter(
    "kennisbank_scheduler_job_failures", "Rounds of a scheduled job that raised.", ["job"]
)
# No account or address as a label: the audit log keeps who; this only says how many.
LOGIN_FAILURES = Counter(
    "kennisbank_login_failures",
    "Failed logins, per method (password, oidc) and reason (refused, throttled).",
    ["method", "reason"],
)


def multiprocess_dir() -> str | None:
    """The folder the workers share their values in, when running several."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
