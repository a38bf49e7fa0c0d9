//! The kept conversation counts against a full count: after any sequence of creates, status
//! changes, assignments, team changes, moves between inboxes, incoming messages and deletes, the
//! counts table holds exactly what counting the conversations gives, and `meta` answers the same
//! as a count would, for an administrator and for an agent limited to one inbox. The kept label
//! counts (per label and status) equal a full count too, and the lists filtered by a label, which
//! use them to choose how to read each status, list exactly what a plain query lists.

use atende::accounts::model::Role;
use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::accounts::{TestAccount, TestUser};

#[derive(Clone, Debug)]
enum Op {
    Create { inbox: usize, status: usize },
    Status { at: usize, status: usize },
    Assign { at: usize, agent: Option<usize> },
    Team { at: usize, team: Option<usize> },
    Move { at: usize, inbox: usize },
    Incoming { at: usize },
    Labels { at: usize, mask: usize },
    Delete { at: usize },
}

const LABELS: [&str; 3] = ["vip", "boleto", "troca"];

const STATUSES: [&str; 4] = ["open", "resolved", "pending", "snoozed"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2usize, 0..4usize).prop_map(|(inbox, status)| Op::Create { inbox, status }),
        3 => (any::<usize>(), 0..4usize).prop_map(|(at, status)| Op::Status { at, status }),
        2 => (any::<usize>(), proptest::option::of(0..2usize)).prop_map(|(at, agent)| Op::Assign { at, agent }),
        2 => (any::<usize>(), proptest::option::of(0..2usize)).prop_map(|(at, team)| Op::Team { at, team }),
        1 => (any::<usize>(), 0..2usize).prop_map(|(at, inbox)| Op::Move { at, inbox }),
        2 => any::<usize>().prop_map(|at| Op::Incoming { at }),
        3 => (any::<usize>(), 0..8usize).prop_map(|(at, mask)| Op::Labels { at, mask }),
        1 => any::<usize>().prop_map(|at| Op::Delete { at }),
    ]
}

struct World {
    app: TestApp,
    acme: TestAccount,
    agents: Vec<TestUser>,
    inboxes: Vec<i64>,
    teams: Vec<i64>,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inboxes = vec![
        app.create_inbox(&acme, "Vendas").await["id"]
            .as_i64()
            .expect("id"),
        app.create_inbox(&acme, "Suporte").await["id"]
            .as_i64()
            .expect("id"),
    ];
    let mut agents = Vec::new();
    for name in ["Ana", "Bia"] {
        let agent = app.add_member(&acme, name, Role::Agent, None).await;
        app.add_to_inbox(&acme, inboxes[0], &agent).await;
        agents.push(agent);
    }
    let mut teams = Vec::new();
    for name in ["Um", "Dois"] {
        let team = app
            .api(
                Method::POST,
                &acme.api("/teams"),
                &acme.admin,
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(team.status, 200, "{}", team.text);
        teams.push(team.json()["id"].as_i64().expect("team id"));
    }
    World {
        app,
        acme,
        agents,
        inboxes,
        teams,
    }
}

impl World {
    async fn call(&self, method: Method, path: String, body: Option<Value>) {
        let response = self
            .app
            .api(method, &self.acme.api(&path), &self.acme.admin, body)
            .await;
        assert!(
            response.status.is_success(),
            "{path}: {} {}",
            response.status,
            response.text
        );
    }

    async fn apply(&self, op: &Op, live: &mut Vec<i64>, serial: &mut usize) {
        let pick = |at: usize| live.get(at % live.len().max(1)).copied();
        match op.clone() {
            Op::Create { inbox, status } => {
                *serial += 1;
                let contact = self
                    .app
                    .create_contact(
                        &self.acme,
                        self.inboxes[inbox],
                        &format!("Cliente {serial}"),
                        &format!("+55119{serial:08}"),
                    )
                    .await;
                let c = self
                    .app
                    .api(
                        Method::POST,
                        &self.acme.api("/conversations"),
                        &self.acme.admin,
                        Some(json!({"inbox_id": self.inboxes[inbox], "contact_id": contact["id"]})),
                    )
                    .await;
                assert_eq!(c.status, 200, "{}", c.text);
                let id = c.json()["id"].as_i64().expect("id");
                if status != 0 {
                    self.call(
                        Method::POST,
                        format!("/conversations/{id}/toggle_status"),
                        Some(json!({"status": STATUSES[status]})),
                    )
                    .await;
                }
                live.push(id);
            }
            Op::Status { at, status } => {
                if let Some(id) = pick(at) {
                    self.call(
                        Method::POST,
                        format!("/conversations/{id}/toggle_status"),
                        Some(json!({"status": STATUSES[status]})),
                    )
                    .await;
                }
            }
            Op::Assign { at, agent } => {
                if let Some(id) = pick(at) {
                    let assignee = agent.map(|a| self.agents[a].id.0);
                    self.call(
                        Method::POST,
                        format!("/conversations/{id}/assignments"),
                        Some(json!({"assignee_id": assignee})),
                    )
                    .await;
                }
            }
            Op::Team { at, team } => {
                if let Some(id) = pick(at) {
                    let team = team.map(|t| self.teams[t]);
                    self.call(
                        Method::POST,
                        format!("/conversations/{id}/assignments"),
                        Some(json!({"team_id": team})),
                    )
                    .await;
                }
            }
            Op::Move { at, inbox } => {
                // No API moves a conversation between inboxes; the counts must follow anyway.
                if let Some(id) = pick(at) {
                    sqlx::query("update conversations set inbox_id = $1 where account_id = $2 and display_id = $3")
                        .bind(self.inboxes[inbox])
                        .bind(self.acme.id.0)
                        .bind(id)
                        .execute(self.app.db())
                        .await
                        .expect("move");
                }
            }
            Op::Incoming { at } => {
                if let Some(id) = pick(at) {
                    self.call(
                        Method::POST,
                        format!("/conversations/{id}/messages"),
                        Some(json!({"content": "oi", "message_type": "incoming"})),
                    )
                    .await;
                }
            }
            Op::Labels { at, mask } => {
                if let Some(id) = pick(at) {
                    let labels: Vec<&str> = LABELS
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| mask & (1 << i) != 0)
                        .map(|(_, l)| *l)
                        .collect();
                    self.call(
                        Method::POST,
                        format!("/conversations/{id}/labels"),
                        Some(json!({"labels": labels})),
                    )
                    .await;
                }
            }
            Op::Delete { at } => {
                if let Some(id) = pick(at) {
                    self.call(Method::DELETE, format!("/conversations/{id}"), None)
                        .await;
                    live.retain(|c| *c != id);
                }
            }
        }
    }

    async fn check(&self) {
        let db = self.app.db();
        let counted: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(
            "select inbox_id, status, coalesce(assignee_id, 0), coalesce(team_id, 0), count(*)
             from conversations where account_id = $1 group by 1, 2, 3, 4 order by 1, 2, 3, 4",
        )
        .bind(self.acme.id.0)
        .fetch_all(db)
        .await
        .expect("count");
        let kept: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(
            "select inbox_id, status, assignee_id, team_id, n from conversation_counts
             where account_id = $1 and n <> 0 order by 1, 2, 3, 4",
        )
        .bind(self.acme.id.0)
        .fetch_all(db)
        .await
        .expect("kept");
        assert_eq!(kept, counted, "kept counts differ from a full count");
        type LabelCell = (String, i64, String, i64, i64, i64);
        let counted: Vec<LabelCell> = sqlx::query_as(
            "select l, inbox_id, status, coalesce(assignee_id, 0), coalesce(team_id, 0), count(*)
             from conversations, unnest(labels) l
             where account_id = $1 group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5",
        )
        .bind(self.acme.id.0)
        .fetch_all(db)
        .await
        .expect("count labels");
        let kept: Vec<LabelCell> = sqlx::query_as(
            "select label, inbox_id, status, assignee_id, team_id, n from conversation_label_counts
             where account_id = $1 and n <> 0 order by 1, 2, 3, 4, 5",
        )
        .bind(self.acme.id.0)
        .fetch_all(db)
        .await
        .expect("kept labels");
        assert_eq!(kept, counted, "kept label counts differ from a full count");
        self.check_label_lists().await;
        // `meta` for the administrator and for Ana (an agent of the first inbox only).
        for (user, inboxes) in [
            (&self.acme.admin, vec![self.inboxes[0], self.inboxes[1]]),
            (&self.agents[0], vec![self.inboxes[0]]),
        ] {
            for status in ["open", "resolved", "all"] {
                for inbox in [None, Some(self.inboxes[0])] {
                    let mut path = format!("/conversations/meta?status={status}");
                    if let Some(inbox) = inbox {
                        path.push_str(&format!("&inbox_id={inbox}"));
                    }
                    let meta = self
                        .app
                        .api(Method::GET, &self.acme.api(&path), user, None)
                        .await
                        .json()["meta"]
                        .clone();
                    let (mine, unassigned, all): (i64, i64, i64) = sqlx::query_as(
                        "select count(*) filter (where assignee_id = $2), count(*) filter (where assignee_id is null), count(*)
                         from conversations where account_id = $1 and inbox_id = any($3)
                           and ($4 = 'all' or status = $4) and ($5::int8 is null or inbox_id = $5)",
                    )
                    .bind(self.acme.id.0)
                    .bind(user.id.0)
                    .bind(&inboxes)
                    .bind(status)
                    .bind(inbox)
                    .fetch_one(db)
                    .await
                    .expect("count");
                    assert_eq!(
                        meta,
                        json!({"mine_count": mine, "unassigned_count": unassigned, "assigned_count": all - unassigned, "all_count": all}),
                        "{path} for user {}",
                        user.id
                    );
                }
            }
        }
    }
}

impl World {
    /// A list filtered by each label (the filter API, and the list's `labels` parameter for
    /// every status) holds the conversations a plain query finds, in the same order.
    async fn check_label_lists(&self) {
        let db = self.app.db();
        let ids = |response: &Value, at: &str| -> Vec<i64> {
            response
                .pointer(at)
                .and_then(Value::as_array)
                .map(|list| list.iter().filter_map(|c| c["id"].as_i64()).collect())
                .unwrap_or_default()
        };
        for label in LABELS {
            for status in ["all", "open", "resolved", "pending", "snoozed"] {
                let expected: Vec<i64> = sqlx::query_scalar(
                    "select display_id from conversations where account_id = $1 and $2 = any(labels)
                       and ($3 = 'all' or status = $3)
                     order by last_activity_at desc, id desc limit 25",
                )
                .bind(self.acme.id.0)
                .bind(label)
                .bind(status)
                .fetch_all(db)
                .await
                .expect("plain query");
                let listed = self
                    .app
                    .api(
                        Method::GET,
                        &self
                            .acme
                            .api(&format!("/conversations?status={status}&labels[]={label}")),
                        &self.acme.admin,
                        None,
                    )
                    .await;
                assert_eq!(listed.status, 200, "{}", listed.text);
                assert_eq!(
                    ids(&listed.json(), "/data/payload"),
                    expected,
                    "list of {label}, {status}"
                );
                // The tab counts of one label come from its kept counts: exact, for the
                // administrator and for Ana (an agent of the first inbox only).
                for (user, inboxes) in [
                    (&self.acme.admin, self.inboxes.clone()),
                    (&self.agents[0], vec![self.inboxes[0]]),
                ] {
                    let path = format!("/conversations/meta?status={status}&labels[]={label}");
                    let meta = self
                        .app
                        .api(Method::GET, &self.acme.api(&path), user, None)
                        .await
                        .json()["meta"]
                        .clone();
                    let (mine, unassigned, all): (i64, i64, i64) = sqlx::query_as(
                        "select count(*) filter (where assignee_id = $2), count(*) filter (where assignee_id is null), count(*)
                         from conversations where account_id = $1 and inbox_id = any($3)
                           and ($4 = 'all' or status = $4) and $5 = any(labels)",
                    )
                    .bind(self.acme.id.0)
                    .bind(user.id.0)
                    .bind(&inboxes)
                    .bind(status)
                    .bind(label)
                    .fetch_one(db)
                    .await
                    .expect("count");
                    assert_eq!(
                        meta,
                        json!({"mine_count": mine, "unassigned_count": unassigned, "assigned_count": all - unassigned, "all_count": all}),
                        "{path} for user {}",
                        user.id
                    );
                }
                if status == "all" {
                    let filtered = self
                        .app
                        .api(
                            Method::POST,
                            &self.acme.api("/conversations/filter"),
                            &self.acme.admin,
                            Some(json!({"payload": [{"attribute_key": "labels", "filter_operator": "equal_to", "values": [label]}]})),
                        )
                        .await;
                    assert_eq!(filtered.status, 200, "{}", filtered.text);
                    assert_eq!(
                        ids(&filtered.json(), "/payload"),
                        expected,
                        "filter of {label}"
                    );
                    let all: i64 = sqlx::query_scalar(
                        "select count(*) from conversations where account_id = $1 and $2 = any(labels)",
                    )
                    .bind(self.acme.id.0)
                    .bind(label)
                    .fetch_one(db)
                    .await
                    .expect("count");
                    assert_eq!(
                        filtered.json()["meta"]["all_count"],
                        all,
                        "filter of {label}"
                    );
                    assert!(filtered.json()["meta"].get("counts_capped").is_none());
                }
            }
        }
    }
}

#[test]
fn kept_counts_equal_a_full_count_after_any_sequence_of_changes() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let world = runtime.block_on(world());
    // Every contact gets a new phone number, across cases.
    let contacts = std::sync::Mutex::new(0usize);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 12,
        ..ProptestConfig::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 5..30), |ops| {
            runtime.block_on(async {
                // Each case starts from the conversations earlier cases left.
                let mut live: Vec<i64> = sqlx::query_scalar(
                    "select display_id from conversations where account_id = $1 order by id",
                )
                .bind(world.acme.id.0)
                .fetch_all(world.app.db())
                .await
                .expect("existing");
                let mut serial = *contacts.lock().expect("lock");
                for op in &ops {
                    world.apply(op, &mut live, &mut serial).await;
                }
                *contacts.lock().expect("lock") = serial;
                world.app.run_jobs().await;
                world.check().await;
            });
            Ok(())
        })
        .expect("counts agree");
    runtime.block_on(async move { drop(world) });
}
