# Multi-stage build: compile in the Rust image, run in a slim image as a non-root user.
# Not built in CI (there is no Docker engine there); see README.md.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --create-home werkmatch
COPY --from=build /src/target/release/werkmatch /usr/local/bin/werkmatch
USER werkmatch
WORKDIR /app
ENV HOST=0.0.0.0 PORT=8080 LOG_FORMAT=json
EXPOSE 8080
CMD ["werkmatch", "serve"]
