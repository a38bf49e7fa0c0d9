//! Fixtures for inboxes, contacts and conversations, created through the API as clients do.

use reqwest::Method;
use serde_json::{Value, json};

use super::TestApp;
use super::accounts::{TestAccount, TestUser};

impl TestApp {
    /// An API inbox named `name` (without a webhook URL); returns its JSON.
    pub async fn create_inbox(&self, account: &TestAccount, name: &str) -> Value {
        self.create_inbox_with_webhook(account, name, None).await
    }

    /// An API inbox whose events go to `webhook_url`; returns its JSON.
    pub async fn create_inbox_with_webhook(
        &self,
        account: &TestAccount,
        name: &str,
        webhook_url: Option<&str>,
    ) -> Value {
        let body = json!({"name": name, "channel": {"type": "api", "webhook_url": webhook_url}});
        let response = self
            .api(
                Method::POST,
                &account.api("/inboxes"),
                &account.admin,
                Some(body),
            )
            .await;
        assert_eq!(response.status, 200, "create inbox: {}", response.text);
        response.json()
    }

    /// Makes `user` a member of `inbox`.
    pub async fn add_to_inbox(&self, account: &TestAccount, inbox: i64, user: &TestUser) {
        let body = json!({"inbox_id": inbox, "user_ids": [user.id]});
        let response = self
            .api(
                Method::POST,
                &account.api("/inbox_members"),
                &account.admin,
                Some(body),
            )
            .await;
        assert_eq!(response.status, 200, "add inbox member: {}", response.text);
    }

    /// A contact in `inbox`; returns `payload.contact`.
    pub async fn create_contact(
        &self,
        account: &TestAccount,
        inbox: i64,
        name: &str,
        phone: &str,
    ) -> Value {
        let body = json!({"inbox_id": inbox, "name": name, "phone_number": phone});
        let response = self
            .api(
                Method::POST,
                &account.api("/contacts"),
                &account.admin,
                Some(body),
            )
            .await;
        assert_eq!(response.status, 200, "create contact: {}", response.text);
        response.json()["payload"]["contact"].clone()
    }

    /// A conversation of a new contact in `inbox`; returns its JSON (`id` is the display id).
    pub async fn create_conversation(
        &self,
        account: &TestAccount,
        inbox: i64,
        contact_name: &str,
    ) -> Value {
        let digits: u64 =
            5511900000000 + (contact_name.bytes().map(u64::from).sum::<u64>() * 7919) % 99_999_999;
        let contact = self
            .create_contact(account, inbox, contact_name, &format!("+{digits}"))
            .await;
        let body = json!({"inbox_id": inbox, "contact_id": contact["id"]});
        let response = self
            .api(
                Method::POST,
                &account.api("/conversations"),
                &account.admin,
                Some(body),
            )
            .await;
        assert_eq!(
            response.status, 200,
            "create conversation: {}",
            response.text
        );
        response.json()
    }

    /// Posts a message as `user`; returns its JSON.
    pub async fn post_message(
        &self,
        account: &TestAccount,
        user: &TestUser,
        display_id: &Value,
        body: Value,
    ) -> Value {
        let path = account.api(&format!("/conversations/{display_id}/messages"));
        let response = self.api(Method::POST, &path, user, Some(body)).await;
        assert_eq!(response.status, 200, "post message: {}", response.text);
        response.json()
    }

    /// The domain events recorded for the account, oldest first, as `(kind, changed_attributes)`.
    pub async fn events(&self, account: &TestAccount) -> Vec<(String, Option<Value>)> {
        sqlx::query_as(
            "select kind, changed_attributes from events where account_id = $1 order by id",
        )
        .bind(account.id.0)
        .fetch_all(self.db())
        .await
        .expect("events")
    }
}
