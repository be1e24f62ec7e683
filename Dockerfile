FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# pg_dump and pg_restore for `kennisbank backup`/`restore`, of the major version of the db service
# in docker-compose.yml (a pg_dump older than its server refuses it; Debian's own is 15), from
# the PostgreSQL project's apt repository.
ARG PG_MAJOR=16
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl --fail -sSo /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && . /etc/os-release \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt ${VERSION_CODENAME}-pgdg main" > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
    && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY app ./app
COPY migrations ./migrations
COPY content ./content
COPY static ./static
RUN pip install --no-cache-dir -e . && useradd --system --home /data kennisbank && mkdir -p /data /backups && chown kennisbank /data /backups
USER kennisbank
EXPOSE 8000
CMD ["kennisbank", "serve", "--host", "0.0.0.0", "--port", "8000"]
