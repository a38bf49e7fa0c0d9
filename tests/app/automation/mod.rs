//! Automation rules and macros, through the API and real events: an API call commits, the
//! dispatch job evaluates the rules against the event's snapshot, actions run.

mod actions;
mod email;
mod limits;
mod macros;
mod matrix;
mod pages;
mod rules_api;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::accounts::TestAccount;

/// An account with an API inbox and a conversation of "Maria da Silva".
pub struct Setup {
    pub app: TestApp,
    pub acme: TestAccount,
    pub inbox: i64,
    /// The conversation's display id.
    pub conversation: i64,
}

impl Setup {
    pub async fn new() -> Setup {
        Self::with(TestApp::spawn().await).await
    }

    pub async fn with(app: TestApp) -> Setup {
        let acme = app.create_account("Acme").await;
        let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
            .as_i64()
            .expect("inbox");
        let conversation = app
            .create_conversation(&acme, inbox, "Maria da Silva")
            .await["id"]
            .as_i64()
            .expect("conversation");
        app.run_jobs().await;
        Setup {
            app,
            acme,
            inbox,
            conversation,
        }
    }

    /// Creates a rule as the administrator; returns its JSON (asserting 200).
    pub async fn rule(&self, body: Value) -> Value {
        let created = self
            .app
            .api(
                Method::POST,
                &self.acme.api("/automation_rules"),
                &self.acme.admin,
                Some(body),
            )
            .await;
        assert_eq!(created.status, 200, "create rule: {}", created.text);
        created.json()
    }

    /// Creates a label (actions may only name existing labels).
    pub async fn label(&self, title: &str) {
        let response = self
            .app
            .api(
                Method::POST,
                &self.acme.api("/labels"),
                &self.acme.admin,
                Some(json!({"title": title})),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
    }

    /// Posts a customer message in the conversation.
    pub async fn incoming(&self, content: &str) -> Value {
        self.incoming_in(self.conversation, content).await
    }

    pub async fn incoming_in(&self, conversation: i64, content: &str) -> Value {
        self.app
            .post_message(
                &self.acme,
                &self.acme.admin,
                &json!(conversation),
                json!({"content": content, "message_type": "incoming"}),
            )
            .await
    }

    /// The conversation's JSON.
    pub async fn conversation(&self) -> Value {
        self.conversation_json(self.conversation).await
    }

    pub async fn conversation_json(&self, display_id: i64) -> Value {
        let response = self
            .app
            .api(
                Method::GET,
                &self.acme.api(&format!("/conversations/{display_id}")),
                &self.acme.admin,
                None,
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
        response.json()
    }

    /// The conversation's messages, oldest first.
    pub async fn messages(&self, display_id: i64) -> Vec<Value> {
        let response = self
            .app
            .api(
                Method::GET,
                &self
                    .acme
                    .api(&format!("/conversations/{display_id}/messages")),
                &self.acme.admin,
                None,
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
        response.json()["payload"]
            .as_array()
            .expect("payload")
            .clone()
    }

    /// The rule's run log, newest first.
    pub async fn runs(&self, rule: &Value) -> Vec<Value> {
        let response = self
            .app
            .api(
                Method::GET,
                &self
                    .acme
                    .api(&format!("/automation_rules/{}/runs", rule["id"])),
                &self.acme.admin,
                None,
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
        response.json()["payload"]
            .as_array()
            .expect("payload")
            .clone()
    }

    /// Runs every due job (dispatch, actions, deliveries, e-mail) until none is left.
    pub async fn settle(&self) {
        self.app.run_jobs().await;
    }
}

/// `{action_name, action_params}`.
pub fn action(name: &str, params: Value) -> Value {
    json!({"action_name": name, "action_params": params})
}

/// `{attribute_key, filter_operator, values, query_operator}`.
pub fn condition(key: &str, operator: &str, values: Value, join: Option<&str>) -> Value {
    json!({"attribute_key": key, "filter_operator": operator, "values": values,
           "query_operator": join, "custom_attribute_type": ""})
}
