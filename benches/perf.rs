//! Performance targets, measured against the real application over loopback and a real
//! PostgreSQL (figures in docs/PERFORMANCE.md).
//!
//! ```text
//! cargo bench --bench perf                 # both
//! cargo bench --bench perf -- automation   # commit → rule effect latency at a steady rate
//! cargo bench --bench perf -- inbox        # inbox first screen with 10,000 conversations
//! ```
//!
//! `BENCH_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`) names a server
//! where the bench may create its own databases (`atende_bench_*`).

use std::time::{Duration, Instant};

use atende::accounts::service::{NewAccountWithAdmin, create_account_with_admin};
use atende::app::Application;
use atende::clock::Clock;
use atende::config::{Config, DatabaseSource, PasswordCost, WorkerSettings};
use atende::i18n::Locale;
use atende::jobs::registry::Registry;
use atende::state::AppState;
use serde_json::{Value, json};
use sqlx::Connection;

/// Events per second in the automation run, and for how long.
const RATE: u64 = 20;
const SECONDS: u64 = 15;
/// Conversations the messages are spread over.
const CONVERSATIONS: usize = 20;
/// Inbox size for the page bench.
const INBOX_CONVERSATIONS: usize = 10_000;
/// Page loads measured (after warm-up).
const PAGE_LOADS: usize = 50;

fn server_url() -> String {
    std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn database_url(name: &str) -> String {
    let mut url = url::Url::parse(&server_url()).expect("BENCH_DATABASE_URL");
    url.set_path(name);
    url.to_string()
}

/// Creates `name` (dropping it first when `fresh`); returns whether it already existed.
async fn ensure_database(name: &str, fresh: bool) -> bool {
    let mut conn = sqlx::PgConnection::connect(&server_url())
        .await
        .expect("connect to BENCH_DATABASE_URL");
    if fresh {
        // The name is one of this file's constants.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "drop database if exists {name} with (force)"
        )))
        .execute(&mut conn)
        .await
        .expect("drop");
    }
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .expect("lookup");
    if !exists {
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&mut conn)
            .await
            .expect("create");
    }
    exists
}

async fn start(database: &str, clock: Clock, workers: usize) -> (AppState, String) {
    let mut config = Config::new(DatabaseSource::Url(database_url(database)));
    config.bind = ([127, 0, 0, 1], 0).into();
    config.clock = clock;
    config.workers = WorkerSettings {
        concurrency: workers,
        ..WorkerSettings::default()
    };
    config.password_cost = PasswordCost::Fast;
    config.max_connections = 20;
    config.data_dir = std::env::temp_dir().join(format!("atende-bench-{database}"));
    let app = Application::build_with(config, Registry::standard(), axum::Router::new())
        .await
        .expect("build");
    let state = app.state();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    (state, address)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name}: n={} p50={:.1} ms p90={:.1} ms p99={:.1} ms max={:.1} ms",
        samples.len(),
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.90).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

struct Api {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("api_access_token", &self.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, body).await
    }
}

/// From the commit of a customer's message to the end of the rule's actions, at a steady rate.
async fn automation() {
    ensure_database("atende_bench_automation", true).await;
    let (state, address) = start("atende_bench_automation", Clock::System, 4).await;
    let created = create_account_with_admin(
        &state,
        NewAccountWithAdmin {
            name: "Bench".into(),
            admin_email: "admin@bench.test".into(),
            admin_name: Some("Admin".into()),
            admin_password: Some("bench-password".into()),
            locale: Locale::PtBr,
        },
    )
    .await
    .expect("account");
    let a = format!("/api/v1/accounts/{}", created.account_id);
    let api = Api {
        client: reqwest::Client::new(),
        base: address,
        token: created.api_access_token,
    };
    let inbox = api
        .post(
            &format!("{a}/inboxes"),
            json!({"name": "WhatsApp", "channel": {"type": "api"}}),
        )
        .await["id"]
        .clone();
    api.post(&format!("{a}/labels"), json!({"title": "atendimento"}))
        .await;
    let mut conversations = Vec::new();
    for i in 0..CONVERSATIONS {
        let contact = api
            .post(
                &format!("{a}/contacts"),
                json!({"name": format!("Cliente {i}"), "phone_number": format!("+55119{i:08}"),
                       "inbox_id": inbox}),
            )
            .await["payload"]["contact"]["id"]
            .clone();
        let conversation = api
            .post(
                &format!("{a}/conversations"),
                json!({"inbox_id": inbox, "contact_id": contact}),
            )
            .await["id"]
            .clone();
        conversations.push(conversation);
    }
    api.post(
        &format!("{a}/automation_rules"),
        json!({
            "name": "Triagem",
            "event_name": "message_created",
            "conditions": [{"attribute_key": "message_type", "filter_operator": "equal_to",
                            "values": ["incoming"], "query_operator": null}],
            "actions": [
                {"action_name": "add_label", "action_params": ["atendimento"]},
                {"action_name": "add_private_note", "action_params": ["Recebido de {{ contact.first_name }}"]},
            ],
        }),
    )
    .await;

    let total = (RATE * SECONDS) as usize;
    let mut ticker = tokio::time::interval(Duration::from_millis(1000 / RATE));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let started = Instant::now();
    for i in 0..total {
        ticker.tick().await;
        let conversation = &conversations[i % CONVERSATIONS];
        api.post(
            &format!("{a}/conversations/{conversation}/messages"),
            json!({"content": format!("mensagem {i}"), "message_type": "incoming"}),
        )
        .await;
    }
    let sent_in = started.elapsed();
    // Wait (bounded) until every message got its note (the run log keeps only 100 runs).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done: i64 = sqlx::query_scalar("select count(*) from messages where private")
            .fetch_one(&state.db)
            .await
            .expect("count");
        if done as usize >= total || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Each customer message's effect is the next private note in its conversation: messages
    // arrive once a second per conversation, far apart from any plausible latency.
    let rows: Vec<(f64,)> = sqlx::query_as(
        "select extract(epoch from (n.created_at - m.created_at))::float8
         from messages m
         join lateral (select x.created_at from messages x
                       where x.account_id = m.account_id and x.conversation_id = m.conversation_id
                         and x.private and x.id > m.id
                       order by x.id limit 1) n on true
         where m.message_type = 'incoming'",
    )
    .fetch_all(&state.db)
    .await
    .expect("latencies");
    assert_eq!(rows.len(), total, "every message was handled by the rule");
    println!(
        "automation: {total} incoming messages at {RATE}/s over {:.1} s, 4 workers, rule with 2 actions",
        sent_in.as_secs_f64()
    );
    report(
        "automation commit→effect",
        rows.into_iter()
            .map(|(s,)| Duration::from_secs_f64(s.max(0.0)))
            .collect(),
    );
}

/// The inbox page (first screen: list, tabs, counts) of an account with 10,000 conversations.
async fn inbox() {
    let name = "atende_bench_inbox";
    let existed = ensure_database(name, false).await;
    let (state, address) = start(name, Clock::test(), 0).await;
    let has_demo: bool = sqlx::query_scalar("select exists (select 1 from users where email = $1)")
        .bind(atende::demo::ADMIN_EMAIL)
        .fetch_one(&state.db)
        .await
        .expect("lookup");
    let conversations: i64 = sqlx::query_scalar("select count(*) from conversations")
        .fetch_one(&state.db)
        .await
        .expect("count");
    if !has_demo || (conversations as usize) < INBOX_CONVERSATIONS {
        if existed {
            drop(state);
            ensure_database(name, true).await;
            return Box::pin(inbox()).await;
        }
        println!("inbox: loading {INBOX_CONVERSATIONS} demo conversations (once; kept in {name})");
        let started = Instant::now();
        atende::demo::load(&state, INBOX_CONVERSATIONS)
            .await
            .expect("demo");
        println!("inbox: loaded in {:.0} s", started.elapsed().as_secs_f64());
    }
    let (account_id,): (i64,) = sqlx::query_as(
        "select au.account_id from account_users au join users u on u.id = au.user_id
         where u.email = $1",
    )
    .bind(atende::demo::ADMIN_EMAIL)
    .fetch_one(&state.db)
    .await
    .expect("account");
    // Sign in with a known password.
    let hash = atende::auth::password::hash("bench-password", PasswordCost::Fast)
        .await
        .expect("hash");
    sqlx::query("update users set password_hash = $1 where email = $2")
        .bind(hash)
        .bind(atende::demo::ADMIN_EMAIL)
        .execute(&state.db)
        .await
        .expect("password");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = client
        .post(format!("{address}/login"))
        .header("origin", &address)
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("email", atende::demo::ADMIN_EMAIL),
            ("password", "bench-password"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 303, "sign-in");
    let page = format!("{address}/app/accounts/{account_id}/conversations?status=all");
    let mut samples = Vec::with_capacity(PAGE_LOADS);
    for i in 0..PAGE_LOADS + 5 {
        let started = Instant::now();
        let response = client.get(&page).send().await.expect("page");
        let status = response.status();
        let body = response.text().await.expect("body");
        let took = started.elapsed();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("conversation-row"), "the list has rows");
        if i >= 5 {
            samples.push(took);
        }
    }
    let total: i64 = sqlx::query_scalar("select count(*) from conversations where account_id = $1")
        .bind(account_id)
        .fetch_one(&state.db)
        .await
        .expect("count");
    println!("inbox: account with {total} conversations, all tabs, first page, over loopback");
    report("inbox first screen", samples);
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; the first other argument picks a scenario.
    let only = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if run("automation") {
        automation().await;
    }
    if run("inbox") {
        inbox().await;
    }
}
