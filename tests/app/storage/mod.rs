//! Stored files over real HTTP: the per-account quota, the bound on unsaved rule and macro
//! uploads, files removed from disk when what holds them is deleted, expiring links, and links
//! kept out of the logs.

mod deletion;
mod links;
mod logs;
mod quota;

use std::path::PathBuf;

use atende::config::Config;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::accounts::TestAccount;
use crate::support::{Options, TestApp, TestResponse, read};

/// An application with one account, an API inbox and a conversation.
pub struct Store {
    pub app: TestApp,
    pub acme: TestAccount,
    pub inbox: i64,
    /// The conversation's display id.
    pub conversation: i64,
}

impl Store {
    /// With the default settings.
    pub async fn new() -> Store {
        Store::with(|_| {}).await
    }

    /// With settings changed by `configure`.
    pub async fn with(configure: impl FnOnce(&mut Config) + Send + 'static) -> Store {
        let app = TestApp::spawn_with(Options {
            configure: Box::new(configure),
            ..Options::default()
        })
        .await;
        let acme = app.create_account("Acme").await;
        let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
            .as_i64()
            .expect("inbox id");
        let conversation = app.create_conversation(&acme, inbox, "Maria").await["id"]
            .as_i64()
            .expect("display id");
        Store {
            app,
            acme,
            inbox,
            conversation,
        }
    }

    /// Posts a message carrying one file into `account`'s conversation `display_id`.
    pub async fn send_file(
        &self,
        account: &TestAccount,
        display_id: i64,
        name: &str,
        bytes: Vec<u8>,
    ) -> TestResponse {
        let form = Form::new().text("content", "segue o arquivo").part(
            "attachments[]",
            Part::bytes(bytes).file_name(name.to_owned()),
        );
        let path = account.api(&format!("/conversations/{display_id}/messages"));
        read(
            self.app
                .client
                .post(format!("{}{path}", self.app.address))
                .header("api_access_token", &account.admin.token)
                .multipart(form)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// [`Store::send_file`] into the store's conversation, asserting it was accepted; the
    /// message's JSON.
    pub async fn sent_file(&self, name: &str, bytes: Vec<u8>) -> Value {
        let response = self
            .send_file(&self.acme, self.conversation, name, bytes)
            .await;
        assert_eq!(response.status, 200, "send file: {}", response.text);
        response.json()
    }

    /// Uploads a file for rules (`automation_rules`) or macros (`macros`) through `attach_file`.
    pub async fn attach(
        &self,
        account: &TestAccount,
        owner: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> TestResponse {
        let form = Form::new().part("attachment", Part::bytes(bytes).file_name(name.to_owned()));
        let path = account.api(&format!("/{owner}/attach_file"));
        read(
            self.app
                .client
                .post(format!("{}{path}", self.app.address))
                .header("api_access_token", &account.admin.token)
                .multipart(form)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// The files of `account` on disk, sorted.
    pub fn files_on_disk(&self, account: &TestAccount) -> Vec<PathBuf> {
        let dir = self
            .app
            .state
            .config
            .data_dir
            .join("storage")
            .join(account.id.to_string());
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
    }

    /// The messages of `account`'s conversation `display_id`, oldest first.
    pub async fn messages(&self, account: &TestAccount, display_id: i64) -> Vec<Value> {
        let response = self
            .app
            .api(
                Method::GET,
                &account.api(&format!("/conversations/{display_id}/messages")),
                &account.admin,
                None,
            )
            .await;
        assert_eq!(response.status, 200, "messages: {}", response.text);
        response.json()["payload"]
            .as_array()
            .expect("payload")
            .clone()
    }

    /// The `data_url` of the first attachment of the latest message carrying one.
    pub async fn latest_data_url(&self, account: &TestAccount, display_id: i64) -> String {
        self.messages(account, display_id)
            .await
            .iter()
            .rev()
            .find_map(|m| m["attachments"][0]["data_url"].as_str().map(str::to_owned))
            .expect("a message with a file")
    }

    /// `DELETE` on an API path as the account's administrator, asserting it worked.
    pub async fn delete(&self, account: &TestAccount, path: &str) {
        let response = self
            .app
            .api(Method::DELETE, &account.api(path), &account.admin, None)
            .await;
        assert!(
            response.status.is_success(),
            "DELETE {path}: {} {}",
            response.status,
            response.text
        );
    }

    /// Creates a macro that sends the uploaded files `ids`; its JSON.
    pub async fn macro_sending(&self, account: &TestAccount, name: &str, ids: &[i64]) -> Value {
        let body = json!({
            "name": name,
            "visibility": "global",
            "actions": [{"action_name": "send_attachment", "action_params": ids}],
        });
        let response = self
            .app
            .api(
                Method::POST,
                &account.api("/macros"),
                &account.admin,
                Some(body),
            )
            .await;
        assert_eq!(response.status, 200, "create macro: {}", response.text);
        response.json()["payload"].clone()
    }
}

/// `n` bytes of text.
pub fn bytes(n: usize) -> Vec<u8> {
    vec![b'a'; n]
}
