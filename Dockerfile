# qotd in a container: `docker build -t qotd .` then run with DATABASE_URL and platform tokens set.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 QOTD_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY adapters ./adapters
COPY migrations ./migrations
COPY content ./content
RUN pip install --no-cache-dir -e . && useradd --create-home qotd && mkdir -p /data && chown qotd /data
USER qotd
VOLUME ["/data"]
CMD ["qotd", "run"]
