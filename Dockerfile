# qotd in a container: `docker build -t qotd .`, then run it with DATABASE_URL and the platform
# variables set (see deploy/.env.example). The container migrates the database, then runs
# `qotd run`; /healthz, /livez and /metrics answer on port 9100.

# ---- build: the dependencies in a virtual environment (prebuilt wheels; nothing is compiled) ----
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /venv
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
# Install the project to pull in exactly its dependencies, then drop the project itself: the
# runtime stage runs the source tree, which keeps migrations/ and content/ beside the code.
RUN /venv/bin/pip install . && /venv/bin/pip uninstall --yes qotd

# ---- runtime: the virtual environment, the source, a user without privileges ----
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH PYTHONPATH=/app \
    QOTD_DATA_DIR=/data QOTD_OPS_PORT=9100 QOTD_LOG_FORMAT=json SLACK_PORT=3000 \
    MPLCONFIGDIR=/data/.cache/matplotlib
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin qotd && mkdir -p /data && chown qotd /data
COPY --from=build /venv /venv
WORKDIR /app
COPY alembic.ini ./
COPY bot ./bot
COPY adapters ./adapters
COPY migrations ./migrations
COPY content ./content
COPY deploy/docker-entrypoint.sh /usr/local/bin/qotd-entrypoint
USER 10001
VOLUME ["/data"]
EXPOSE 3000 9100
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9100/healthz', timeout=4)"]
ENTRYPOINT ["qotd-entrypoint"]
CMD ["run"]
