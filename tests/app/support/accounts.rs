//! Fixtures for accounts and members, created through the same services the API uses.

use atende::accounts::agents::{self, NewAgent};
use atende::accounts::model::Role;
use atende::accounts::service::{NewAccountWithAdmin, create_account_with_admin};
use atende::i18n::Locale;
use atende::ids::{AccountId, CustomRoleId, UserId};
use reqwest::Method;
use serde_json::Value;

use super::{TestApp, TestResponse};

/// A member as tests use it.
#[derive(Clone, Debug)]
pub struct TestUser {
    /// User id.
    pub id: UserId,
    /// Sign-in e-mail.
    pub email: String,
    /// Password.
    pub password: String,
    /// API token.
    pub token: String,
}

/// An account with its administrator.
#[derive(Clone, Debug)]
pub struct TestAccount {
    /// Account id.
    pub id: AccountId,
    /// The administrator created with it.
    pub admin: TestUser,
}

impl TestAccount {
    /// `/api/v1/accounts/{id}` + `suffix`.
    pub fn api(&self, suffix: &str) -> String {
        format!("/api/v1/accounts/{}{}", self.id, suffix)
    }

    /// `/app/accounts/{id}` + `suffix`.
    pub fn page(&self, suffix: &str) -> String {
        format!("/app/accounts/{}{}", self.id, suffix)
    }
}

impl TestApp {
    /// A new account with an administrator (`admin@<slug>.test`, password `password-<slug>`).
    pub async fn create_account(&self, name: &str) -> TestAccount {
        let slug: String = name
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let email = format!("admin@{slug}.test");
        let password = format!("password-{slug}");
        let created = create_account_with_admin(
            &self.state,
            NewAccountWithAdmin {
                name: name.into(),
                admin_email: email.clone(),
                admin_name: Some(format!("Admin {name}")),
                admin_password: Some(password.clone()),
                locale: Locale::PtBr,
            },
        )
        .await
        .expect("create account");
        TestAccount {
            id: created.account_id,
            admin: TestUser {
                id: created.user_id,
                email,
                password,
                token: created.api_access_token,
            },
        }
    }

    /// Adds a new user to `account` with `role` (and a custom role for agents).
    pub async fn add_member(
        &self,
        account: &TestAccount,
        name: &str,
        role: Role,
        custom_role: Option<CustomRoleId>,
    ) -> TestUser {
        let slug: String = name
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let email = format!("{slug}@{}.test", account.id);
        let password = format!("password-{slug}");
        let mut tx = self.db().begin().await.expect("begin");
        let input = NewAgent {
            name: Some(name.into()),
            email: email.clone(),
            role: Some(role),
            custom_role_id: custom_role,
            password: Some(password.clone()),
            ..NewAgent::default()
        };
        let created = agents::add_in(&self.state, &mut tx, account.id, None, input)
            .await
            .expect("add member");
        tx.commit().await.expect("commit");
        let token = agents::issue_token(&self.state, created.agent.user_id)
            .await
            .expect("token");
        TestUser {
            id: created.agent.user_id,
            email,
            password,
            token: token.0,
        }
    }

    /// Invites `user` (of another account) to `account` through the API and accepts as they
    /// would: opening the link and signing in with their password. Returns the link's path.
    pub async fn join(&self, account: &TestAccount, user: &TestUser, role: Role) -> String {
        let body =
            serde_json::json!({"name": "Convidado", "email": user.email, "role": role.as_str()});
        let invited = self
            .api(
                Method::POST,
                &account.api("/agents"),
                &account.admin,
                Some(body),
            )
            .await;
        assert_eq!(invited.status, 200, "{}", invited.text);
        let link = invitation_path(&invited.json());
        let browser = self.browser();
        let accepted = browser
            .post_form(&link, &[("password", user.password.as_str())])
            .await;
        assert_eq!(accepted.status, 303, "accepting failed: {}", accepted.text);
        link
    }

    /// An API request as `user`.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        user: &TestUser,
        body: Option<Value>,
    ) -> TestResponse {
        self.request(method, path, Some(&user.token), body).await
    }
}

/// The path of the link in an `A/agents` invitation answer (`invitation_url`, no SMTP).
pub fn invitation_path(agent: &Value) -> String {
    let url = agent["invitation_url"]
        .as_str()
        .unwrap_or_else(|| panic!("no invitation_url in {agent}"));
    let start = url.find("/invitations/").expect("an invitation link");
    url[start..].to_owned()
}
