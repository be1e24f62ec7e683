FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir -e . && useradd --system --home /data kennisbank && mkdir -p /data && chown kennisbank /data
USER kennisbank
EXPOSE 8000
CMD ["kennisbank", "serve", "--host", "0.0.0.0", "--port", "8000"]
