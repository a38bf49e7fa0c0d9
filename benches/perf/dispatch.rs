//! Sustained event load: 2,000 events/s for 60 s into an account with one automation rule and
//! one webhook subscribed to them. Writers commit customers' messages with their
//! `message_created` events through the library's own `events::record` (20 per transaction,
//! every 10 ms), while the real server dispatches them: every event is evaluated by the rule and
//! delivered to the webhook (a receiver on loopback); one in twenty says "urgente" and gets the
//! rule's private note. Measured: commit → webhook received, commit → the rule's note
//! committed, and the backlog (queued events, deliveries waiting, actions waiting) every second.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use atende::auth::context::Actor;
use atende::events::{self, EventKind, NewEvent};
use atende::i18n::Locale;
use atende::ids::AccountId;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::load::Stats;
use super::seed::{self, Size};
use super::server::{Server, pool};
use super::{Figure, Table, ms};

/// Events per second: 2,000, the target, unless `BENCH_DISPATCH_RATE` says otherwise (to find
/// the rate this machine sustains).
fn rate() -> u64 {
    std::env::var("BENCH_DISPATCH_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|r| *r >= PER_TX)
        .unwrap_or(2_000)
}
/// For how long.
const SECONDS: u64 = 60;
/// Events per writer transaction.
const PER_TX: u64 = 20;

type Received = Arc<Mutex<HashMap<i64, SystemTime>>>;

async fn receive(State(received): State<Received>, body: axum::body::Bytes) -> &'static str {
    let at = SystemTime::now();
    if let Ok(payload) = serde_json::from_slice::<Value>(&body)
        && let Some(id) = payload["id"].as_i64()
    {
        received.lock().expect("lock").insert(id, at);
    }
    "ok"
}

fn to_system(t: DateTime<Utc>) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_micros(t.timestamp_micros().max(0) as u64)
}

/// The run.
pub async fn run(table: &mut Table) {
    let seeded = seed::ensure(Size::K10).await;
    let db = pool(&seeded.database).await;
    // A quiet start: nothing left over from an earlier run.
    sqlx::raw_sql(
        "delete from webhooks; delete from automation_rules; delete from event_dispatch;
         delete from jobs where state <> 'dead';",
    )
    .execute(&db)
    .await
    .expect("clean");
    let received: Received = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let receiver_url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let server = Server::start(&seeded.database, 4).await;
    let client = super::load::client();
    let a = format!("{}/api/v1/accounts/{}", server.address, seeded.account_id);
    let post = |path: String, body: Value| {
        let (client, token) = (client.clone(), seeded.token.clone());
        async move {
            let r = client
                .post(path)
                .header("api_access_token", token)
                .json(&body)
                .send()
                .await
                .expect("request");
            assert!(
                r.status().is_success(),
                "{}",
                r.text().await.unwrap_or_default()
            );
        }
    };
    post(
        format!("{a}/webhooks"),
        json!({"url": receiver_url, "subscriptions": ["message_created"]}),
    )
    .await;
    post(
        format!("{a}/automation_rules"),
        json!({
            "name": "Urgente",
            "event_name": "message_created",
            "conditions": [{"attribute_key": "content", "filter_operator": "contains",
                            "values": ["urgente"], "query_operator": null}],
            "actions": [{"action_name": "add_private_note", "action_params": ["Mensagem urgente recebida"]}],
        }),
    )
    .await;
    let targets: Vec<(i64, i64, i64)> = sqlx::query_as(
        "select id, inbox_id, contact_id from conversations where account_id = $1 order by id",
    )
    .bind(seeded.account_id)
    .fetch_all(&db)
    .await
    .expect("conversations");
    let first_message: i64 = sqlx::query_scalar("select coalesce(max(id), 0) from messages")
        .fetch_one(&db)
        .await
        .expect("max");

    // Backlog every second.
    let backlog: Arc<Mutex<Vec<i64>>> = Arc::default();
    let sampling = {
        let (db, backlog) = (db.clone(), backlog.clone());
        tokio::spawn(async move {
            loop {
                let n: i64 = sqlx::query_scalar(
                    "select (select count(*) from event_dispatch)
                          + (select count(*) from webhook_deliveries where stage = 'new')
                          + (select count(*) from webhook_deliveries where stage = 'waiting')
                          + (select count(*) from webhook_deliveries where stage = 'head')
                          + (select count(*) from automation_runs where state <> 'done')",
                )
                .fetch_one(&db)
                .await
                .unwrap_or(-1);
                backlog.lock().expect("lock").push(n);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };

    let committed: Arc<Mutex<HashMap<i64, SystemTime>>> = Arc::default();
    let actor = Actor::System {
        account_id: AccountId(seeded.account_id),
        locale: Locale::PtBr,
    };
    let rate = rate();
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 * PER_TX / rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let ticks = rate * SECONDS / PER_TX;
    let started = Instant::now();
    let mut writers = tokio::task::JoinSet::new();
    let mut urgent = 0usize;
    for tick in 0..ticks {
        ticker.tick().await;
        let (db, committed, actor) = (db.clone(), committed.clone(), actor.clone());
        let batch: Vec<(usize, (i64, i64, i64))> = (0..PER_TX)
            .map(|k| {
                let n = (tick * PER_TX + k) as usize;
                (n, targets[(n * 7_919) % targets.len()])
            })
            .collect();
        urgent += batch.iter().filter(|(n, _)| n % 20 == 0).count();
        writers.spawn(async move {
            let mut tx = db.begin().await.expect("begin");
            let now = Utc::now();
            let mut new = Vec::new();
            let mut ids = Vec::new();
            for (n, (conversation, inbox, contact)) in batch {
                let content = if n % 20 == 0 {
                    format!("Preciso de ajuda urgente com o pedido {n}")
                } else {
                    format!("Olá, mensagem {n} sobre o meu pedido")
                };
                let id: i64 = sqlx::query_scalar(
                    "insert into messages (account_id, conversation_id, inbox_id, message_type, content,
                                           sender_type, sender_id, created_at, updated_at)
                     values ($1, $2, $3, 'incoming', $4, 'Contact', $5, $6, $6) returning id",
                )
                .bind(actor.account_id().0)
                .bind(conversation)
                .bind(inbox)
                .bind(content)
                .bind(contact)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .expect("message");
                ids.push(id);
                new.push(
                    NewEvent::new(EventKind::MessageCreated)
                        .conversation(conversation, inbox, contact)
                        .message(id),
                );
            }
            events::record(&mut tx, actor.account_id(), &actor, now, &new)
                .await
                .expect("events");
            tx.commit().await.expect("commit");
            let at = SystemTime::now();
            let mut committed = committed.lock().expect("lock");
            for id in ids {
                committed.insert(id, at);
            }
        });
        while writers.try_join_next().is_some() {}
    }
    while writers.join_next().await.is_some() {}
    let load_time = started.elapsed();
    let events_sent = (ticks * PER_TX) as usize;
    // Drain (bounded): every delivery received and every urgent message noted.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        // The notes are counted only once every delivery arrived (the count reads every
        // message of the run, and would weigh on what it waits for).
        let delivered = {
            let (received, committed) = (
                received.lock().expect("lock"),
                committed.lock().expect("lock"),
            );
            committed
                .keys()
                .filter(|id| received.contains_key(id))
                .count()
        };
        if delivered >= events_sent {
            let notes: i64 =
                sqlx::query_scalar("select count(*) from messages where private and id > $1")
                    .bind(first_message)
                    .fetch_one(&db)
                    .await
                    .expect("notes");
            if notes as usize >= urgent {
                break;
            }
        }
        if Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let drained = started.elapsed();
    sampling.abort();
    let committed = committed.lock().expect("lock").clone();
    let received = received.lock().expect("lock").clone();
    let webhook: Vec<Duration> = committed
        .iter()
        .filter_map(|(id, c)| {
            received
                .get(id)
                .map(|r| r.duration_since(*c).unwrap_or_default())
        })
        .collect();
    let missing_deliveries = events_sent.saturating_sub(webhook.len());
    // Each urgent message's note is the first private message after it in its conversation.
    let notes: Vec<(i64, DateTime<Utc>)> = sqlx::query_as(
        "select m.id, n.created_at from messages m
         join lateral (select x.created_at from messages x
                       where x.account_id = m.account_id and x.conversation_id = m.conversation_id
                         and x.private and x.id > m.id order by x.id limit 1) n on true
         where m.id > $1 and m.content like '%urgente%' and m.message_type = 'incoming'",
    )
    .bind(first_message)
    .fetch_all(&db)
    .await
    .expect("notes");
    let rule: Vec<Duration> = notes
        .iter()
        .filter_map(|(id, at)| {
            committed
                .get(id)
                .map(|c| to_system(*at).duration_since(*c).unwrap_or_default())
        })
        .collect();
    let backlog = backlog.lock().expect("lock").clone();
    let during = &backlog[..backlog.len().min(SECONDS as usize)];
    let first_half = during
        .iter()
        .take(during.len() / 2)
        .copied()
        .max()
        .unwrap_or(0);
    let second_half = during
        .iter()
        .skip(during.len() / 2)
        .copied()
        .max()
        .unwrap_or(0);
    let load = format!(
        "{events_sent} events in {:.1} s ({:.0}/s), 1 rule + 1 webhook, 4 workers",
        load_time.as_secs_f64(),
        events_sent as f64 / load_time.as_secs_f64()
    );
    let webhook = Stats::new(webhook, load_time);
    table.add(Figure::new(
        "webhook lag (commit → received)",
        "10k",
        &load,
        format!("{}; missing {missing_deliveries}", webhook.summary()),
        "p99 < 100 ms",
        Some(webhook.p(0.99) < Duration::from_millis(100) && missing_deliveries == 0),
    ));
    let rule = Stats::new(rule, load_time);
    table.add(Figure::new(
        "rule lag (commit → its action committed), matched 1 in 20",
        "10k",
        &load,
        format!("{}; expected {urgent}", rule.summary()),
        "p99 < 100 ms",
        Some(rule.p(0.99) < Duration::from_millis(100) && notes.len() == urgent),
    ));
    table.add(Figure::new(
        "dispatch backlog (events + deliveries + actions waiting), sampled each second",
        "10k",
        &load,
        format!(
            "max first half {first_half}, max second half {second_half}, drained {}",
            ms(drained.saturating_sub(load_time))
        ),
        "no growth",
        Some(second_half <= first_half.max(2 * rate as i64 / 10)),
    ));
    table.add(Figure::new(
        "server RSS, peak",
        "10k",
        &load,
        format!("{:.0} MB", server.peak_rss_mib()),
        "< 150 MB",
        Some(server.peak_rss_mib() < 150.0),
    ));
    server.stop().await;
}
