"""How the service logs: plain lines (the default) or, with KENNISBANK_LOG_FORMAT=json, one JSON
object per line (time, level, logger, message) for a log collector.

What the application logs names no person and no search: ids, counts, paths without their
query string. Two guards keep it so in any format: the access log (off in `kennisbank serve`,
see app/cli.py) loses the query string and the client's address should it be switched on, and
a JSON line carries an exception's type and stack but not its text, which may quote the
values of a failed statement.
"""

import copy
import json
import logging
import logging.config
import traceback
from datetime import UTC, datetime

from app.config import Settings

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            entry["exception"] = kind.__name__
            entry["stack"] = "".join(traceback.format_tb(tb))
        return json.dumps(entry, ensure_ascii=False)


class QuietAccessLog(logging.Filter):
    """uvicorn's access line without the query string (/zoeken?q=… is a search) and address."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            _, method, path, version, status = record.args
            record.args = ("-", method, str(path).split("?", 1)[0], version, status)
        return True


_QUIET = {"quiet_access": {"()": f"{__name__}.QuietAccessLog"}}


def _json_config() -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": _QUIET,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stderr"}},
        "loggers": {
            # uvicorn's own loggers pass their lines up to the one JSON handler.
            "uvicorn": {"level": "INFO", "handlers": [], "propagate": True},
            "uvicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "INFO", "handlers": [], "propagate": True,
                               "filters": ["quiet_access"]},
            "apscheduler": {"level": "WARNING"},
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
    }


def uvicorn_log_config(settings: Settings) -> dict:
    """The `log_config` for uvicorn, which applies it in every worker process."""
    if settings.log_format == "json":
        return _json_config()
    from uvicorn.config import LOGGING_CONFIG

    plain = copy.deepcopy(LOGGING_CONFIG)  # uvicorn's own lines, as before
    plain.setdefault("filters", {}).update(_QUIET)
    plain["handlers"]["access"]["filters"] = ["quiet_access"]
    return plain


def configure(settings: Settings) -> None:
    """Logging of a process without uvicorn (`kennisbank scheduler`)."""
    if settings.log_format == "json":
        logging.config.dictConfig(_json_config())
        return
    logging.basicConfig(level=logging.INFO, format=PLAIN_FORMAT)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
