//! The API scenarios of issue "Fast at any size" against a seeded account: lists, counts,
//! filter, search, one conversation, deep pages, ingestion (with the same-run pgbench ceiling)
//! and memory; and the same with 500 open live streams.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use super::load::{self, Stats};
use super::seed::{self, Seeded, Size};
use super::server::{Server, database_url};
use super::{Figure, Table, ms};

/// Requests per read scenario.
const READS: usize = 2_000;
/// Messages per ingestion run.
const WRITES: usize = 20_000;
/// Clients at once.
const CLIENTS: usize = 8;
/// Pages walked one after the other.
const WALK: i64 = 400;

fn under(stats: &Stats, q: f64, limit_ms: f64) -> Option<bool> {
    Some(stats.p(q).as_secs_f64() * 1e3 < limit_ms)
}

/// Display ids of open conversations (the ones customers write to).
fn open_ids(n: i64) -> Vec<i64> {
    (1..=n).filter(|i| i % 10 < 3).collect()
}

/// Reads, writes, ceiling and memory at one size.
pub async fn api(size: Size, table: &mut Table) {
    let seeded = seed::ensure(size).await;
    let server = Server::start(&seeded.database, 4).await;
    println!("api at {} conversations", seeded.conversations);
    reads(&seeded, &server, size, table, "").await;
    writes(&seeded, &server, size, table, "").await;
    for single in [false, true] {
        let tps = ceiling(&seeded.database, single).await;
        table.add(Figure::new(
            if single {
                "pgbench insert+update, one row (ceiling)"
            } else {
                "pgbench insert+update, spread (ceiling)"
            },
            size.name(),
            "c=8, 20,000 tx",
            format!("{tps:.0} tx/s"),
            "",
            None,
        ));
    }
    table.add(Figure::new(
        "server RSS, peak over the run",
        size.name(),
        "all of the above",
        format!("{:.0} MB", server.peak_rss_mib()),
        "< 150 MB",
        Some(server.peak_rss_mib() < 150.0),
    ));
    server.stop().await;
}

/// The largest display id pattern of a size: `[1-9][0-9]{0,k}` covers 1…10^(k+1)-1.
fn ids_pattern(n: i64) -> String {
    let digits = (n as f64).log10().floor() as i64;
    format!("[1-9][0-9]{{0,{}}}", (digits - 1).max(0))
}

async fn reads(seeded: &Seeded, server: &Server, size: Size, table: &mut Table, note: &str) {
    let a = format!("{}/api/v1/accounts/{}", server.address, seeded.account_id);
    let token = seeded.token.as_str();
    let n = seeded.conversations;
    let load_text = format!("c={CLIENTS}, {READS} requests{note}");
    let get = |path: &str| load::Http {
        method: "GET",
        url: format!("{a}{path}"),
        pattern: false,
        body: None,
        token,
    };
    // Warm-up: plans prepared, pages in memory.
    load::http(get("/conversations?status=all"), 300, CLIENTS).await;
    for (name, path) in [
        (
            "GET conversations?status=all (page + counts)",
            "/conversations?status=all",
        ),
        (
            "GET conversations?status=open",
            "/conversations?status=open",
        ),
        (
            "GET conversations?assignee_type=me (mine tab)",
            "/conversations?assignee_type=me",
        ),
        ("GET conversations/meta", "/conversations/meta"),
    ] {
        let stats = load::http(get(path), READS, CLIENTS).await;
        table.add(Figure::new(
            name,
            size.name(),
            &load_text,
            stats.summary(),
            "p99 < 20 ms",
            under(&stats, 0.99, 20.0),
        ));
    }
    let filter = load::Http {
        method: "POST",
        url: format!("{a}/conversations/filter"),
        pattern: false,
        body: Some(
            json!({"payload": [{"attribute_key": "labels", "filter_operator": "equal_to",
                                        "values": ["vip"], "query_operator": null}]}),
        ),
        token,
    };
    let stats = load::http(filter, READS, CLIENTS).await;
    table.add(Figure::new(
        "POST conversations/filter (one label)",
        size.name(),
        &load_text,
        stats.summary(),
        "p99 < 20 ms",
        under(&stats, 0.99, 20.0),
    ));
    for (name, path) in [
        (
            "GET conversations/search?q=pedido 999",
            "/conversations/search?q=pedido%20999",
        ),
        (
            "GET conversations/search?q=boleto (common word)",
            "/conversations/search?q=boleto",
        ),
        (
            "GET conversations/search?q=ana silva (contacts)",
            "/conversations/search?q=ana%20silva",
        ),
    ] {
        let stats = load::http(get(path), READS / 2, CLIENTS).await;
        table.add(Figure::new(
            name,
            size.name(),
            &format!("c={CLIENTS}, {} requests{note}", READS / 2),
            stats.summary(),
            "p99 < 50 ms",
            under(&stats, 0.99, 50.0),
        ));
    }
    let pattern = ids_pattern(n);
    for (name, suffix) in [
        ("GET conversations/{id} (random)", ""),
        ("GET conversations/{id}/messages (random)", "/messages"),
    ] {
        let show = load::Http {
            method: "GET",
            url: format!("{a}/conversations/{pattern}{suffix}"),
            pattern: true,
            body: None,
            token,
        };
        let stats = if load::uses_oha() {
            load::http(show, READS, CLIENTS).await
        } else {
            let client = load::client();
            let (a, token) = (Arc::new(a.clone()), Arc::new(token.to_owned()));
            load::run(READS, CLIENTS, move |i| {
                let (client, a, token) = (client.clone(), a.clone(), token.clone());
                let id = 1 + (i as i64 * 7_919) % n;
                async move {
                    load::get(&client, format!("{a}/conversations/{id}{suffix}"), &token).await
                }
            })
            .await
        };
        table.add(Figure::new(
            name,
            size.name(),
            &load_text,
            stats.summary(),
            "p99 < 20 ms, flat across sizes",
            under(&stats, 0.99, 20.0),
        ));
    }
    // A client walking every page in order (an integration syncing conversations).
    let client = load::client();
    let mut samples = Vec::new();
    let started = Instant::now();
    for page in 1..=WALK.min(n / 25) {
        let t = Instant::now();
        load::get(
            &client,
            format!("{a}/conversations?status=all&page={page}"),
            token,
        )
        .await
        .expect("page");
        samples.push(t.elapsed());
    }
    let last = samples.last().copied().unwrap_or_default();
    let stats = Stats::new(samples, started.elapsed());
    table.add(Figure::new(
        "GET conversations?page=1…N walked in order",
        size.name(),
        &format!("c=1, {} pages{note}", WALK.min(n / 25)),
        format!("{}; last page {}", stats.summary(), ms(last)),
        "p99 < 20 ms",
        under(&stats, 0.99, 20.0),
    ));
}

async fn writes(seeded: &Seeded, server: &Server, size: Size, table: &mut Table, note: &str) {
    let a = format!("{}/api/v1/accounts/{}", server.address, seeded.account_id);
    let body = json!({"content": "Olá, boa tarde! Ainda estou aguardando o retorno sobre a entrega.", "message_type": "incoming"});
    let pattern = format!("{}[0-2]", ids_pattern(seeded.conversations / 10));
    for single in [false, true] {
        let (url, is_pattern, total) = if single {
            (
                format!(
                    "{a}/conversations/{}/messages",
                    open_ids(seeded.conversations)[0]
                ),
                false,
                WRITES / 2,
            )
        } else if load::uses_oha() {
            (
                format!("{a}/conversations/{pattern}/messages"),
                true,
                WRITES,
            )
        } else {
            (
                format!(
                    "{a}/conversations/{}/messages",
                    open_ids(seeded.conversations)[1]
                ),
                false,
                WRITES,
            )
        };
        let stats = load::http(
            load::Http {
                method: "POST",
                url,
                pattern: is_pattern,
                body: Some(body.clone()),
                token: &seeded.token,
            },
            total,
            CLIENTS,
        )
        .await;
        let (what, target, min) = if single {
            (
                "POST messages (incoming), one conversation",
                "≥ 800/s",
                800.0,
            )
        } else {
            (
                "POST messages (incoming), spread over open conversations",
                "≥ 1,500/s",
                1500.0,
            )
        };
        table.add(Figure::new(
            what,
            size.name(),
            &format!("c={CLIENTS}, {total} messages{note}"),
            format!("{:.0} msg/s; {}", stats.rate(), stats.summary()),
            target,
            Some(stats.rate() >= min),
        ));
    }
}

/// Incoming messages spread over open conversations, from this process (so a scenario that
/// also reads streams compares like with like); returns the rate and when each was answered.
async fn ingest(
    seeded: &Seeded,
    server: &Server,
    answered: Option<Arc<Mutex<HashMap<i64, Instant>>>>,
) -> Stats {
    let client = load::client();
    let a = format!("{}/api/v1/accounts/{}", server.address, seeded.account_id);
    let open = Arc::new(open_ids(seeded.conversations));
    let token = seeded.token.clone();
    load::run(WRITES, CLIENTS, move |i| {
        let (client, a, token, open, answered) = (
            client.clone(),
            a.clone(),
            token.clone(),
            open.clone(),
            answered.clone(),
        );
        async move {
            let id = open[(i * 7_919) % open.len()];
            let response = client
                .post(format!("{a}/conversations/{id}/messages"))
                .header("api_access_token", &token)
                .json(&json!({"content": format!("Olá, mensagem {i}"), "message_type": "incoming"}))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let at = Instant::now();
            let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
            let message = body["id"].as_i64().ok_or("no id")?;
            if let Some(answered) = answered {
                answered.lock().expect("lock").insert(message, at);
            }
            Ok(())
        }
    })
    .await
}

fn pgbench() -> String {
    if let Ok(path) = which("pgbench") {
        return path;
    }
    let mut found: Vec<String> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| {
            dirs.flatten()
                .map(|d| d.path().join("bin/pgbench"))
                .filter(|p| p.exists())
                .map(|p| p.display().to_string())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
        .pop()
        .expect("pgbench is not installed (it comes with the PostgreSQL server package)")
}

fn which(name: &str) -> Result<String, ()> {
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|dir| std::path::Path::new(dir).join(name))
        .find(|p| p.exists())
        .map(|p| p.display().to_string())
        .ok_or(())
}

/// The database's own rate for the write a message makes (insert a row, update its parent) with
/// 8 clients: spread over 100,000 parents, or all on one.
pub async fn ceiling(database: &str, single: bool) -> f64 {
    let db = super::server::pool(database).await;
    sqlx::raw_sql(
        "drop table if exists bench_ceiling_messages, bench_ceiling_conversations;
         create table bench_ceiling_conversations (id bigint primary key, last_activity_at timestamptz not null default now());
         insert into bench_ceiling_conversations (id) select generate_series(1, 100000);
         create table bench_ceiling_messages (id bigserial primary key, conversation_id bigint not null,
                                              content text, created_at timestamptz not null);
         create index on bench_ceiling_messages (conversation_id, id);",
    )
    .execute(&db)
    .await
    .expect("ceiling tables");
    let script = std::env::temp_dir().join(format!("atende-ceiling-{}.sql", std::process::id()));
    let pick = if single {
        "\\set id 1"
    } else {
        "\\set id random(1, 100000)"
    };
    std::fs::write(
        &script,
        format!(
            "{pick}\nbegin;\ninsert into bench_ceiling_messages (conversation_id, content, created_at) values (:id, 'Olá, mensagem de carga', now());\nupdate bench_ceiling_conversations set last_activity_at = now() where id = :id;\ncommit;\n"
        ),
    )
    .expect("script");
    let output = tokio::process::Command::new(pgbench())
        .args([
            "-n", "-M", "prepared", "-c", "8", "-j", "2", "-t", "2500", "-f",
        ])
        .arg(&script)
        .arg(database_url(database))
        .output()
        .await
        .expect("pgbench");
    let text = String::from_utf8_lossy(&output.stdout);
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps ="))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("pgbench: {text}{}", String::from_utf8_lossy(&output.stderr)));
    sqlx::raw_sql("drop table bench_ceiling_messages, bench_ceiling_conversations")
        .execute(&db)
        .await
        .expect("drop ceiling tables");
    tps
}

/// Signs an agent in to the pages; returns the client holding the session.
async fn sign_in(address: &str, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = client
        .post(format!("{address}/login"))
        .header("origin", address)
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", email), ("password", seed::PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 303, "sign-in of {email}");
    client
}

/// Ingestion and lists with 500 live streams open (20 agents, 25 tabs each), against the same
/// without; every stream must receive every message it may see.
pub async fn streams(size: Size, table: &mut Table) {
    const STREAMS_PER_AGENT: usize = 25;
    let seeded = seed::ensure(size).await;
    let server = Server::start(&seeded.database, 4).await;
    println!("streams at {} conversations", seeded.conversations);
    let quiet_ingest = ingest(&seeded, &server, None).await;
    table.add(Figure::new(
        "POST messages (incoming), spread, no streams (from the bench process)",
        size.name(),
        &format!("c={CLIENTS}, {WRITES} messages"),
        format!(
            "{:.0} msg/s; {}",
            quiet_ingest.rate(),
            quiet_ingest.summary()
        ),
        "",
        None,
    ));
    let spread = quiet_ingest.rate();
    let list = |server: &Server| {
        let client = load::client();
        let url = format!(
            "{}/api/v1/accounts/{}/conversations?status=all",
            server.address, seeded.account_id
        );
        let token = seeded.token.clone();
        async move {
            load::run(READS, CLIENTS, move |_| {
                let (client, url, token) = (client.clone(), url.clone(), token.clone());
                async move { load::get(&client, url, &token).await }
            })
            .await
        }
    };
    let quiet = list(&server).await;
    table.add(Figure::new(
        "GET conversations?status=all, no streams (from the bench process)",
        size.name(),
        &format!("c={CLIENTS}, {READS} requests"),
        quiet.summary(),
        "",
        None,
    ));
    // Open the streams; each counts the message events it receives and notes when it got them.
    let received: Arc<Mutex<HashMap<i64, Vec<Instant>>>> = Arc::default();
    // A stream that falls too far behind is told to resync (a page reloads what it shows)
    // instead of being sent what it missed; counted, since those events are not received.
    let resyncs: Arc<Mutex<usize>> = Arc::default();
    let mut readers = Vec::new();
    for email in &seeded.agent_emails {
        let client = sign_in(&server.address, email).await;
        for _ in 0..STREAMS_PER_AGENT {
            let url = format!(
                "{}/app/accounts/{}/events",
                server.address, seeded.account_id
            );
            let response = client.get(&url).send().await.expect("stream");
            assert_eq!(response.status(), 200, "stream");
            let (received, resyncs) = (received.clone(), resyncs.clone());
            readers.push(tokio::spawn(async move {
                let mut response = response;
                // Linear in what arrives: events are cut at their ends in one pass, and the
                // ids of a chunk are recorded under one lock.
                let mut pending = String::new();
                while let Ok(Some(chunk)) = response.chunk().await {
                    let now = Instant::now();
                    pending.push_str(&String::from_utf8_lossy(&chunk));
                    let mut ids = Vec::new();
                    let mut resynced = 0;
                    let mut consumed = 0;
                    while let Some(end) = pending[consumed..].find("\n\n") {
                        let event = &pending[consumed..consumed + end + 2];
                        consumed += end + 2;
                        if event.contains("event: resync") {
                            resynced += 1;
                        }
                        if event.contains("event: message_created")
                            && let Some(at) = event.find("\"message_id\":")
                        {
                            let digits: String = event[at + 13..]
                                .chars()
                                .take_while(char::is_ascii_digit)
                                .collect();
                            if let Ok(id) = digits.parse::<i64>() {
                                ids.push(id);
                            }
                        }
                    }
                    pending.drain(..consumed);
                    if resynced > 0 {
                        *resyncs.lock().expect("lock") += resynced;
                    }
                    if !ids.is_empty() {
                        let mut received = received.lock().expect("lock");
                        for id in ids {
                            received.entry(id).or_default().push(now);
                        }
                    }
                }
            }));
        }
    }
    let streams = readers.len();
    tokio::time::sleep(Duration::from_secs(2)).await;
    // The same ingestion, remembering when each message was answered.
    let answered: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
    let stats = ingest(&seeded, &server, Some(answered.clone())).await;
    table.add(Figure::new(
        "POST messages (incoming), spread, with 500 streams",
        size.name(),
        &format!("c={CLIENTS}, {WRITES} messages, {streams} streams"),
        format!(
            "{:.0} msg/s (none: {spread:.0}/s); {}",
            stats.rate(),
            stats.summary()
        ),
        "within 10% of no streams",
        Some(stats.rate() >= spread * 0.9),
    ));
    let busy = list(&server).await;
    table.add(Figure::new(
        "GET conversations?status=all, with 500 streams",
        size.name(),
        &format!("c={CLIENTS}, {READS} requests, {streams} streams"),
        format!("{} (none: p99 {})", busy.summary(), ms(quiet.p(0.99))),
        "within 10% of no streams",
        Some(busy.p(0.99).as_secs_f64() <= quiet.p(0.99).as_secs_f64() * 1.1 + 0.001),
    ));
    // Until the readers have read what was sent: the total stops growing for 2 s (at most 60 s).
    let total = || {
        received
            .lock()
            .expect("lock")
            .values()
            .map(Vec::len)
            .sum::<usize>()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = total();
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let now = total();
        if now == last || Instant::now() > deadline {
            break;
        }
        last = now;
    }
    let answered = answered.lock().expect("lock").clone();
    let received = received.lock().expect("lock").clone();
    let mut delays = Vec::new();
    let mut missing = 0usize;
    for (message, at) in &answered {
        let got = received.get(message).map(Vec::as_slice).unwrap_or_default();
        missing += streams.saturating_sub(got.len());
        delays.extend(got.iter().map(|r| r.saturating_duration_since(*at)));
    }
    let delays = Stats::new(delays, Duration::from_secs(1));
    table.add(Figure::new(
        "live stream delivery (answer → event received)",
        size.name(),
        &format!("{} messages × {streams} streams", answered.len()),
        format!(
            "{}; missing {missing}; resyncs {}",
            delays.summary(),
            *resyncs.lock().expect("lock")
        ),
        "p99 < 100 ms, none missing",
        Some(delays.p(0.99) < Duration::from_millis(100) && missing == 0),
    ));
    for reader in readers {
        reader.abort();
    }
    server.stop().await;
}
