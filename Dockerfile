# syntax=docker/dockerfile:1
# One image for every service of the assistant (docs/deployment.md): the Rasa server (default command), the action
# server, the outbox delivery worker, the consultation API, the staff app and the web chat server. The build stage
# installs the locked dependencies with uv and trains the model, so the image carries the model it serves.
#
#   docker build -t iort-assistant:0.1.0 .
#
# No secret is baked in: every token and password comes from the environment at run time.
ARG PYTHON_IMAGE=python:3.10-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON=/usr/local/bin/python3.10 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
# Dependencies first (their layer is reused while pyproject.toml and uv.lock do not change); the project itself is
# not installed: PYTHONPATH=/app makes `bot` and `actions` importable, as `make run` does.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY endpoints.yml ./
COPY bot/ bot/
COPY actions/ actions/
COPY data/ data/
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONPATH=/app \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2
RUN rasa train --config bot/config.yml --domain bot/domain --data data --out models \
        --fixed-model-name iort-assistant \
    && test -s models/iort-assistant.tar.gz \
    && rm -rf .rasa


FROM ${PYTHON_IMAGE} AS runtime
# tini as PID 1 forwards SIGTERM to the server (Flask's and the delivery worker's loops stop cleanly).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app \
    && mkdir -p /var/lib/iort/outbox /var/lib/iort/documents \
    && chown -R app:app /var/lib/iort
WORKDIR /app
# Code and model belong to root and are read-only for the service user; it writes only to /var/lib/iort (volumes),
# its home and /tmp.
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/models /app/models
COPY endpoints.yml ./
COPY bot/ bot/
COPY actions/ actions/
COPY data/ data/
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    RASA_TELEMETRY_ENABLED=false \
    RASA_CACHE_DIRECTORY=/tmp/rasa-cache \
    TF_CPP_MIN_LOG_LEVEL=2 \
    MPLCONFIGDIR=/tmp/matplotlib \
    CONSULTATION_OUTBOX=/var/lib/iort/outbox/outbox.sqlite3 \
    CONSULTATION_API_STORAGE=/var/lib/iort/documents
USER 10001:10001
EXPOSE 5005 5055 5056 5057 8080
ENTRYPOINT ["tini", "--"]
# endpoints.yml and bot/credentials.yml read their variables from the environment (docs/deployment.md lists them).
CMD ["rasa", "run", "--model", "models", "--endpoints", "endpoints.yml", "--credentials", "bot/credentials.yml", \
     "--interface", "0.0.0.0", "--port", "5005"]
