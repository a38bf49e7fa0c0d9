//! The permission matrix for inboxes, contacts, conversations and messages: every route × every
//! kind of caller (administrator, agent, agent with each custom role, another account's
//! administrator, no token).

use std::collections::HashMap;

use atende::roles::Permission;
use reqwest::Method;
use serde_json::{Value, json};

use crate::accounts::matrix::{ACCOUNT_NAME, Actor, World};

/// The account under test with an inbox every member belongs to, and per-caller targets.
struct CoreWorld {
    world: World,
    inbox: i64,
    contact: i64,
    /// A conversation per caller, so state changes by one caller never affect another's row.
    conversations: HashMap<Actor, i64>,
    /// A message per caller (in the caller's conversation) to update and delete.
    messages: HashMap<Actor, i64>,
    /// A contact per caller to delete.
    contacts: HashMap<Actor, i64>,
    /// An inbox per caller to delete.
    inboxes: HashMap<Actor, i64>,
}

impl CoreWorld {
    async fn new() -> CoreWorld {
        let world = World::new().await;
        let (app, acme) = (&world.app, &world.acme);
        let inbox = app.create_inbox(acme, "Principal").await["id"]
            .as_i64()
            .expect("inbox");
        for actor in Actor::all() {
            if actor.is_member() && actor != Actor::Admin {
                app.add_to_inbox(acme, inbox, world.user(actor).expect("member"))
                    .await;
            }
        }
        let contact = app
            .create_contact(acme, inbox, "Cliente Fixo", "+5511900000001")
            .await["id"]
            .as_i64()
            .expect("contact");
        let (mut conversations, mut messages, mut contacts, mut inboxes) = (
            HashMap::new(),
            HashMap::new(),
            HashMap::new(),
            HashMap::new(),
        );
        for (i, actor) in Actor::all().into_iter().enumerate() {
            let c = app
                .create_conversation(acme, inbox, &format!("Cliente {}", actor.slug()))
                .await;
            let m = app
                .post_message(acme, &acme.admin, &c["id"], json!({"content": "mensagem"}))
                .await;
            conversations.insert(actor, c["id"].as_i64().expect("id"));
            messages.insert(actor, m["id"].as_i64().expect("id"));
            let victim = app
                .create_contact(
                    acme,
                    inbox,
                    &format!("Vítima {i}"),
                    &format!("+55119100000{i:02}"),
                )
                .await;
            contacts.insert(actor, victim["id"].as_i64().expect("id"));
            inboxes.insert(
                actor,
                app.create_inbox(acme, &format!("Descartável {i}")).await["id"]
                    .as_i64()
                    .expect("id"),
            );
        }
        CoreWorld {
            world,
            inbox,
            contact,
            conversations,
            messages,
            contacts,
            inboxes,
        }
    }

    fn api(&self, suffix: &str) -> String {
        self.world.acme.api(suffix)
    }

    fn conversation(&self, actor: Actor, suffix: &str) -> String {
        self.api(&format!(
            "/conversations/{}{suffix}",
            self.conversations[&actor]
        ))
    }
}

fn sees_conversations(actor: Actor) -> bool {
    matches!(
        actor,
        Actor::Admin
            | Actor::Agent
            | Actor::Custom(Permission::ConversationManage)
            | Actor::Custom(Permission::ConversationUnassignedManage)
    )
}

fn has(actor: Actor, permission: Permission) -> bool {
    match actor {
        Actor::Admin => true,
        Actor::Agent => Permission::AGENT_DEFAULT.contains(&permission),
        Actor::Custom(p) => p == permission,
        _ => false,
    }
}

/// 200 if the member sees the conversation, else 404 (it does not exist for them).
fn conversation_route(actor: Actor) -> u16 {
    if sees_conversations(actor) { 200 } else { 404 }
}

fn admin_only(actor: Actor) -> u16 {
    if actor == Actor::Admin { 200 } else { 401 }
}

fn any_member(_: Actor) -> u16 {
    200
}

fn contacts(actor: Actor) -> u16 {
    if has(actor, Permission::ContactManage) {
        200
    } else {
        401
    }
}

struct Row {
    method: Method,
    path: fn(&CoreWorld, Actor) -> String,
    body: fn(&CoreWorld, Actor) -> Option<Value>,
    /// Expected status for members of the account (outsiders get 404, anonymous callers 401).
    expect: fn(Actor) -> u16,
}

fn none(_: &CoreWorld, _: Actor) -> Option<Value> {
    None
}

fn rows() -> Vec<Row> {
    vec![
        // Message variables.
        Row {
            method: Method::GET,
            path: |w, _| w.api("/variables"),
            body: none,
            expect: any_member,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api("/variables/preview"),
            body: |w, a| {
                Some(
                    json!({"content": "{{ contact.name }}", "conversation_id": w.conversations[&a]}),
                )
            },
            expect: conversation_route,
        },
        // Inboxes and members.
        Row {
            method: Method::GET,
            path: |w, _| w.api("/inboxes"),
            body: none,
            expect: any_member,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api(&format!("/inboxes/{}", w.inbox)),
            body: none,
            expect: any_member,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api("/inboxes"),
            body: |_, a| {
                Some(json!({"name": format!("Nova {}", a.slug()), "channel": {"type": "api"}}))
            },
            expect: admin_only,
        },
        Row {
            method: Method::PATCH,
            path: |w, _| w.api(&format!("/inboxes/{}", w.inbox)),
            body: |_, _| Some(json!({"greeting_enabled": false})),
            expect: admin_only,
        },
        Row {
            method: Method::DELETE,
            path: |w, a| w.api(&format!("/inboxes/{}", w.inboxes[&a])),
            body: none,
            expect: admin_only,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api(&format!("/inboxes/{}/agent_bot", w.inbox)),
            body: none,
            expect: any_member,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api(&format!("/inbox_members/{}", w.inbox)),
            body: none,
            expect: any_member,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api("/inbox_members"),
            body: |w, _| Some(json!({"inbox_id": w.inbox, "user_ids": [w.world.acme.admin.id]})),
            expect: admin_only,
        },
        // Contacts.
        Row {
            method: Method::GET,
            path: |w, _| w.api("/contacts"),
            body: none,
            expect: contacts,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api("/contacts/search?q=cliente"),
            body: none,
            expect: contacts,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api("/contacts/filter"),
            body: |_, _| {
                Some(
                    json!({"payload": [{"attribute_key": "name", "filter_operator": "contains", "values": ["cliente"]}]}),
                )
            },
            expect: contacts,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api("/contacts"),
            body: |_, a| {
                Some(json!({"name": "Novo", "email": format!("novo-{}@cliente.test", a.slug())}))
            },
            expect: contacts,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api(&format!("/contacts/{}", w.contact)),
            body: none,
            expect: contacts,
        },
        Row {
            method: Method::PUT,
            path: |w, _| w.api(&format!("/contacts/{}", w.contact)),
            body: |_, _| Some(json!({"custom_attributes": {"x": 1}})),
            expect: contacts,
        },
        Row {
            method: Method::DELETE,
            path: |w, a| w.api(&format!("/contacts/{}", w.contacts[&a])),
            body: none,
            expect: admin_only,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api(&format!("/contacts/{}/conversations", w.contact)),
            body: none,
            expect: contacts,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api(&format!("/contacts/{}/labels", w.contact)),
            body: |_, _| Some(json!({"labels": ["vip"]})),
            expect: contacts,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api(&format!("/contacts/{}/notes", w.contact)),
            body: none,
            expect: contacts,
        },
        // Conversations.
        Row {
            method: Method::GET,
            path: |w, _| w.api("/conversations?status=all"),
            body: none,
            expect: any_member,
        },
        Row {
            method: Method::GET,
            path: |w, _| w.api("/conversations/meta"),
            body: none,
            expect: any_member,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api("/conversations/filter"),
            body: |_, _| {
                Some(
                    json!({"payload": [{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"]}]}),
                )
            },
            expect: any_member,
        },
        Row {
            method: Method::GET,
            path: |w, a| w.conversation(a, ""),
            body: none,
            expect: conversation_route,
        },
        Row {
            method: Method::PATCH,
            path: |w, a| w.conversation(a, ""),
            body: |_, _| Some(json!({"priority": "high"})),
            expect: conversation_route,
        },
        Row {
            method: Method::POST,
            path: |w, a| w.conversation(a, "/toggle_priority"),
            body: |_, _| Some(json!({"priority": "low"})),
            expect: conversation_route,
        },
        Row {
            method: Method::POST,
            path: |w, a| w.conversation(a, "/labels"),
            body: |_, _| Some(json!({"labels": ["x"]})),
            expect: conversation_route,
        },
        Row {
            method: Method::POST,
            path: |w, a| w.conversation(a, "/custom_attributes"),
            body: |_, _| Some(json!({"custom_attributes": {}})),
            expect: conversation_route,
        },
        Row {
            method: Method::GET,
            path: |w, a| w.conversation(a, "/participants"),
            body: none,
            expect: conversation_route,
        },
        Row {
            method: Method::POST,
            path: |w, a| w.conversation(a, "/update_last_seen"),
            body: none,
            expect: conversation_route,
        },
        Row {
            method: Method::GET,
            path: |w, a| w.conversation(a, "/messages"),
            body: none,
            expect: conversation_route,
        },
        Row {
            method: Method::POST,
            path: |w, a| w.conversation(a, "/messages"),
            body: |_, _| Some(json!({"content": "resposta"})),
            expect: conversation_route,
        },
        Row {
            method: Method::PATCH,
            path: |w, a| w.conversation(a, &format!("/messages/{}", w.messages[&a])),
            body: |_, _| Some(json!({"status": "delivered"})),
            expect: conversation_route,
        },
        Row {
            method: Method::DELETE,
            path: |w, a| w.conversation(a, &format!("/messages/{}", w.messages[&a])),
            body: none,
            expect: conversation_route,
        },
        Row {
            method: Method::POST,
            path: |w, a| w.conversation(a, "/assignments"),
            body: |w, a| Some(json!({"assignee_id": w.world.user(a).map(|u| u.id.0)})),
            expect: conversation_route,
        },
        Row {
            method: Method::POST,
            path: |w, a| w.conversation(a, "/toggle_status"),
            body: |_, _| Some(json!({"status": "pending"})),
            expect: conversation_route,
        },
        Row {
            method: Method::POST,
            path: |w, a| w.conversation(a, "/mute"),
            body: none,
            expect: conversation_route,
        },
        Row {
            method: Method::DELETE,
            path: |w, a| w.conversation(a, ""),
            body: none,
            // Only administrators delete; the refusal comes before any lookup, so it reveals nothing.
            expect: admin_only,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api("/conversations"),
            body: |w, _| Some(json!({"inbox_id": w.inbox, "contact_id": w.contact})),
            // The answer shows the contact: creating needs what reading it needs.
            expect: contacts,
        },
        Row {
            method: Method::POST,
            path: |w, _| w.api("/bulk_actions"),
            body: |w, a| {
                Some(json!({"type": "Conversation", "ids": [w.conversations[&a]], "fields": {}}))
            },
            expect: any_member,
        },
    ]
}

#[tokio::test]
async fn every_core_route_answers_every_kind_of_caller_as_its_permissions_say() {
    let w = CoreWorld::new().await;
    let mut failures = Vec::new();
    for row in rows() {
        for actor in Actor::all() {
            let path = (row.path)(&w, actor);
            let body = (row.body)(&w, actor);
            let token = w.world.user(actor).map(|u| u.token.as_str());
            let response = w
                .world
                .app
                .request(row.method.clone(), &path, token, body)
                .await;
            // A non-member cannot tell the account exists (404); no token at all is a 401.
            let expected = match actor {
                _ if actor.is_member() => (row.expect)(actor),
                Actor::Outsider => 404,
                _ => 401,
            };
            if response.status.as_u16() != expected {
                failures.push(format!(
                    "{} {path} as {actor:?}: {} (expected {expected}) {}",
                    row.method, response.status, response.text
                ));
            }
            if !actor.is_member()
                && (response.text.contains(ACCOUNT_NAME) || response.text.contains("Cliente"))
            {
                failures.push(format!(
                    "{} {path} as {actor:?} leaked account data",
                    row.method
                ));
            }
        }
    }
    // Queued bulk actions run as their members; they must not fail.
    w.world.app.run_jobs().await;
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
