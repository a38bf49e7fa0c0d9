//! Load: a fixed number of requests with a fixed number of clients. HTTP scenarios run `oha`
//! (`cargo install oha`) as a separate process when it is installed, as the figures were
//! taken; otherwise, and for scenarios that read each answer, requests are made from this
//! process with each latency recorded.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Latencies of a run.
#[derive(Clone, Debug)]
pub struct Stats {
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    count: usize,
    rate: f64,
}

impl Stats {
    /// From samples.
    pub fn new(mut samples: Vec<Duration>, elapsed: Duration) -> Self {
        samples.sort();
        let at = |p: f64| -> Duration {
            if samples.is_empty() {
                return Duration::ZERO;
            }
            let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
            samples[index.min(samples.len() - 1)]
        };
        Stats {
            p50: at(0.5),
            p90: at(0.9),
            p99: at(0.99),
            max: samples.last().copied().unwrap_or_default(),
            count: samples.len(),
            rate: samples.len() as f64 / elapsed.as_secs_f64().max(1e-9),
        }
    }

    /// The `p` quantile: 0.5, 0.9, 0.99 or 1.0 (the maximum).
    pub fn p(&self, p: f64) -> Duration {
        match p {
            p if p >= 1.0 => self.max,
            p if p >= 0.99 => self.p99,
            p if p >= 0.9 => self.p90,
            _ => self.p50,
        }
    }

    /// Requests per second over the run.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// `p50 x ms, p99 y ms (n=…)`.
    pub fn summary(&self) -> String {
        format!(
            "p50 {}, p99 {} (n={})",
            super::ms(self.p50),
            super::ms(self.p99),
            self.count
        )
    }
}

/// Runs `total` calls of `call(i)` with `clients` at once and records each one's latency. A call
/// returns whether it succeeded; a failure stops the bench with its index.
pub async fn run<F, Fut>(total: usize, clients: usize, call: F) -> Stats
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (call, next) = (call.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return samples;
                }
                let t = Instant::now();
                if let Err(e) = call(i).await {
                    panic!("request {i} failed: {e}");
                }
                samples.push(t.elapsed());
            }
        }));
    }
    let mut samples = Vec::with_capacity(total);
    for task in tasks {
        samples.extend(task.await.expect("client"));
    }
    Stats::new(samples, started.elapsed())
}

/// An HTTP scenario: the same request `total` times with `clients` at once. `url` may be a
/// pattern (`…/conversations/[1-9][0-9]{0,3}`) when `pattern` is set.
pub struct Http<'a> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// The URL, or a pattern of URLs.
    pub url: String,
    /// Whether `url` is a pattern.
    pub pattern: bool,
    /// A JSON body.
    pub body: Option<serde_json::Value>,
    /// The API token.
    pub token: &'a str,
}

fn oha_path() -> Option<std::path::PathBuf> {
    let home = std::env::var("HOME").unwrap_or_default();
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(std::path::PathBuf::from)
        .chain([std::path::Path::new(&home).join(".cargo/bin")])
        .map(|dir| dir.join("oha"))
        .find(|p| p.exists())
}

/// Runs an HTTP scenario with `oha` when installed, else from this process.
pub async fn http(scenario: Http<'_>, total: usize, clients: usize) -> Stats {
    if let Some(oha) = oha_path() {
        let mut command = tokio::process::Command::new(oha);
        command.args([
            "-n",
            &total.to_string(),
            "-c",
            &clients.to_string(),
            "--no-tui",
            "--output-format",
            "json",
            "-m",
            scenario.method,
            "-H",
            &format!("api_access_token: {}", scenario.token),
        ]);
        if let Some(body) = &scenario.body {
            command.args(["-T", "application/json", "-d", &body.to_string()]);
        }
        if scenario.pattern {
            command.arg("--rand-regex-url");
        }
        command.arg(&scenario.url);
        let output = command.output().await.expect("oha");
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
                panic!(
                    "oha: {e}: {}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                )
            });
        let codes = &report["statusCodeDistribution"];
        let ok: u64 = codes
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(code, _)| code.starts_with('2'))
                    .filter_map(|(_, n)| n.as_u64())
                    .sum()
            })
            .unwrap_or(0);
        assert_eq!(
            ok as usize, total,
            "{}: not every answer was 2xx: {codes}",
            scenario.url
        );
        let secs = |v: &serde_json::Value| Duration::from_secs_f64(v.as_f64().unwrap_or(0.0));
        let percentiles = &report["latencyPercentiles"];
        return Stats {
            p50: secs(&percentiles["p50"]),
            p90: secs(&percentiles["p90"]),
            p99: secs(&percentiles["p99"]),
            max: secs(&report["summary"]["slowest"]),
            count: total,
            rate: report["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0),
        };
    }
    assert!(
        !scenario.pattern,
        "URL patterns need oha (cargo install oha)"
    );
    let client = client();
    let token = scenario.token.to_owned();
    let (url, body, post) = (scenario.url, scenario.body, scenario.method == "POST");
    run(total, clients, move |_| {
        let (client, url, token, body) = (client.clone(), url.clone(), token.clone(), body.clone());
        async move {
            match body {
                Some(body) if post => self::post(&client, url, &token, body).await,
                _ => get(&client, url, &token).await,
            }
        }
    })
    .await
}

/// Whether HTTP scenarios run through `oha`.
pub fn uses_oha() -> bool {
    oha_path().is_some()
}

/// A GET that must succeed.
pub async fn get(client: &reqwest::Client, url: String, token: &str) -> Result<(), String> {
    let response = client
        .get(&url)
        .header("api_access_token", token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!(
            "{url}: {status} {}",
            String::from_utf8_lossy(&body)
        ))
    }
}

/// A POST of JSON that must succeed.
pub async fn post(
    client: &reqwest::Client,
    url: String,
    token: &str,
    body: serde_json::Value,
) -> Result<(), String> {
    let response = client
        .post(&url)
        .header("api_access_token", token)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let text = response.bytes().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!(
            "{url}: {status} {}",
            String::from_utf8_lossy(&text)
        ))
    }
}

/// A client with a connection pool big enough for the clients of a run.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client")
}
