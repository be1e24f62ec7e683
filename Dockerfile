# syntax=docker/dockerfile:1
# Two stages: the first builds the wheel from the source tree, the second installs only that
# wheel (not editable, no source tree) and runs it as a user without privileges.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KENNISBANK_DATA_DIR=/data
# pg_dump and pg_restore for `kennisbank backup`/`restore`, of the major version of the db service
# in docker-compose.yml (a pg_dump older than its server refuses it; Debian's own is 15), from
# the PostgreSQL project's apt repository; Pango and HarfBuzz for WeasyPrint (the plan's PDF).
ARG PG_MAJOR=16
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl --fail -sSo /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && . /etc/os-release \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt ${VERSION_CODENAME}-pgdg main" > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
# The wheel is mounted from the build stage for this step only: no copy of it stays in a layer.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir /wheels/*.whl \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin kennisbank \
    && mkdir -p /data /backups && chown kennisbank /data /backups
USER kennisbank
WORKDIR /data
EXPOSE 8000
# docker-compose.yml runs the same image as `kennisbank scheduler` beside it.
CMD ["kennisbank", "serve", "--host", "0.0.0.0", "--port", "8000"]
