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
# The wheel is mounted from the build stage for this step only: no copy of it stays in a layer.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir /wheels/*.whl \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin kennisbank \
    && mkdir -p /data && chown kennisbank /data
USER kennisbank
WORKDIR /data
EXPOSE 8000
# docker-compose.yml runs the same image as `kennisbank scheduler` beside it.
CMD ["kennisbank", "serve", "--host", "0.0.0.0", "--port", "8000"]
