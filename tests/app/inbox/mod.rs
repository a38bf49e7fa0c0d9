//! The agents' inbox and the contacts pages over real HTTP (`Browser`), and in a real browser
//! (`browser`, driving Chromium through `e2e/`).

mod browser;
mod contacts;
mod conversation;
mod list;

use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::accounts::{TestAccount, TestUser};
use crate::support::browser::Browser;

/// An account set up as a help desk: an API inbox with an agent in it, labels, a team, a
/// canned response.
pub struct Desk {
    pub app: TestApp,
    pub account: TestAccount,
    pub agent: TestUser,
    pub inbox: i64,
    pub team: i64,
}

impl Desk {
    /// A desk named `name`; `english` makes English the language of its administrator and agent.
    pub async fn new(name: &str, english: bool) -> Desk {
        let app = TestApp::spawn().await;
        Desk::in_app(app, name, english).await
    }

    /// A desk in a running app.
    pub async fn in_app(app: TestApp, name: &str, english: bool) -> Desk {
        let account = app.create_account(name).await;
        let inbox = app.create_inbox(&account, "WhatsApp Vendas").await["id"]
            .as_i64()
            .expect("inbox id");
        let agent = app
            .add_member(&account, "Bruno Costa", Role::Agent, None)
            .await;
        app.add_to_inbox(&account, inbox, &agent).await;
        if english {
            for user in [&account.admin, &agent] {
                let body = json!({"profile": {"locale": "en"}});
                let response = app
                    .api(Method::PUT, "/api/v1/profile", user, Some(body))
                    .await;
                assert_eq!(response.status, 200, "{}", response.text);
            }
        }
        for (title, color) in [("vip", "#f59f00"), ("entrega", "#1f93ff")] {
            app.api(
                Method::POST,
                &account.api("/labels"),
                &account.admin,
                Some(json!({"title": title, "color": color})),
            )
            .await;
        }
        let team = app
            .api(
                Method::POST,
                &account.api("/teams"),
                &account.admin,
                Some(json!({"name": "Suporte N1"})),
            )
            .await
            .json()["id"]
            .as_i64()
            .expect("team id");
        app.api(
            Method::POST,
            &account.api("/canned_responses"),
            &account.admin,
            Some(json!({"short_code": "ola", "content": "Olá! Como posso ajudar?"})),
        )
        .await;
        Desk {
            app,
            account,
            agent,
            inbox,
            team,
        }
    }

    /// A conversation of a new contact named `contact` that wrote `text`; its display id.
    pub async fn conversation(&self, contact: &str, text: &str) -> i64 {
        let c = self
            .app
            .create_conversation(&self.account, self.inbox, contact)
            .await;
        self.incoming(c["id"].as_i64().expect("id"), text).await;
        c["id"].as_i64().expect("id")
    }

    /// The customer writes `text` in conversation `id` (through the API channel).
    pub async fn incoming(&self, id: i64, text: &str) -> Value {
        self.app
            .post_message(
                &self.account,
                &self.account.admin,
                &json!(id),
                json!({"content": text, "message_type": "incoming"}),
            )
            .await
    }

    /// A conversation as the API shows it.
    pub async fn conversation_json(&self, id: i64) -> Value {
        let response = self
            .app
            .api(
                Method::GET,
                &self.account.api(&format!("/conversations/{id}")),
                &self.account.admin,
                None,
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
        response.json()
    }

    /// The conversation's messages as the API lists them.
    pub async fn messages(&self, id: i64) -> Vec<Value> {
        let response = self
            .app
            .api(
                Method::GET,
                &self.account.api(&format!("/conversations/{id}/messages")),
                &self.account.admin,
                None,
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
        response.json()["payload"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// A browser signed in as `user`.
    pub async fn browser(&self, user: &TestUser) -> Browser {
        let browser = self.app.browser();
        browser.sign_in(user).await;
        browser
    }

    /// `/app/accounts/{id}` + `suffix`.
    pub fn page(&self, suffix: &str) -> String {
        self.account.page(suffix)
    }
}

/// The ids of the rows of a rendered list, in order.
pub fn row_ids(html: &str) -> Vec<i64> {
    html.match_indices("id=\"conversation-")
        .filter_map(|(i, m)| {
            let rest = &html[i + m.len()..];
            let end = rest.find('"')?;
            rest[..end].parse().ok()
        })
        .collect()
}

/// The count of a tab (`me`, `unassigned`, `all`).
pub fn tab_count(html: &str, tab: &str) -> i64 {
    let marker = format!("id=\"count-{tab}\">");
    let start = html.find(&marker).expect("tab count") + marker.len();
    let end = start + html[start..].find('<').expect("count end");
    html[start..end].trim().parse().expect("a number")
}
