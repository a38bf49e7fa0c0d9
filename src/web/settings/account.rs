//! Settings → Account: name, language, time zone, support e-mail and auto-resolve delay
//! (administrators: [`Permission::AccountManage`]).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::accounts::model::Account;
use crate::accounts::service::{self, AccountPatch};
use crate::error::{FieldErrors, Result};
use crate::i18n::Locale;
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::flash::{self, Flash};
use crate::web::form::{FormErrors, HxRequest, OrInvalid, PageForm, see_other, unprocessable};
use crate::web::labels::{self, Choice};
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Routes of the account settings page.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/app/accounts/{account_id}/settings/account",
        get(show_account).post(update_account),
    )
}

const FIELDS: &[&str] = &[
    "name",
    "locale",
    "timezone",
    "support_email",
    "auto_resolve_after",
];

/// The account form, as submitted or as stored.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct AccountForm {
    name: String,
    locale: String,
    timezone: String,
    support_email: String,
    /// Minutes; blank turns auto-resolve off.
    auto_resolve_after: String,
}

impl AccountForm {
    fn of(account: &Account) -> Self {
        AccountForm {
            name: account.name.clone(),
            locale: account.locale.code().to_owned(),
            timezone: account.timezone.clone(),
            support_email: account.support_email.clone().unwrap_or_default(),
            auto_resolve_after: account
                .auto_resolve_after
                .map(|m| m.to_string())
                .unwrap_or_default(),
        }
    }

    fn patch(&self) -> Result<AccountPatch, FieldErrors> {
        let auto_resolve_after = match self.auto_resolve_after.trim() {
            "" => None,
            minutes => Some(
                minutes
                    .parse::<i32>()
                    .map_err(|_| FieldErrors::one("auto_resolve_after", "is not a number"))?,
            ),
        };
        Ok(AccountPatch {
            name: Some(self.name.clone()),
            locale: Some(self.locale.clone()),
            timezone: Some(self.timezone.trim().to_owned()),
            domain: None,
            support_email: Some(Some(self.support_email.clone())),
            auto_resolve_after: Some(auto_resolve_after),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/account/index.html")]
struct AccountPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    form: AccountForm,
    errors: FormErrors,
}

impl AccountPage {
    fn new(web: &WebCtx, form: AccountForm) -> Self {
        AccountPage {
            tr: web.tr,
            nav: web.nav.clone(),
            flash: None,
            form,
            errors: FormErrors::default(),
        }
    }

    fn locale_choices(&self) -> Vec<Choice> {
        labels::locale_choices(self.tr, &self.form.locale, false)
    }

    /// Every IANA time zone name, for the input's suggestions.
    fn timezones(&self) -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }
}

/// `GET /app/accounts/{account_id}/settings/account`.
async fn show_account(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let account = service::get_account(&app, &web.ctx).await?;
    let mut page = AccountPage::new(&web, AccountForm::of(&account));
    page.flash = flash::take(&web.session, web.tr).await;
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/account`.
async fn update_account(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<AccountForm>,
) -> Result<Response> {
    web.ctx.require(Permission::AccountManage)?;
    let saved = match form.patch() {
        Ok(patch) => service::update_account(&app, &web.ctx, patch)
            .await
            .or_invalid()?,
        Err(errors) => Err(errors),
    };
    match saved {
        Ok(_) => {
            flash::set(&web.session, Flash::AccountSaved).await?;
            let url = format!("{}/settings/account", web.nav.base());
            Ok(see_other(htmx, &url))
        }
        Err(errors) => {
            let mut page = AccountPage::new(&web, form);
            page.errors = FormErrors::new(web.tr, &errors, FIELDS);
            Ok(session::no_store(unprocessable(page)))
        }
    }
}
