//! The permission matrix: every API route and account page × every kind of caller. Routes of
//! later features are added to the tables below.

use std::collections::HashMap;

use atende::accounts::model::Role;
use atende::ids::CustomRoleId;
use atende::roles::Permission;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::accounts::{TestAccount, TestUser};

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    Admin,
    Agent,
    Custom(Permission),
    /// An administrator of another account.
    Outsider,
    Anonymous,
}

impl Actor {
    pub fn all() -> Vec<Actor> {
        let mut all = vec![Actor::Admin, Actor::Agent];
        all.extend(Permission::ASSIGNABLE.iter().map(|p| Actor::Custom(*p)));
        all.extend([Actor::Outsider, Actor::Anonymous]);
        all
    }

    pub fn slug(self) -> String {
        match self {
            Actor::Custom(p) => p.as_str().replace('_', ""),
            other => format!("{other:?}").to_lowercase(),
        }
    }

    pub fn is_member(self) -> bool {
        !matches!(self, Actor::Outsider | Actor::Anonymous)
    }
}

/// Secrets of the account under test that must never reach an outsider.
pub const ACCOUNT_NAME: &str = "Conta Alfa Secreta";

/// The account under test, its callers, and per-caller targets for destructive routes.
pub struct World {
    pub app: TestApp,
    pub acme: TestAccount,
    pub users: HashMap<Actor, TestUser>,
    /// A member every caller may try to edit.
    pub target: TestUser,
    /// One member per caller to delete (so each allowed delete has something to delete).
    pub victims: HashMap<Actor, TestUser>,
    /// One custom role per caller to delete.
    pub victim_roles: HashMap<Actor, CustomRoleId>,
    /// A custom role to read and edit.
    pub role: CustomRoleId,
    /// A label to read and edit.
    pub label: i64,
    /// A team to read and edit, and whose membership every caller may try to change.
    pub team: i64,
    /// A canned response to edit.
    pub canned: i64,
    /// A custom attribute definition to read and edit.
    pub attribute: i64,
    /// One label per caller to delete.
    pub victim_labels: HashMap<Actor, i64>,
    /// One team per caller to delete.
    pub victim_teams: HashMap<Actor, i64>,
    /// One canned response per caller to delete.
    pub victim_canned: HashMap<Actor, i64>,
    /// One custom attribute definition per caller to delete.
    pub victim_attributes: HashMap<Actor, i64>,
    /// An inbox to read.
    pub inbox: i64,
    /// A webhook to read.
    pub webhook: i64,
}

async fn create_role(
    app: &TestApp,
    acme: &TestAccount,
    name: &str,
    permissions: &[Permission],
) -> CustomRoleId {
    let names: Vec<&str> = permissions.iter().map(|p| p.as_str()).collect();
    let response = app
        .api(
            Method::POST,
            &acme.api("/custom_roles"),
            &acme.admin,
            Some(json!({"name": name, "permissions": names})),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    CustomRoleId(response.json()["id"].as_i64().expect("id"))
}

/// Creates a record of `resource` as the administrator and returns its id.
async fn create_as_admin(app: &TestApp, acme: &TestAccount, resource: &str, body: Value) -> i64 {
    let response = app
        .api(
            Method::POST,
            &acme.api(&format!("/{resource}")),
            &acme.admin,
            Some(body),
        )
        .await;
    assert_eq!(response.status, 200, "{resource}: {}", response.text);
    response.json()["id"].as_i64().expect("id")
}

/// A label, a team, a canned response and a custom attribute definition named after `slug`.
async fn create_resources(app: &TestApp, acme: &TestAccount, slug: &str) -> [i64; 4] {
    [
        create_as_admin(app, acme, "labels", json!({"title": slug})).await,
        create_as_admin(app, acme, "teams", json!({"name": slug})).await,
        create_as_admin(
            app,
            acme,
            "canned_responses",
            json!({"short_code": slug, "content": "Olá"}),
        )
        .await,
        create_as_admin(
            app,
            acme,
            "custom_attribute_definitions",
            json!({"attribute_display_name": slug, "attribute_key": slug}),
        )
        .await,
    ]
}

impl World {
    pub async fn new() -> World {
        let app = TestApp::spawn().await;
        let acme = app.create_account(ACCOUNT_NAME).await;
        let other = app.create_account("Outra Conta").await;
        let mut users = HashMap::new();
        users.insert(Actor::Admin, acme.admin.clone());
        users.insert(
            Actor::Agent,
            app.add_member(&acme, "Plain Agent", Role::Agent, None)
                .await,
        );
        for permission in Permission::ASSIGNABLE {
            let role = create_role(&app, &acme, &format!("Only {permission}"), &[permission]).await;
            let user = app
                .add_member(
                    &acme,
                    &format!("Custom {permission}"),
                    Role::Agent,
                    Some(role),
                )
                .await;
            users.insert(Actor::Custom(permission), user);
        }
        users.insert(Actor::Outsider, other.admin.clone());
        let target = app
            .add_member(&acme, "Target Agent", Role::Agent, None)
            .await;
        let mut victims = HashMap::new();
        let mut victim_roles = HashMap::new();
        let (mut victim_labels, mut victim_teams) = (HashMap::new(), HashMap::new());
        let (mut victim_canned, mut victim_attributes) = (HashMap::new(), HashMap::new());
        for actor in Actor::all() {
            let [label, team, canned, attribute] =
                create_resources(&app, &acme, &format!("victim-{}", actor.slug())).await;
            victim_labels.insert(actor, label);
            victim_teams.insert(actor, team);
            victim_canned.insert(actor, canned);
            victim_attributes.insert(actor, attribute);
            victims.insert(
                actor,
                app.add_member(
                    &acme,
                    &format!("Victim {}", actor.slug()),
                    Role::Agent,
                    None,
                )
                .await,
            );
            victim_roles.insert(
                actor,
                create_role(&app, &acme, &format!("Victim role {}", actor.slug()), &[]).await,
            );
        }
        let role = create_role(&app, &acme, "Readable", &[Permission::ReportManage]).await;
        let [label, team, canned, attribute] = create_resources(&app, &acme, "readable").await;
        let inbox = app.create_inbox(&acme, "Readable").await["id"]
            .as_i64()
            .expect("inbox id");
        let webhook = app
            .api(
                Method::POST,
                &acme.api("/webhooks"),
                &acme.admin,
                Some(json!({"url": "http://127.0.0.1:9/matrix", "subscriptions": ["message_created"]})),
            )
            .await
            .json()["payload"]["webhook"]["id"]
            .as_i64()
            .expect("webhook id");
        // Disabled: the worlds built on this one post messages, and nothing listens on port 9.
        let disabled = app
            .api(
                Method::PATCH,
                &acme.api(&format!("/webhooks/{webhook}")),
                &acme.admin,
                Some(json!({"enabled": false})),
            )
            .await;
        assert_eq!(disabled.status, 200, "{}", disabled.text);
        World {
            app,
            acme,
            users,
            target,
            victims,
            victim_roles,
            role,
            label,
            team,
            canned,
            attribute,
            victim_labels,
            victim_teams,
            victim_canned,
            victim_attributes,
            inbox,
            webhook,
        }
    }

    pub fn user(&self, actor: Actor) -> Option<&TestUser> {
        self.users.get(&actor)
    }
}

/// One API route of the matrix.
struct ApiRoute {
    method: Method,
    path: fn(&World, Actor) -> String,
    body: fn(&World, Actor) -> Option<Value>,
    /// Whether a member with this role may call it (outsiders and anonymous callers never may).
    allowed: fn(Actor) -> bool,
    /// Account-less routes (the profile) answer every authenticated caller.
    account_scoped: bool,
}

fn admin_only(actor: Actor) -> bool {
    actor == Actor::Admin
}

fn any_member(actor: Actor) -> bool {
    actor.is_member()
}

fn none(_: &World, _: Actor) -> Option<Value> {
    None
}

/// Administrators, and agents whose custom role grants `permission`.
fn admin_or_custom(actor: Actor, permission: Permission) -> bool {
    actor == Actor::Admin || actor == Actor::Custom(permission)
}

fn label_managers(actor: Actor) -> bool {
    admin_or_custom(actor, Permission::LabelManage)
}

fn team_managers(actor: Actor) -> bool {
    admin_or_custom(actor, Permission::TeamManage)
}

/// Plain agents have `canned_response_manage` by default.
fn canned_response_managers(actor: Actor) -> bool {
    actor == Actor::Agent || admin_or_custom(actor, Permission::CannedResponseManage)
}

/// Plain agents have `contact_manage` by default.
fn contact_managers(actor: Actor) -> bool {
    actor == Actor::Agent || admin_or_custom(actor, Permission::ContactManage)
}

fn target_ids(w: &World, _: Actor) -> Option<Value> {
    Some(json!({"user_ids": [w.target.id]}))
}

fn api_routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute {
            method: Method::GET,
            path: |_, _| "/api/v1/profile".into(),
            body: none,
            allowed: |_| true,
            account_scoped: false,
        },
        ApiRoute {
            method: Method::PUT,
            path: |_, _| "/api/v1/profile".into(),
            body: |_, _| Some(json!({"profile": {"message_signature": "--"}})),
            allowed: |_| true,
            account_scoped: false,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| w.acme.api(""),
            body: none,
            allowed: any_member,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::PATCH,
            path: |w, _| w.acme.api(""),
            body: |_, _| Some(json!({"name": ACCOUNT_NAME})),
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| w.acme.api("/agents"),
            body: none,
            allowed: any_member,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::POST,
            path: |w, _| w.acme.api("/agents"),
            body: |_, a| {
                Some(json!({"name": "New", "email": format!("new-{}@acme.test", a.slug())}))
            },
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::PATCH,
            path: |w, _| w.acme.api(&format!("/agents/{}", w.target.id)),
            body: |_, _| Some(json!({"availability": "busy"})),
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::DELETE,
            path: |w, a| w.acme.api(&format!("/agents/{}", w.victims[&a].id)),
            body: none,
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| w.acme.api("/custom_roles"),
            body: none,
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| w.acme.api(&format!("/custom_roles/{}", w.role)),
            body: none,
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::POST,
            path: |w, _| w.acme.api("/custom_roles"),
            body: |_, a| Some(json!({"name": format!("New role {}", a.slug())})),
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::PATCH,
            path: |w, _| w.acme.api(&format!("/custom_roles/{}", w.role)),
            body: |_, _| Some(json!({"description": "x"})),
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::DELETE,
            path: |w, a| w.acme.api(&format!("/custom_roles/{}", w.victim_roles[&a])),
            body: none,
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| w.acme.api("/labels"),
            body: none,
            allowed: any_member,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| w.acme.api(&format!("/labels/{}", w.label)),
            body: none,
            allowed: label_managers,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::POST,
            path: |w, _| w.acme.api("/labels"),
            body: |_, a| Some(json!({"label": {"title": format!("new-{}", a.slug())}})),
            allowed: label_managers,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::PATCH,
            path: |w, _| w.acme.api(&format!("/labels/{}", w.label)),
            body: |_, _| Some(json!({"description": "x"})),
            allowed: label_managers,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::DELETE,
            path: |w, a| w.acme.api(&format!("/labels/{}", w.victim_labels[&a])),
            body: none,
            allowed: label_managers,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| w.acme.api("/teams"),
            body: none,
            allowed: any_member,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| w.acme.api(&format!("/teams/{}", w.team)),
            body: none,
            allowed: any_member,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::POST,
            path: |w, _| w.acme.api("/teams"),
            body: |_, a| Some(json!({"team": {"name": format!("New team {}", a.slug())}})),
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::PATCH,
            path: |w, _| w.acme.api(&format!("/teams/{}", w.team)),
            body: |_, _| Some(json!({"description": "x"})),
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::DELETE,
            path: |w, a| w.acme.api(&format!("/teams/{}", w.victim_teams[&a])),
            body: none,
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| w.acme.api(&format!("/teams/{}/team_members", w.team)),
            body: none,
            allowed: any_member,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::POST,
            path: |w, _| w.acme.api(&format!("/teams/{}/team_members", w.team)),
            body: target_ids,
            allowed: team_managers,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::PATCH,
            path: |w, _| w.acme.api(&format!("/teams/{}/team_members", w.team)),
            body: target_ids,
            allowed: team_managers,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::DELETE,
            path: |w, _| w.acme.api(&format!("/teams/{}/team_members", w.team)),
            body: target_ids,
            allowed: team_managers,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| w.acme.api("/canned_responses"),
            body: none,
            allowed: any_member,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::POST,
            path: |w, _| w.acme.api("/canned_responses"),
            body: |_, a| Some(json!({"short_code": format!("new-{}", a.slug()), "content": "Oi"})),
            allowed: canned_response_managers,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::PATCH,
            path: |w, _| w.acme.api(&format!("/canned_responses/{}", w.canned)),
            body: |_, _| Some(json!({"canned_response": {"content": "Olá!"}})),
            allowed: canned_response_managers,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::DELETE,
            path: |w, a| {
                w.acme
                    .api(&format!("/canned_responses/{}", w.victim_canned[&a]))
            },
            body: none,
            allowed: canned_response_managers,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| w.acme.api("/custom_attribute_definitions"),
            body: none,
            allowed: any_member,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::GET,
            path: |w, _| {
                w.acme
                    .api(&format!("/custom_attribute_definitions/{}", w.attribute))
            },
            body: none,
            allowed: any_member,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::POST,
            path: |w, _| w.acme.api("/custom_attribute_definitions"),
            body: |_, a| {
                Some(
                    json!({"attribute_display_name": "New", "attribute_key": format!("new_{}", a.slug())}),
                )
            },
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::PATCH,
            path: |w, _| {
                w.acme
                    .api(&format!("/custom_attribute_definitions/{}", w.attribute))
            },
            body: |_, _| Some(json!({"attribute_description": "x"})),
            allowed: admin_only,
            account_scoped: true,
        },
        ApiRoute {
            method: Method::DELETE,
            path: |w, a| {
                w.acme.api(&format!(
                    "/custom_attribute_definitions/{}",
                    w.victim_attributes[&a]
                ))
            },
            body: none,
            allowed: admin_only,
            account_scoped: true,
        },
    ]
}

#[tokio::test]
async fn every_api_route_answers_every_kind_of_caller_as_its_permissions_say() {
    let world = World::new().await;
    let mut failures = Vec::new();
    for route in api_routes() {
        for actor in Actor::all() {
            let path = (route.path)(&world, actor);
            let body = (route.body)(&world, actor);
            let token = world.user(actor).map(|u| u.token.as_str());
            let response = world
                .app
                .request(route.method.clone(), &path, token, body)
                .await;
            let expected = match actor {
                Actor::Anonymous => 401,
                // A non-member cannot tell the account exists (issue 13, item 3).
                Actor::Outsider if route.account_scoped => 404,
                _ if (route.allowed)(actor) => 200,
                _ => 401,
            };
            if response.status.as_u16() != expected {
                failures.push(format!(
                    "{} {path} as {actor:?}: {} (expected {expected}) {}",
                    route.method, response.status, response.text
                ));
            }
            if matches!(actor, Actor::Outsider | Actor::Anonymous) || expected == 401 {
                let leaked = response.text.contains(ACCOUNT_NAME)
                    || response.text.contains(&world.acme.admin.email);
                if leaked {
                    failures.push(format!(
                        "{} {path} as {actor:?} leaked account data: {}",
                        route.method, response.text
                    ));
                }
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

/// One account page of the matrix.
pub struct PageRoute {
    pub path: fn(&World) -> String,
    pub allowed: fn(Actor) -> bool,
}

pub fn page_routes() -> Vec<PageRoute> {
    vec![
        PageRoute {
            path: |w| w.acme.page(""),
            allowed: any_member,
        },
        PageRoute {
            path: |w| w.acme.page("/profile"),
            allowed: any_member,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/account"),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/agents"),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/custom_roles"),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/custom_roles/new"),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page("/conversations"),
            allowed: any_member,
        },
        PageRoute {
            path: |w| w.acme.page("/conversations?status=all&sort=priority_desc"),
            allowed: any_member,
        },
        PageRoute {
            path: |w| w.acme.page("/contacts"),
            allowed: contact_managers,
        },
        PageRoute {
            path: |w| w.acme.page("/contacts/new"),
            allowed: contact_managers,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/teams"),
            allowed: any_member,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/teams/new"),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page(&format!("/settings/teams/{}", w.team)),
            allowed: any_member,
        },
        PageRoute {
            path: |w| w.acme.page(&format!("/settings/teams/{}/edit", w.team)),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/inboxes"),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/inboxes/new"),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page(&format!("/settings/inboxes/{}", w.inbox)),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| {
                w.acme
                    .page(&format!("/settings/inboxes/{}/members", w.inbox))
            },
            allowed: admin_only,
        },
        PageRoute {
            path: |w| {
                w.acme
                    .page(&format!("/settings/inboxes/{}/working_hours", w.inbox))
            },
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/labels"),
            allowed: any_member,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/labels/new"),
            allowed: label_managers,
        },
        PageRoute {
            path: |w| w.acme.page(&format!("/settings/labels/{}/edit", w.label)),
            allowed: label_managers,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/canned_responses"),
            allowed: any_member,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/canned_responses/new"),
            allowed: canned_response_managers,
        },
        PageRoute {
            path: |w| {
                w.acme
                    .page(&format!("/settings/canned_responses/{}/edit", w.canned))
            },
            allowed: canned_response_managers,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/custom_attributes"),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/custom_attributes/new"),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| {
                w.acme
                    .page(&format!("/settings/custom_attributes/{}/edit", w.attribute))
            },
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/webhooks"),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page("/settings/webhooks/new"),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| w.acme.page(&format!("/settings/webhooks/{}", w.webhook)),
            allowed: admin_only,
        },
        PageRoute {
            path: |w| {
                w.acme
                    .page(&format!("/settings/webhooks/{}/edit", w.webhook))
            },
            allowed: admin_only,
        },
    ]
}

#[tokio::test]
async fn every_account_page_answers_every_kind_of_caller_as_its_permissions_say() {
    let world = World::new().await;
    let mut failures = Vec::new();
    for actor in Actor::all() {
        let browser = world.app.browser();
        if let Some(user) = world.user(actor) {
            browser.sign_in(user).await;
        }
        for page in page_routes() {
            let path = (page.path)(&world);
            let response = browser.get(&path).await;
            let expected = match actor {
                Actor::Anonymous => 303,
                Actor::Outsider => 404,
                _ if (page.allowed)(actor) => 200,
                _ => 403,
            };
            if response.status.as_u16() != expected {
                failures.push(format!(
                    "GET {path} as {actor:?}: {} (expected {expected})",
                    response.status
                ));
            }
            if !actor.is_member()
                && (response.text.contains(ACCOUNT_NAME)
                    || response.text.contains(&world.acme.admin.email))
            {
                failures.push(format!("GET {path} as {actor:?} leaked account data"));
            }
            if expected == 200 {
                // Navigation shows only what the member may open.
                for (section, allowed) in [
                    ("/settings/agents", admin_only(actor)),
                    ("/settings/custom_roles", admin_only(actor)),
                    ("/settings/inboxes", admin_only(actor)),
                    ("/settings/custom_attributes", admin_only(actor)),
                    ("/settings/webhooks", admin_only(actor)),
                    ("/settings/teams", any_member(actor)),
                    ("/settings/labels", any_member(actor)),
                    ("/settings/canned_responses", any_member(actor)),
                ] {
                    let linked = response
                        .text
                        .contains(&format!("{}{section}\"", world.acme.page("")));
                    if linked != allowed {
                        failures.push(format!(
                            "GET {path} as {actor:?}: link to {section} shown={linked}"
                        ));
                    }
                }
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
