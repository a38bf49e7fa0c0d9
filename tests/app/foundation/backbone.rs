//! The job and event backbone under the conditions that broke it before: a big backlog, a
//! process that dies holding jobs, a shutdown mid-run, many writers at once, one account
//! flooding the queue.

use std::time::{Duration, Instant};

use atende::config::WorkerSettings;
use atende::jobs::{self, Job, JobError, JobSpec};
use atende::state::AppState;
use chrono::Utc;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::support::receiver::Receiver;
use crate::support::{Options, TestApp};

/// Records each run in `beats` (and sleeps as told).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Beat {
    label: String,
    sleep_ms: u64,
}

impl Job for Beat {
    const KIND: &'static str = "test.beat";

    async fn run(self, app: AppState) -> Result<(), JobError> {
        tokio::time::sleep(Duration::from_millis(self.sleep_ms)).await;
        sqlx::query("insert into beats (label, at) values ($1, clock_timestamp())")
            .bind(&self.label)
            .execute(&app.db)
            .await?;
        Ok(())
    }
}

async fn beat_app(workers: Option<WorkerSettings>, grace: Option<Duration>) -> TestApp {
    let mut registry = atende::app::job_registry();
    registry.register::<Beat>();
    let app = TestApp::spawn_with(Options {
        jobs: registry,
        configure: Box::new(move |config| {
            if let Some(workers) = workers {
                config.workers = workers;
                config.clock = atende::clock::Clock::System;
            }
            if let Some(grace) = grace {
                config.shutdown_grace = grace;
            }
        }),
        ..Options::default()
    })
    .await;
    sqlx::query("create table beats (label text not null, at timestamptz not null)")
        .execute(app.db())
        .await
        .expect("beats");
    app
}

async fn beats(app: &TestApp, label: &str) -> i64 {
    sqlx::query_scalar("select count(*) from beats where label = $1")
        .bind(label)
        .fetch_one(app.db())
        .await
        .expect("beats")
}

async fn wait_until<F, Fut>(what: &str, limit: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !done().await {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_claim_reads_one_index_range_even_with_100000_jobs_waiting() {
    // Arrange: 100,000 timers in the future and a few due jobs, as a busy instance has.
    let app = beat_app(None, None).await;
    let now = app.clock().now();
    sqlx::query(
        "insert into jobs (kind, payload, key, state, run_at, max_attempts, created_at)
         select 'test.beat', '{\"label\": \"later\"}', 'later:' || i, 'pending',
                $1 + interval '1 day' + i * interval '1 second', 25, $1
         from generate_series(1, 100000) i",
    )
    .bind(now)
    .execute(app.db())
    .await
    .expect("timers");
    let mut tx = app.db().begin().await.expect("begin");
    for i in 0..3 {
        let job = Beat {
            label: format!("due{i}"),
            ..Beat::default()
        };
        jobs::enqueue(&mut tx, now, &job, JobSpec::default())
            .await
            .expect("enqueue");
    }
    tx.commit().await.expect("commit");
    sqlx::query("analyze jobs")
        .execute(app.db())
        .await
        .expect("analyze");
    // Act: the worker's own claim, and its plan.
    let started = Instant::now();
    let claimed = jobs::worker::claim(app.db(), "probe", now, Duration::from_secs(10), 16, 16)
        .await
        .expect("claim");
    let took = started.elapsed();
    let plan: Vec<String> = sqlx::query_scalar(
        "explain select id from jobs where state = 'pending' and run_at <= $1
         order by run_at, id limit 16 for update skip locked",
    )
    .bind(now)
    .fetch_all(app.db())
    .await
    .expect("explain");
    // Assert: the three due jobs, found through the index on (run_at, id).
    assert_eq!(claimed.len(), 3);
    let plan = plan.join("\n");
    assert!(plan.contains("jobs_ready_idx"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");
    assert!(took < Duration::from_secs(2), "claim took {took:?}");
    jobs::worker::release(&app.state, "probe")
        .await
        .expect("release");
    assert_eq!(app.run_jobs().await, 3);
}

#[tokio::test]
async fn a_job_held_by_a_process_that_died_runs_again_after_its_lease() {
    // Arrange: a process claimed a job and died without a word (it never renews the lease).
    let workers = WorkerSettings {
        concurrency: 2,
        poll_interval: Duration::from_millis(200),
        lease: Duration::from_secs(1),
        ..WorkerSettings::default()
    };
    let app = beat_app(Some(workers), None).await;
    // Due in two seconds: the live worker cannot take it before the dead process did.
    let due = Utc::now() + chrono::Duration::seconds(2);
    let mut tx = app.db().begin().await.expect("begin");
    jobs::enqueue(
        &mut tx,
        Utc::now(),
        &Beat {
            label: "orphan".into(),
            ..Beat::default()
        },
        JobSpec::at(due),
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    let claimed = jobs::worker::claim(app.db(), "dead-process", due, Duration::from_secs(1), 1, 1)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(beats(&app, "orphan").await, 0);
    // Act + Assert: the live process takes it back once the lease runs out, and runs it once.
    wait_until("the orphaned job run", Duration::from_secs(10), || async {
        beats(&app, "orphan").await == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(beats(&app, "orphan").await, 1, "ran once");
    let left: i64 = sqlx::query_scalar("select count(*) from jobs where kind = 'test.beat'")
        .fetch_one(app.db())
        .await
        .expect("count");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_clean_shutdown_gives_back_what_it_could_not_finish() {
    // Arrange: a job that outlives the shutdown's grace period is running.
    let workers = WorkerSettings {
        concurrency: 2,
        poll_interval: Duration::from_millis(200),
        lease: Duration::from_secs(60),
        ..WorkerSettings::default()
    };
    let mut app = beat_app(Some(workers), Some(Duration::from_millis(500))).await;
    let mut tx = app.db().begin().await.expect("begin");
    jobs::enqueue(
        &mut tx,
        Utc::now(),
        &Beat {
            label: "slow".into(),
            sleep_ms: 30_000,
        },
        JobSpec::default(),
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    wait_until("the slow job to start", Duration::from_secs(5), || async {
        sqlx::query_scalar::<_, i64>("select count(*) from jobs where state = 'running'")
            .fetch_one(app.db())
            .await
            .expect("count")
            == 1
    })
    .await;
    // Act
    let took = app.stop().await;
    // Assert: nothing is left held; the job waits, its attempt not counted, for the next process.
    assert!(took < Duration::from_secs(10), "{took:?}");
    // The application's pool is closed; look from outside.
    let pool = sqlx::PgPool::connect(&crate::support::cluster::database_url(&app.database_name()))
        .await
        .expect("pool");
    let (state, locked_by, attempts): (String, Option<String>, i32) =
        sqlx::query_as("select state, locked_by, attempts from jobs where kind = 'test.beat'")
            .fetch_one(&pool)
            .await
            .expect("job");
    pool.close().await;
    assert_eq!(state, "pending");
    assert_eq!(locked_by, None);
    assert_eq!(attempts, 0);
}

#[tokio::test]
async fn an_event_nobody_listens_to_creates_no_job() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "Vendas").await["id"]
        .as_i64()
        .expect("id");
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    app.run_jobs().await;
    // Act: a message in an account without webhooks, rules or inbox URLs.
    app.post_message(&acme, &acme.admin, &c["id"], json!({"content": "olá"}))
        .await;
    // Assert: the event is recorded (live updates read it), nothing is queued for it.
    let queued: (i64, i64) = sqlx::query_as(
        "select (select count(*) from event_dispatch), (select count(*) from jobs where kind = 'events.dispatch')",
    )
    .fetch_one(app.db())
    .await
    .expect("counts");
    assert_eq!(queued, (0, 0));
    assert!(
        app.events(&acme)
            .await
            .iter()
            .any(|(kind, _)| kind == "message_created")
    );
    // Once a webhook listens, the same kind of event is queued (once per account).
    let receiver = Receiver::start(&[]).await;
    let webhook = app
        .api(
            Method::POST,
            &acme.api("/webhooks"),
            &acme.admin,
            Some(json!({"url": receiver.url, "subscriptions": ["message_created"]})),
        )
        .await;
    assert_eq!(webhook.status, 200, "{}", webhook.text);
    for text in ["um", "dois"] {
        app.post_message(&acme, &acme.admin, &c["id"], json!({"content": text}))
            .await;
    }
    let queued: (i64, i64) = sqlx::query_as(
        "select (select count(*) from event_dispatch), (select count(*) from jobs where kind = 'events.dispatch')",
    )
    .fetch_one(app.db())
    .await
    .expect("counts");
    assert_eq!(queued, (2, 1));
    app.run_jobs().await;
    assert_eq!(receiver.events("message_created").len(), 2);
}

#[tokio::test]
async fn events_written_by_many_clients_at_once_are_all_delivered_once() {
    // Arrange: background workers, a webhook, eight clients posting at the same time.
    let workers = WorkerSettings {
        concurrency: 4,
        poll_interval: Duration::from_millis(500),
        ..WorkerSettings::default()
    };
    let app = TestApp::spawn_with(Options {
        configure: Box::new(move |c| {
            c.workers = workers;
            c.clock = atende::clock::Clock::System;
            c.max_connections = 20;
        }),
        ..Options::default()
    })
    .await;
    let acme = app.create_account("Acme").await;
    let receiver = Receiver::start(&[]).await;
    let webhook = app
        .api(
            Method::POST,
            &acme.api("/webhooks"),
            &acme.admin,
            Some(json!({"url": receiver.url, "subscriptions": ["message_created"]})),
        )
        .await;
    assert_eq!(webhook.status, 200);
    let inbox = app.create_inbox(&acme, "Vendas").await["id"]
        .as_i64()
        .expect("id");
    let mut conversations = Vec::new();
    for i in 0..8 {
        conversations.push(
            app.create_conversation(&acme, inbox, &format!("Cliente {i}"))
                .await["id"]
                .clone(),
        );
    }
    // Act
    let per_client = 40;
    let mut clients = tokio::task::JoinSet::new();
    for (i, conversation) in conversations.iter().enumerate() {
        let (base, token, path) = (
            app.address.clone(),
            acme.admin.token.clone(),
            acme.api(&format!("/conversations/{conversation}/messages")),
        );
        clients.spawn(async move {
            let client = reqwest::Client::new();
            for n in 0..per_client {
                let r = client
                    .post(format!("{base}{path}"))
                    .header("api_access_token", &token)
                    .json(&json!({"content": format!("cliente {i} mensagem {n}"), "message_type": "incoming"}))
                    .send()
                    .await
                    .expect("post");
                assert_eq!(r.status(), 200);
            }
        });
    }
    while clients.join_next().await.is_some() {}
    // Assert: every message reaches the receiver exactly once, in order per conversation.
    let total = 8 * per_client;
    let received = receiver.wait_for(total, Duration::from_secs(30)).await;
    let ids: Vec<i64> = received
        .iter()
        .filter(|r| r.header("x-atende-event") == "message_created")
        .map(|r| r.json()["id"].as_i64().expect("id"))
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), total, "every message delivered");
    assert_eq!(ids.len(), total, "none delivered twice");
    for conversation in &conversations {
        let order: Vec<i64> = received
            .iter()
            .filter(|r| r.json()["conversation"]["id"] == *conversation)
            .map(|r| r.json()["id"].as_i64().expect("id"))
            .collect();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(order, sorted, "in order within conversation {conversation}");
    }
    wait_until("the queues to empty", Duration::from_secs(10), || async {
        sqlx::query_scalar::<_, i64>(
            "select (select count(*) from event_dispatch)
                  + (select count(*) from webhook_deliveries where stage is not null)
                  + (select count(*) from jobs where kind in ('events.dispatch', 'webhooks.send'))",
        )
        .fetch_one(app.db())
        .await
        .expect("count")
            == 0
    })
    .await;
}

#[tokio::test]
async fn a_flooded_account_does_not_delay_another_accounts_timer_or_rule() {
    // Arrange: Acme has 30,000 deliveries waiting for a receiver that answers slowly.
    let workers = WorkerSettings {
        concurrency: 4,
        poll_interval: Duration::from_millis(500),
        ..WorkerSettings::default()
    };
    let app = TestApp::spawn_with(Options {
        configure: Box::new(move |c| {
            c.workers = workers;
            c.clock = atende::clock::Clock::System;
            c.max_connections = 20;
        }),
        ..Options::default()
    })
    .await;
    let slow = axum::Router::new().route(
        "/hook",
        axum::routing::post(|| async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            "ok"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let slow_url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, slow).await });
    let acme = app.create_account("Acme").await;
    let webhook = app
        .api(
            Method::POST,
            &acme.api("/webhooks"),
            &acme.admin,
            Some(json!({"url": slow_url, "subscriptions": ["message_created"]})),
        )
        .await;
    let webhook_id = webhook.json()["payload"]["webhook"]["id"]
        .as_i64()
        .expect("id");
    let inbox = app.create_inbox(&acme, "Vendas").await["id"]
        .as_i64()
        .expect("id");
    let flooded = app.create_conversation(&acme, inbox, "Maria").await;
    let event_id: i64 = {
        app.post_message(
            &acme,
            &acme.admin,
            &flooded["id"],
            json!({"content": "olá"}),
        )
        .await;
        sqlx::query_scalar("select max(id) from events where account_id = $1")
            .bind(acme.id.0)
            .fetch_one(app.db())
            .await
            .expect("event")
    };
    sqlx::query(
        "insert into webhook_deliveries (account_id, event_id, target, webhook_id, url, event, payload, stream,
                                         stage, next_attempt_at, created_at)
         select $1, null, 'webhook:' || $2, $2, $3, 'message_created', '{\"event\": \"message_created\"}',
                'conversation:' || (i % 3000), 'new', now(), now()
         from generate_series(1, 30000) i",
    )
    .bind(acme.id.0)
    .bind(webhook_id)
    .bind(&slow_url)
    .execute(app.db())
    .await
    .expect("flood");
    let _ = event_id;
    {
        let mut conn = app.db().acquire().await.expect("conn");
        atende::webhooks::delivery::Send::wake(
            &mut conn,
            Utc::now(),
            acme.id,
            &format!("webhook:{webhook_id}"),
        )
        .await
        .expect("wake");
    }
    // Globex, next door: a rule that labels incoming messages, and a snooze that ends soon.
    let globex = app.create_account("Globex").await;
    let g_inbox = app.create_inbox(&globex, "Suporte").await["id"]
        .as_i64()
        .expect("id");
    let label = app
        .api(
            Method::POST,
            &globex.api("/labels"),
            &globex.admin,
            Some(json!({"title": "recebida"})),
        )
        .await;
    assert_eq!(label.status, 200);
    let rule = app
        .api(
            Method::POST,
            &globex.api("/automation_rules"),
            &globex.admin,
            Some(json!({
                "name": "Rotular",
                "event_name": "message_created",
                "conditions": [{"attribute_key": "message_type", "filter_operator": "equal_to",
                                "values": ["incoming"], "query_operator": null}],
                "actions": [{"action_name": "add_label", "action_params": ["recebida"]}],
            })),
        )
        .await;
    assert_eq!(rule.status, 200, "{}", rule.text);
    let labeled = app.create_conversation(&globex, g_inbox, "Bia").await;
    let snoozed = app.create_conversation(&globex, g_inbox, "Caio").await;
    tokio::time::sleep(Duration::from_secs(1)).await; // Acme's sender is busy by now
    let wake_at = Utc::now().timestamp() + 2;
    let snooze = app
        .api(
            Method::POST,
            &globex.api(&format!("/conversations/{}/toggle_status", snoozed["id"])),
            &globex.admin,
            Some(json!({"status": "snoozed", "snoozed_until": wake_at})),
        )
        .await;
    assert_eq!(snooze.status, 200, "{}", snooze.text);
    // Act
    let sent = Instant::now();
    app.post_message(
        &globex,
        &globex.admin,
        &labeled["id"],
        json!({"content": "oi", "message_type": "incoming"}),
    )
    .await;
    // Assert: Globex's rule acts within its normal latency, and its snooze ends on time.
    let conversation = |display_id: Value| {
        let (app, globex) = (&app, &globex);
        async move {
            app.api(
                Method::GET,
                &globex.api(&format!("/conversations/{display_id}")),
                &globex.admin,
                None,
            )
            .await
            .json()
        }
    };
    wait_until("Globex's rule", Duration::from_secs(3), || async {
        conversation(labeled["id"].clone()).await["labels"] == json!(["recebida"])
    })
    .await;
    let rule_took = sent.elapsed();
    wait_until("Globex's snooze to end", Duration::from_secs(6), || async {
        conversation(snoozed["id"].clone()).await["status"] == "open"
    })
    .await;
    let woke: chrono::DateTime<Utc> = sqlx::query_scalar(
        "select min(e.created_at) from events e join conversations c on c.id = e.conversation_id
         where c.account_id = $1 and c.display_id = $2 and e.kind = 'conversation_opened'",
    )
    .bind(globex.id.0)
    .bind(snoozed["id"].as_i64().expect("id"))
    .fetch_one(app.db())
    .await
    .expect("woke");
    let late = woke - chrono::DateTime::from_timestamp(wake_at, 0).expect("time");
    assert!(
        late < chrono::Duration::seconds(1),
        "the snooze ended {late} late"
    );
    assert!(
        rule_took < Duration::from_secs(2),
        "the rule took {rule_took:?}"
    );
    let waiting: i64 = sqlx::query_scalar(
        "select count(*) from webhook_deliveries where account_id = $1 and stage is not null",
    )
    .bind(acme.id.0)
    .fetch_one(app.db())
    .await
    .expect("waiting");
    assert!(
        waiting > 20_000,
        "Acme's flood is still being worked through ({waiting} left)"
    );
    app.allow_failed_jobs();
}

/// A webhook's delivery survives a `kill -9` of the process sending it: another process takes
/// the job over when its lease ends, and the receiver gets the event with the same delivery id.
#[tokio::test]
async fn a_delivery_held_by_a_killed_process_is_sent_by_another() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    // Arrange: the first process is killed while its request to the receiver hangs.
    let db = crate::support::cluster::create_database().await;
    let url = crate::support::cluster::database_url(&db);
    let hanging = axum::Router::new().route(
        "/hook",
        axum::routing::post(|| async {
            tokio::time::sleep(Duration::from_secs(600)).await;
            "late"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hanging_url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, hanging).await });
    let created: Value = {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_atende"))
            .args([
                "create-account",
                "--name",
                "Acme",
                "--admin-email",
                "admin@acme.test",
                "--json",
            ])
            .env("DATABASE_URL", &url)
            .output()
            .await
            .expect("create-account");
        serde_json::from_slice(&output.stdout).expect("json")
    };
    let token = created["api_access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let account = created["account_id"].as_i64().expect("account");
    let (mut child, base, _) = crate::foundation::start_binary(
        &[
            ("DATABASE_URL", &url),
            ("ATENDE_WORKERS", "2"),
            ("ATENDE_JOB_LEASE", "2"),
            ("ATENDE_OUTBOUND_ALLOW", "127.0.0.0/8"),
        ],
        &[],
    )
    .await;
    let client = reqwest::Client::new();
    let call = |method: Method, path: String, body: Value| {
        client
            .request(method, format!("{base}/api/v1/accounts/{account}{path}"))
            .header("api_access_token", &token)
            .json(&body)
            .send()
    };
    let webhook: Value = call(
        Method::POST,
        "/webhooks".into(),
        json!({"url": hanging_url, "subscriptions": ["conversation_created"]}),
    )
    .await
    .expect("webhook")
    .json()
    .await
    .expect("json");
    let webhook_id = webhook["payload"]["webhook"]["id"]
        .as_i64()
        .expect("webhook id");
    let inbox: Value = call(
        Method::POST,
        "/inboxes".into(),
        json!({"name": "X", "channel": {"type": "api"}}),
    )
    .await
    .expect("inbox")
    .json()
    .await
    .expect("json");
    let contact: Value = call(
        Method::POST,
        "/contacts".into(),
        json!({"inbox_id": inbox["id"], "name": "Maria", "phone_number": "+5511999990000"}),
    )
    .await
    .expect("contact")
    .json()
    .await
    .expect("json");
    call(
        Method::POST,
        "/conversations".into(),
        json!({"inbox_id": inbox["id"], "contact_id": contact["payload"]["contact"]["id"]}),
    )
    .await
    .expect("conversation");
    let pool = sqlx::PgPool::connect(&url).await.expect("pool");
    wait_until("the send to start", Duration::from_secs(10), || async {
        sqlx::query_scalar::<_, i64>(
            "select count(*) from jobs where kind = 'webhooks.send' and state = 'running'",
        )
        .fetch_one(&pool)
        .await
        .expect("count")
            == 1
    })
    .await;
    // Act: kill -9 mid-request; the receiver comes back; another process starts.
    kill(
        Pid::from_raw(child.id().expect("pid") as i32),
        Signal::SIGKILL,
    )
    .expect("kill");
    child.wait().await.expect("wait");
    let receiver = Receiver::start(&[]).await;
    sqlx::query("update webhooks set url = $1 where id = $2")
        .bind(&receiver.url)
        .bind(webhook_id)
        .execute(&pool)
        .await
        .expect("url");
    sqlx::query("update webhook_deliveries set url = $1")
        .bind(&receiver.url)
        .execute(&pool)
        .await
        .expect("url");
    let (mut second, _, _) = crate::foundation::start_binary(
        &[
            ("DATABASE_URL", &url),
            ("ATENDE_WORKERS", "2"),
            ("ATENDE_JOB_LEASE", "2"),
            ("ATENDE_OUTBOUND_ALLOW", "127.0.0.0/8"),
        ],
        &[],
    )
    .await;
    // Assert: delivered once by the second process, with the delivery id recorded at first.
    let received = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(received.len(), 1, "{received:?}");
    let delivery: uuid::Uuid = sqlx::query_scalar("select delivery_id from webhook_deliveries")
        .fetch_one(&pool)
        .await
        .expect("delivery");
    assert_eq!(
        received[0].header("x-atende-delivery"),
        delivery.to_string()
    );
    wait_until(
        "the delivery to be recorded",
        Duration::from_secs(10),
        || async {
            sqlx::query_scalar::<_, String>("select state from webhook_deliveries")
                .fetch_one(&pool)
                .await
                .expect("state")
                == "succeeded"
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1, "sent once");
    crate::foundation::terminate(&mut second).await;
    pool.close().await;
    crate::support::cluster::drop_database(db).await;
}

/// Adds `count` due probe jobs of `account`, due since `since`, in one statement.
async fn flood_jobs(
    app: &TestApp,
    account: i64,
    count: i64,
    sleep_ms: u64,
    since: chrono::DateTime<Utc>,
) {
    sqlx::query(
        "insert into jobs (kind, payload, state, run_at, max_attempts, account_id, created_at)
         select 'test.beat', jsonb_build_object('label', 'flood', 'sleep_ms', $3::bigint), 'pending',
                $4 + i * interval '1 microsecond', 25, $1, $4
         from generate_series(1, $2) i",
    )
    .bind(account)
    .bind(count)
    .bind(sleep_ms as i64)
    .bind(since)
    .execute(app.db())
    .await
    .expect("flood");
}

async fn job_states(app: &TestApp, account: i64) -> Vec<(String, i64)> {
    sqlx::query_as(
        "select state, count(*) from jobs where account_id = $1 and kind = 'test.beat'
         group by state order by state",
    )
    .bind(account)
    .fetch_all(app.db())
    .await
    .expect("states")
}

#[tokio::test]
async fn a_claim_takes_one_accounts_share_and_reaches_the_jobs_behind_its_flood() {
    // Arrange: Acme has 2,000 due jobs, all older than Globex's one.
    let app = beat_app(None, None).await;
    let acme = app.create_account("Acme").await;
    let globex = app.create_account("Globex").await;
    let now = app.clock().now();
    flood_jobs(
        &app,
        acme.id.0,
        2_000,
        0,
        now - chrono::Duration::minutes(5),
    )
    .await;
    let mut tx = app.db().begin().await.expect("begin");
    let globex_job = jobs::enqueue(
        &mut tx,
        now,
        &Beat {
            label: "globex".into(),
            ..Beat::default()
        },
        JobSpec::default().for_account(globex.id),
    )
    .await
    .expect("enqueue")
    .expect("id");
    tx.commit().await.expect("commit");
    // Act: one claim of four slots, three per account.
    let claimed = jobs::worker::claim(app.db(), "w1", now, Duration::from_secs(10), 4, 3)
        .await
        .expect("claim");
    // Assert: three of Acme's, the oldest, and Globex's.
    let mut per_account: Vec<Option<i64>> = claimed.iter().map(|j| j.account_id).collect();
    per_account.sort();
    assert_eq!(
        per_account,
        vec![
            Some(acme.id.0),
            Some(acme.id.0),
            Some(acme.id.0),
            Some(globex.id.0)
        ]
    );
    assert!(claimed.iter().any(|j| j.id == globex_job.0));
    assert_eq!(
        job_states(&app, acme.id.0).await,
        vec![("pending".to_owned(), 1_997), ("running".to_owned(), 3)]
    );
    // The same process takes no more of Acme's while it holds its share; another one does.
    let more = jobs::worker::claim(app.db(), "w1", now, Duration::from_secs(10), 4, 3)
        .await
        .expect("claim");
    assert!(more.is_empty(), "{more:?}");
    let other = jobs::worker::claim(app.db(), "w2", now, Duration::from_secs(10), 4, 3)
        .await
        .expect("claim");
    assert_eq!(other.len(), 3);
    assert!(other.iter().all(|j| j.account_id == Some(acme.id.0)));
}

#[tokio::test]
async fn an_accounts_share_frees_as_its_jobs_end_and_every_job_runs_once() {
    // Arrange: 50 due jobs of one account; a process took its share of two and died.
    let app = beat_app(None, None).await;
    let acme = app.create_account("Acme").await;
    let now = app.clock().now();
    flood_jobs(&app, acme.id.0, 50, 0, now - chrono::Duration::minutes(1)).await;
    let claimed = jobs::worker::claim(app.db(), "gone", now, Duration::from_secs(1), 8, 2)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 2);
    assert_eq!(
        job_states(&app, acme.id.0).await,
        vec![("pending".to_owned(), 48), ("running".to_owned(), 2)]
    );
    // Act: its leases run out; the test's worker takes everything back and runs it.
    sqlx::query("update jobs set lease_until = $1 where locked_by = 'gone'")
        .bind(now - chrono::Duration::seconds(1))
        .execute(app.db())
        .await
        .expect("expire");
    jobs::worker::reclaim_expired(&app.state)
        .await
        .expect("reclaim");
    let ran = app.run_jobs().await;
    // Assert: every job ran exactly once.
    assert!(ran >= 50, "ran {ran}");
    assert_eq!(beats(&app, "flood").await, 50);
    assert_eq!(job_states(&app, acme.id.0).await, vec![]);
}

#[tokio::test]
async fn thirty_thousand_due_jobs_of_one_account_do_not_delay_another_accounts_snooze() {
    // Arrange: Acme has 30,000 due jobs (5 ms each) that were due before anything of Globex's.
    let workers = WorkerSettings {
        concurrency: 4,
        per_account: 3,
        poll_interval: Duration::from_millis(500),
        ..WorkerSettings::default()
    };
    let app = beat_app(Some(workers), None).await;
    let acme = app.create_account("Acme").await;
    let globex = app.create_account("Globex").await;
    let inbox = app.create_inbox(&globex, "Suporte").await["id"]
        .as_i64()
        .expect("id");
    let snoozed = app.create_conversation(&globex, inbox, "Caio").await;
    flood_jobs(
        &app,
        acme.id.0,
        30_000,
        5,
        Utc::now() - chrono::Duration::minutes(1),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await; // the workers are into Acme's flood
    // Act: Globex snoozes a conversation for two seconds.
    let wake_at = Utc::now().timestamp() + 2;
    let snooze = app
        .api(
            Method::POST,
            &globex.api(&format!("/conversations/{}/toggle_status", snoozed["id"])),
            &globex.admin,
            Some(json!({"status": "snoozed", "snoozed_until": wake_at})),
        )
        .await;
    assert_eq!(snooze.status, 200, "{}", snooze.text);
    // Assert: the snooze ends within a second of its time while Acme's backlog is still there.
    wait_until(
        "Globex's snooze to end",
        Duration::from_secs(10),
        || async {
            let c = app
                .api(
                    Method::GET,
                    &globex.api(&format!("/conversations/{}", snoozed["id"])),
                    &globex.admin,
                    None,
                )
                .await
                .json();
            c["status"] == "open"
        },
    )
    .await;
    let woke: chrono::DateTime<Utc> = sqlx::query_scalar(
        "select min(e.created_at) from events e join conversations c on c.id = e.conversation_id
         where c.account_id = $1 and c.display_id = $2 and e.kind = 'conversation_opened'",
    )
    .bind(globex.id.0)
    .bind(snoozed["id"].as_i64().expect("id"))
    .fetch_one(app.db())
    .await
    .expect("woke");
    let late = woke - chrono::DateTime::from_timestamp(wake_at, 0).expect("time");
    assert!(
        late < chrono::Duration::seconds(1),
        "the snooze ended {late} late"
    );
    eprintln!("flood: the snooze ended {late} after its time");
    let left: i64 = sqlx::query_scalar(
        "select count(*) from jobs where account_id = $1 and kind = 'test.beat'",
    )
    .bind(acme.id.0)
    .fetch_one(app.db())
    .await
    .expect("left");
    assert!(left > 25_000, "Acme's flood is still waiting ({left} left)");
}
