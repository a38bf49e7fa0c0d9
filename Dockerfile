# Build: the release binary, with the committed .sqlx metadata (no database needed to compile).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && cp target/release/atende /atende

# Run: a slim Debian with CA certificates (outbound HTTPS, SMTP) and curl for the healthcheck.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/atende --create-home atende
COPY --from=build /atende /usr/local/bin/atende
USER atende
ENV ATENDE_BIND=0.0.0.0:3000 ATENDE_DATA_DIR=/var/lib/atende
EXPOSE 3000
ENTRYPOINT ["atende"]
CMD ["serve"]
