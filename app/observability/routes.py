"""GET /readyz for a load balancer and GET /metrics for Prometheus; /api/v1/health (liveness)
stays with the rest of the API in app/wiki/api.py."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.engine import Engine

from app.db import get_engine
from app.observability import exposition, readiness
from app.observability.access import may_read_metrics
from app.web.deps import SettingsDep

EngineDep = Annotated[Engine, Depends(get_engine)]
router = APIRouter(include_in_schema=False)
_NOT_CACHED = {"cache-control": "no-store"}


@router.get("/readyz")
def readyz(engine: EngineDep) -> JSONResponse:
    """200 when every check passes, otherwise 503 naming the check; no login, nothing secret."""
    checks = readiness.checks(engine)
    ready = all(result == readiness.OK for result in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "niet gereed", "checks": checks},
        status_code=200 if ready else 503, headers=_NOT_CACHED,
    )


@router.get("/metrics")
def metrics(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    if not may_read_metrics(request, settings):
        raise HTTPException(404)  # as any page that does not exist: nothing to learn here
    return Response(exposition.latest(engine), media_type=CONTENT_TYPE_LATEST, headers=_NOT_CACHED)
