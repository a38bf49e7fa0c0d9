//! The permission matrix of automation rules and macros: every route × every kind of caller.
//! Rules need `automation_manage`, which only administrators hold (a custom role cannot carry
//! it: rules act on every conversation); macros are every member's, global ones editable only
//! by administrators.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{Value, json};

use super::{action, condition};
use crate::accounts::matrix::{ACCOUNT_NAME, Actor, World};

struct AutomationWorld {
    world: World,
    rule: i64,
    global_macro: i64,
    conversation: i64,
    /// One rule and one global macro per caller to delete.
    victim_rules: HashMap<Actor, i64>,
    victim_macros: HashMap<Actor, i64>,
}

fn rule_body(name: &str) -> Value {
    json!({
        "name": name,
        "event_name": "conversation_created",
        "conditions": [condition("status", "equal_to", json!(["open"]), None)],
        "actions": [action("resolve_conversation", json!(null))],
    })
}

impl AutomationWorld {
    async fn new() -> AutomationWorld {
        let world = World::new().await;
        let (app, acme) = (&world.app, &world.acme);
        let inbox = app.create_inbox(acme, "Principal").await["id"]
            .as_i64()
            .expect("inbox");
        let conversation = app.create_conversation(acme, inbox, "Cliente").await["id"]
            .as_i64()
            .expect("conversation");
        let create = |path: &'static str, body: Value| {
            let (app, acme) = (&world.app, &world.acme);
            async move {
                let response = app
                    .api(Method::POST, &acme.api(path), &acme.admin, Some(body))
                    .await;
                assert_eq!(response.status, 200, "{}", response.text);
                let json = response.json();
                json.get("payload")
                    .unwrap_or(&json)
                    .get("id")
                    .and_then(Value::as_i64)
                    .expect("id")
            }
        };
        let rule = create("/automation_rules", rule_body(ACCOUNT_NAME)).await;
        let macro_body = |name: String| {
            json!({"name": name, "visibility": "global",
                   "actions": [action("resolve_conversation", json!(null))]})
        };
        let global_macro = create("/macros", macro_body(ACCOUNT_NAME.to_owned())).await;
        let mut victim_rules = HashMap::new();
        let mut victim_macros = HashMap::new();
        for actor in Actor::all() {
            let name = format!("Vítima {}", actor.slug());
            victim_rules.insert(actor, create("/automation_rules", rule_body(&name)).await);
            victim_macros.insert(actor, create("/macros", macro_body(name)).await);
        }
        AutomationWorld {
            world,
            rule,
            global_macro,
            conversation,
            victim_rules,
            victim_macros,
        }
    }

    fn api(&self, suffix: &str) -> String {
        self.world.acme.api(suffix)
    }
}

fn automation_managers(actor: Actor) -> bool {
    actor == Actor::Admin
}

fn any_member(actor: Actor) -> bool {
    actor.is_member()
}

fn admin_only(actor: Actor) -> bool {
    actor == Actor::Admin
}

struct Row {
    method: Method,
    path: fn(&AutomationWorld, Actor) -> String,
    body: fn(&AutomationWorld, Actor) -> Option<Value>,
    allowed: fn(Actor) -> bool,
}

fn none(_: &AutomationWorld, _: Actor) -> Option<Value> {
    None
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            method: Method::GET,
            path: |w, _| w.api("/automation_rules"),
            body: none,
            allowed: automation_managers,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api("/automation_rules"),
            body: |_, a| Some(rule_body(&format!("Nova {}", a.slug()))),
            allowed: automation_managers,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api(&format!("/automation_rules/{}", w.rule)),
            body: none,
            allowed: automation_managers,
        },
        Row {
            method: Method::PATCH,
            path: |w, _| w.api(&format!("/automation_rules/{}", w.rule)),
            body: |_, _| Some(json!({"description": "editada"})),
            allowed: automation_managers,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api(&format!("/automation_rules/{}/clone", w.rule)),
            body: none,
            allowed: automation_managers,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api(&format!("/automation_rules/{}/runs", w.rule)),
            body: none,
            allowed: automation_managers,
        },
        Row {
            method: Method::DELETE,
            path: |w, a| w.api(&format!("/automation_rules/{}", w.victim_rules[&a])),
            body: none,
            allowed: automation_managers,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api("/macros"),
            body: none,
            allowed: any_member,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api("/macros"),
            body: |_, a| {
                Some(
                    json!({"name": format!("Minha {}", a.slug()), "visibility": "personal",
                            "actions": [action("resolve_conversation", json!(null))]}),
                )
            },
            allowed: any_member,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api(&format!("/macros/{}", w.global_macro)),
            body: none,
            allowed: any_member,
        },
        Row {
            method: Method::PATCH,
            path: |w, _| w.api(&format!("/macros/{}", w.global_macro)),
            body: |_, _| Some(json!({"visibility": "global"})),
            allowed: admin_only,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api(&format!("/macros/{}/execute", w.global_macro)),
            body: |w, _| Some(json!({"conversation_ids": [w.conversation]})),
            allowed: any_member,
        },
        Row {
            method: Method::DELETE,
            path: |w, a| w.api(&format!("/macros/{}", w.victim_macros[&a])),
            body: none,
            allowed: admin_only,
        },
    ]
}

#[tokio::test]
async fn every_automation_route_answers_every_kind_of_caller_as_its_permissions_say() {
    let w = AutomationWorld::new().await;
    let mut failures = Vec::new();
    for row in rows() {
        for actor in Actor::all() {
            let path = (row.path)(&w, actor);
            let token = w.world.user(actor).map(|u| u.token.as_str());
            let response = w
                .world
                .app
                .request(row.method.clone(), &path, token, (row.body)(&w, actor))
                .await;
            // A non-member cannot tell the account exists; a member without the right is a 401.
            let expected = match actor {
                Actor::Outsider => 404,
                _ if (row.allowed)(actor) => 200,
                _ => 401,
            };
            if response.status.as_u16() != expected {
                failures.push(format!(
                    "{} {path} as {actor:?}: {} (expected {expected}) {}",
                    row.method, response.status, response.text
                ));
            }
            if expected != 200 && response.text.contains(ACCOUNT_NAME) {
                failures.push(format!("{} {path} as {actor:?} leaked", row.method));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A page of the settings, and who may open it.
struct PageRow {
    method: Method,
    path: fn(&AutomationWorld, Actor) -> String,
    allowed: fn(Actor) -> bool,
}

fn page_rows() -> Vec<PageRow> {
    vec![
        PageRow {
            method: Method::GET,
            path: |w, _| w.world.acme.page("/settings/automation"),
            allowed: automation_managers,
        },
        PageRow {
            method: Method::GET,
            path: |w, _| w.world.acme.page("/settings/automation/new"),
            allowed: automation_managers,
        },
        PageRow {
            method: Method::GET,
            path: |w, _| {
                w.world
                    .acme
                    .page(&format!("/settings/automation/{}", w.rule))
            },
            allowed: automation_managers,
        },
        PageRow {
            method: Method::GET,
            path: |w, _| {
                w.world
                    .acme
                    .page(&format!("/settings/automation/{}/edit", w.rule))
            },
            allowed: automation_managers,
        },
        PageRow {
            method: Method::POST,
            path: |w, _| {
                w.world
                    .acme
                    .page(&format!("/settings/automation/{}/toggle", w.rule))
            },
            allowed: automation_managers,
        },
        PageRow {
            method: Method::POST,
            path: |w, _| {
                w.world
                    .acme
                    .page(&format!("/settings/automation/{}/clone", w.rule))
            },
            allowed: automation_managers,
        },
        PageRow {
            method: Method::POST,
            path: |w, a| {
                w.world.acme.page(&format!(
                    "/settings/automation/{}/delete",
                    w.victim_rules[&a]
                ))
            },
            allowed: automation_managers,
        },
        PageRow {
            method: Method::GET,
            path: |w, _| w.world.acme.page("/settings/macros"),
            allowed: any_member,
        },
        PageRow {
            method: Method::GET,
            path: |w, _| w.world.acme.page("/settings/macros/new"),
            allowed: any_member,
        },
        PageRow {
            method: Method::GET,
            path: |w, _| {
                w.world
                    .acme
                    .page(&format!("/settings/macros/{}/edit", w.global_macro))
            },
            allowed: admin_only,
        },
        PageRow {
            method: Method::POST,
            path: |w, a| {
                w.world
                    .acme
                    .page(&format!("/settings/macros/{}/delete", w.victim_macros[&a]))
            },
            allowed: admin_only,
        },
    ]
}

#[tokio::test]
async fn every_automation_page_answers_every_kind_of_caller_as_its_permissions_say() {
    let w = AutomationWorld::new().await;
    let mut failures = Vec::new();
    for actor in Actor::all() {
        let browser = w.world.app.browser();
        if let Some(user) = w.world.user(actor) {
            browser.sign_in(user).await;
        }
        for row in page_rows() {
            let path = (row.path)(&w, actor);
            let response = if row.method == Method::GET {
                browser.get(&path).await
            } else {
                browser.post_form(&path, &[]).await
            };
            let expected = match actor {
                Actor::Anonymous => 303,
                Actor::Outsider => 404,
                _ if (row.allowed)(actor) && row.method == Method::GET => 200,
                _ if (row.allowed)(actor) => 303,
                _ => 403,
            };
            if response.status.as_u16() != expected {
                failures.push(format!(
                    "{} {path} as {actor:?}: {} (expected {expected})",
                    row.method, response.status
                ));
            }
            if !actor.is_member() && response.text.contains(ACCOUNT_NAME) {
                failures.push(format!("{} {path} as {actor:?} leaked", row.method));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
