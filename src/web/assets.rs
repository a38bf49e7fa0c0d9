//! Static files, embedded in the binary so it runs from any directory. Vendored files carry
//! their version in the name; our own get `?v=<content hash>`. All are served with a one-year
//! immutable cache.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $type:literal) => {
        Asset {
            name: $name,
            content_type: $type,
            bytes: include_bytes!(concat!("../../static/", $name)),
        }
    };
}

static ASSETS: &[Asset] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("inbox.css", "text/css; charset=utf-8"),
    asset!("inbox.js", "text/javascript; charset=utf-8"),
    asset!("variables.js", "text/javascript; charset=utf-8"),
    asset!(
        "vendor/htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/htmx-ext-sse-2.2.4.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("vendor/pico-2.1.1.min.css", "text/css; charset=utf-8"),
];

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    for asset in ASSETS {
        hasher.update(asset.bytes);
    }
    hex::encode(hasher.finalize())[..10].to_owned()
});

/// `/static/<name>?v=<hash>`: the URL templates use for an asset.
pub fn url(name: &str) -> String {
    format!("/static/{name}?v={}", *VERSION)
}

/// Serves `/static/{*path}`.
pub async fn serve(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == path) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            asset.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
