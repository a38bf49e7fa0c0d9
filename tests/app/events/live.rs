use std::time::Duration;

use atende::accounts::model::Role;
use atende::config::WorkerSettings;
use atende::jobs::{self, Job, JobError, JobSpec};
use atende::state::AppState;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::support::{Options, TestApp};

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn an_agent_never_receives_events_of_an_inbox_they_are_not_in() {
    // Arrange: Ana works in Vendas, Bia in Suporte.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let sales = app.create_inbox(&acme, "Vendas").await["id"]
        .as_i64()
        .expect("id");
    let support = app.create_inbox(&acme, "Suporte").await["id"]
        .as_i64()
        .expect("id");
    let ana = app.add_member(&acme, "Ana", Role::Agent, None).await;
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    app.add_to_inbox(&acme, sales, &ana).await;
    app.add_to_inbox(&acme, support, &bia).await;
    let sales_conversation = app
        .create_conversation(&acme, sales, "Cliente Vendas")
        .await;
    let support_conversation = app
        .create_conversation(&acme, support, "Cliente Suporte")
        .await;
    let (ana_browser, bia_browser) = (app.browser(), app.browser());
    ana_browser.sign_in(&ana).await;
    bia_browser.sign_in(&bia).await;
    let mut ana_stream = ana_browser.sse(&acme.page("/events"), None).await;
    let mut bia_stream = bia_browser.sse(&acme.page("/events"), None).await;
    // Act
    let sent = app
        .post_message(
            &acme,
            &acme.admin,
            &sales_conversation["id"],
            json!({"content": "só para Vendas"}),
        )
        .await;
    app.post_message(
        &acme,
        &acme.admin,
        &support_conversation["id"],
        json!({"content": "só para Suporte"}),
    )
    .await;
    // Assert: Ana gets her inbox's message; Bia's first message event is her own inbox's.
    let ana_event = ana_stream
        .next_named("message_created", WAIT)
        .await
        .expect("ana's event");
    assert_eq!(
        ana_event.json()["conversation_id"],
        sales_conversation["id"]
    );
    assert_eq!(ana_event.json()["message_id"], sent["id"]);
    let bia_event = bia_stream
        .next_named("message_created", WAIT)
        .await
        .expect("bia's event");
    assert_eq!(
        bia_event.json()["conversation_id"],
        support_conversation["id"]
    );
    while let Some(event) = ana_stream.next(Duration::from_millis(500)).await {
        assert_ne!(
            event.json()["conversation_id"],
            support_conversation["id"],
            "{event:?}"
        );
    }
}

#[tokio::test]
async fn a_reconnecting_browser_gets_what_it_missed_with_last_event_id() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "Vendas").await["id"]
        .as_i64()
        .expect("id");
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    let browser = app.browser();
    browser.sign_in(&acme.admin).await;
    let mut stream = browser.sse(&acme.page("/events"), None).await;
    app.post_message(&acme, &acme.admin, &c["id"], json!({"content": "primeira"}))
        .await;
    let first = stream
        .next_named("message_created", WAIT)
        .await
        .expect("first");
    let last_id = first.id.clone().expect("id");
    drop(stream);
    let second = app
        .post_message(&acme, &acme.admin, &c["id"], json!({"content": "segunda"}))
        .await;
    let third = app
        .post_message(&acme, &acme.admin, &c["id"], json!({"content": "terceira"}))
        .await;
    let mut again = browser.sse(&acme.page("/events"), Some(&last_id)).await;
    let missed_a = again
        .next_named("message_created", WAIT)
        .await
        .expect("missed");
    let missed_b = again
        .next_named("message_created", WAIT)
        .await
        .expect("missed");
    assert_eq!(missed_a.json()["message_id"], second["id"]);
    assert_eq!(missed_b.json()["message_id"], third["id"]);
    assert!(
        missed_a.id.expect("id").parse::<i64>().expect("n") > last_id.parse::<i64>().expect("n")
    );
}

#[tokio::test]
async fn an_event_committed_after_a_newer_one_still_reaches_the_browser() {
    // Arrange: event ids come from a sequence at insert, notifications in commit order.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "Vendas").await["id"]
        .as_i64()
        .expect("id");
    let c = app.create_conversation(&acme, inbox, "Maria").await;
    let (conversation, contact): (i64, i64) = sqlx::query_as(
        "select id, contact_id from conversations where account_id = $1 and display_id = $2",
    )
    .bind(acme.id.0)
    .bind(c["id"].as_i64().expect("display id"))
    .fetch_one(app.db())
    .await
    .expect("conversation");
    let browser = app.browser();
    browser.sign_in(&acme.admin).await;
    let mut stream = browser.sse(&acme.page("/events"), None).await;
    let actor = atende::auth::context::Actor::System {
        account_id: acme.id,
        locale: atende::i18n::Locale::PtBr,
    };
    let event =
        || {
            atende::events::NewEvent::new(atende::events::EventKind::ConversationUpdated)
                .conversation(conversation, inbox, contact)
        };
    // Act: the older event's transaction commits after the newer one's.
    let mut older = app.db().begin().await.expect("begin");
    atende::events::record(&mut older, acme.id, &actor, chrono::Utc::now(), &[event()])
        .await
        .expect("older");
    let mut newer = app.db().begin().await.expect("begin");
    atende::events::record(&mut newer, acme.id, &actor, chrono::Utc::now(), &[event()])
        .await
        .expect("newer");
    newer.commit().await.expect("commit newer");
    let first = stream
        .next_named("conversation_updated", WAIT)
        .await
        .expect("the newer event");
    older.commit().await.expect("commit older");
    // Assert: the older one arrives too, after the newer.
    let second = stream
        .next_named("conversation_updated", WAIT)
        .await
        .expect("the older event, committed last");
    let id = |e: &crate::support::browser::SseMessage| {
        e.id.clone().expect("id").parse::<i64>().expect("number")
    };
    assert!(
        id(&second) < id(&first),
        "{} then {}",
        id(&first),
        id(&second)
    );
}

#[tokio::test]
async fn a_lost_listener_connection_tells_browsers_to_resync() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    browser.sign_in(&acme.admin).await;
    let mut stream = browser.sse(&acme.page("/events"), None).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    sqlx::query("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%atende_events%'")
        .execute(app.db())
        .await
        .expect("terminate listener");
    assert!(
        stream
            .next_named("resync", Duration::from_secs(10))
            .await
            .is_some(),
        "no resync"
    );
}

#[tokio::test]
async fn event_streams_end_cleanly_when_the_server_stops() {
    let mut app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = app.browser();
    browser.sign_in(&acme.admin).await;
    let mut stream = browser.sse(&acme.page("/events"), None).await;
    let took = app.stop().await;
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(
        stream.ended(Duration::from_secs(5)).await,
        "the stream did not end"
    );
}

#[tokio::test]
async fn a_message_created_through_one_process_reaches_a_browser_on_another() {
    // Arrange: two applications on one database.
    let a = TestApp::spawn().await;
    let b = TestApp::spawn_with(Options {
        database: Some(a.database_name()),
        ..Options::default()
    })
    .await;
    let acme = a.create_account("Acme").await;
    let inbox = a.create_inbox(&acme, "Vendas").await["id"]
        .as_i64()
        .expect("id");
    let c = a.create_conversation(&acme, inbox, "Maria").await;
    let browser = b.browser();
    browser.sign_in(&acme.admin).await;
    let mut stream = browser.sse(&acme.page("/events"), None).await;
    // Act: the message goes through process A.
    let sent = a
        .post_message(&acme, &acme.admin, &c["id"], json!({"content": "via A"}))
        .await;
    // Assert: the browser connected to B sees it.
    let event = stream
        .next_named("message_created", WAIT)
        .await
        .expect("event through B");
    assert_eq!(event.json()["message_id"], sent["id"]);
}

#[derive(Debug, Serialize, Deserialize)]
struct Tally {
    n: i64,
}

impl Job for Tally {
    const KIND: &'static str = "test.tally";

    async fn run(self, app: AppState) -> Result<(), JobError> {
        sqlx::query("insert into tally (n, port) values ($1, $2)")
            .bind(self.n)
            .bind(i32::from(app.config.bind.port()))
            .execute(&app.db)
            .await?;
        tokio::time::sleep(Duration::from_millis(5)).await;
        Ok(())
    }
}

#[tokio::test]
async fn jobs_run_exactly_once_across_two_processes() {
    let options = || {
        let mut jobs = atende::app::job_registry();
        jobs.register::<Tally>();
        let workers = WorkerSettings {
            concurrency: 3,
            poll_interval: Duration::from_millis(200),
            ..WorkerSettings::default()
        };
        Options {
            jobs,
            configure: Box::new(move |c| c.workers = workers),
            ..Options::default()
        }
    };
    let a = TestApp::spawn_with(options()).await;
    let b = TestApp::spawn_with(Options {
        database: Some(a.database_name()),
        ..options()
    })
    .await;
    sqlx::query("create table tally (n bigint not null, port integer not null)")
        .execute(a.db())
        .await
        .expect("table");
    let mut tx = a.db().begin().await.expect("begin");
    for n in 0..60 {
        jobs::enqueue(&mut tx, a.clock().now(), &Tally { n }, JobSpec::default())
            .await
            .expect("enqueue");
    }
    tx.commit().await.expect("commit");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let left: i64 = sqlx::query_scalar("select count(*) from jobs where kind = 'test.tally'")
            .fetch_one(a.db())
            .await
            .expect("count");
        if left == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{left} jobs left");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (runs, distinct, processes): (i64, i64, i64) =
        sqlx::query_as("select count(*), count(distinct n), count(distinct port) from tally")
            .fetch_one(a.db())
            .await
            .expect("tally");
    assert_eq!((runs, distinct), (60, 60), "each job ran exactly once");
    assert_eq!(processes, 2, "both processes took work");
    drop(b);
}

#[tokio::test]
async fn the_event_stream_needs_a_signed_in_member() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let other = app.create_account("Beta").await;
    let anonymous = app.browser().get(&acme.page("/events")).await;
    assert_eq!(anonymous.status, 303);
    let outsider = app.browser();
    outsider.sign_in(&other.admin).await;
    assert_eq!(outsider.get(&acme.page("/events")).await.status, 404);
    let _ = Method::GET;
}
