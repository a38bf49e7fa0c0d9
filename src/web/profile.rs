//! The profile page: the signed-in user's details, password, API token, and availability in
//! the account the page belongs to. Every member may open it; it only ever changes the caller.
//!
//! A password change, and "sign out everywhere else", keep this session signed in and sign out
//! every other one, live streams included (the service bumps `auth_version`; this session takes
//! the new version); the page then offers to replace the API token too, which neither touches.
//! A new API token is shown once, in the response to the reset itself, and is not stored
//! anywhere in clear.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::flash::{self, Flash};
use super::form::{FormErrors, HxRequest, OrInvalid, PageForm, see_other, unprocessable};
use super::labels::{self, Choice};
use super::layout::Nav;
use super::session::{self, WebCtx};
use crate::accounts::model::{Availability, User};
use crate::accounts::profile::{self, PasswordChange, ProfilePatch, ProfileUpdate};
use crate::accounts::repo;
use crate::auth::tokens;
use crate::error::{FieldErrors, Result};
use crate::i18n::Locale;
use crate::state::AppState;

/// Routes of the profile page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/app/accounts/{account_id}/profile",
            get(show_profile).post(update_profile),
        )
        .route(
            "/app/accounts/{account_id}/profile/password",
            post(change_password),
        )
        .route(
            "/app/accounts/{account_id}/profile/token",
            post(reset_token),
        )
        .route(
            "/app/accounts/{account_id}/profile/sessions",
            post(sign_out_elsewhere),
        )
        .route(
            "/app/accounts/{account_id}/profile/availability",
            post(update_availability),
        )
}

const DETAILS_FIELDS: &[&str] = &["name", "display_name", "email", "phone_number", "locale"];
const PASSWORD_FIELDS: &[&str] = &["current_password", "password", "password_confirmation"];
const AVAILABILITY_FIELDS: &[&str] = &["availability"];

/// The details form, as submitted or as stored.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct DetailsForm {
    name: String,
    display_name: String,
    email: String,
    phone_number: String,
    /// A locale code, or empty to follow the browser.
    locale: String,
}

impl DetailsForm {
    fn of(user: &User) -> Self {
        DetailsForm {
            name: user.name.clone(),
            display_name: user.display_name.clone().unwrap_or_default(),
            email: user.email.clone(),
            phone_number: user.phone_number.clone().unwrap_or_default(),
            locale: user.locale.map(|l| l.code().to_owned()).unwrap_or_default(),
        }
    }

    /// Every field is sent by the form, so every field is set; blank optional ones clear.
    fn patch(&self) -> Result<ProfilePatch, FieldErrors> {
        let locale = match self.locale.as_str() {
            "" => None,
            code => Some(
                Locale::parse(code)
                    .ok_or_else(|| FieldErrors::one("locale", "is not one of: pt-BR, en"))?,
            ),
        };
        Ok(ProfilePatch {
            name: Some(self.name.clone()),
            display_name: Some(Some(self.display_name.clone())),
            email: Some(self.email.clone()),
            phone_number: Some(Some(self.phone_number.clone())),
            locale: Some(locale),
            ..ProfilePatch::default()
        })
    }
}

/// The password form. No `Debug`: it holds passwords.
#[derive(Default, Deserialize)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    password: String,
    password_confirmation: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AvailabilityForm {
    availability: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "profile/index.html")]
struct ProfilePage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    details: DetailsForm,
    availability: String,
    token_prefix: Option<String>,
    /// A token just issued, shown this once.
    new_token: Option<String>,
    /// Sessions were just signed out: suggest replacing the API token as well.
    offer_token_reset: bool,
    errors: FormErrors,
}

impl ProfilePage {
    /// The page with the stored values.
    async fn load(app: &AppState, web: &WebCtx) -> Result<Self> {
        let user = &web.ctx.user;
        let mut conn = app.db.acquire().await?;
        let token_prefix = tokens::prefix(&mut conn, user.id).await?;
        let availability = repo::memberships(&mut conn, user.id)
            .await?
            .into_iter()
            .find(|m| m.account_id == web.ctx.account_id)
            .map_or(Availability::Offline, |m| m.availability);
        Ok(ProfilePage {
            tr: web.tr,
            nav: web.nav.clone(),
            flash: None,
            details: DetailsForm::of(user),
            availability: availability.as_str().to_owned(),
            token_prefix,
            new_token: None,
            offer_token_reset: false,
            errors: FormErrors::default(),
        })
    }

    /// This page refusing a form with `errors`, shown next to `placed` fields.
    fn refused(mut self, errors: &FieldErrors, placed: &[&str]) -> Response {
        self.errors = FormErrors::new(self.tr, errors, placed);
        session::no_store(unprocessable(self))
    }

    fn locale_choices(&self) -> Vec<Choice> {
        labels::locale_choices(self.tr, &self.details.locale, true)
    }

    fn availability_choices(&self) -> Vec<Choice> {
        labels::availability_choices(self.tr, &self.availability)
    }

    fn password_hint(&self) -> String {
        super::form::password_hint(self.tr)
    }
}

fn profile_url(web: &WebCtx) -> String {
    format!("{}/profile", web.nav.base())
}

/// `GET /app/accounts/{account_id}/profile`.
async fn show_profile(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    let mut page = ProfilePage::load(&app, &web).await?;
    let done = flash::take_flash(&web.session).await;
    page.offer_token_reset = matches!(
        done,
        Some(Flash::PasswordChanged | Flash::SignedOutElsewhere)
    );
    page.flash = done.map(|f| f.message(web.tr));
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/profile`: name, display name, e-mail, phone, language.
async fn update_profile(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<DetailsForm>,
) -> Result<Response> {
    let saved = match form.patch() {
        Ok(patch) => {
            let update = ProfileUpdate {
                patch,
                ..ProfileUpdate::default()
            };
            profile::update(&app, web.ctx.user_id(), update)
                .await
                .or_invalid()?
        }
        Err(errors) => Err(errors),
    };
    match saved {
        Ok(_) => {
            flash::set(&web.session, Flash::ProfileSaved).await?;
            Ok(see_other(htmx, &profile_url(&web)))
        }
        Err(errors) => {
            let mut page = ProfilePage::load(&app, &web).await?;
            page.details = form;
            Ok(page.refused(&errors, DETAILS_FIELDS))
        }
    }
}

/// `POST /app/accounts/{account_id}/profile/password`: this session stays signed in, every
/// other session of the user is signed out.
async fn change_password(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<PasswordForm>,
) -> Result<Response> {
    let update = ProfileUpdate {
        password: Some(PasswordChange {
            current: form.current_password,
            new: form.password,
            confirmation: Some(form.password_confirmation),
        }),
        ..ProfileUpdate::default()
    };
    match profile::update(&app, web.ctx.user_id(), update)
        .await
        .or_invalid()?
    {
        Ok(user) => {
            session::refresh_auth_version(&web.session, &user).await?;
            flash::set(&web.session, Flash::PasswordChanged).await?;
            Ok(see_other(htmx, &profile_url(&web)))
        }
        Err(errors) => Ok(ProfilePage::load(&app, &web)
            .await?
            .refused(&errors, PASSWORD_FIELDS)),
    }
}

/// `POST /app/accounts/{account_id}/profile/sessions`: signs out every other session of the
/// user and ends their live streams; this one stays.
async fn sign_out_elsewhere(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
) -> Result<Response> {
    let user = profile::sign_out_everywhere(&app, web.ctx.user_id()).await?;
    session::refresh_auth_version(&web.session, &user).await?;
    flash::set(&web.session, Flash::SignedOutElsewhere).await?;
    Ok(see_other(htmx, &profile_url(&web)))
}

/// `POST /app/accounts/{account_id}/profile/token`: replaces the API token and shows the new
/// one in this response only. Not a redirect: the token must not wait in the session store
/// for the next page.
async fn reset_token(State(app): State<AppState>, web: WebCtx) -> Result<Response> {
    let token = profile::reset_token(&app, web.ctx.user_id()).await?;
    let mut page = ProfilePage::load(&app, &web).await?;
    page.new_token = Some(token.0);
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/profile/availability`: online, busy or offline in this
/// account.
async fn update_availability(
    State(app): State<AppState>,
    web: WebCtx,
    htmx: HxRequest,
    PageForm(form): PageForm<AvailabilityForm>,
) -> Result<Response> {
    let saved = match Availability::parse(&form.availability) {
        Some(availability) => {
            let update = ProfileUpdate {
                availability: Some((web.ctx.account_id, availability)),
                ..ProfileUpdate::default()
            };
            profile::update(&app, web.ctx.user_id(), update)
                .await
                .or_invalid()?
        }
        None => Err(FieldErrors::one("availability", "is invalid")),
    };
    match saved {
        Ok(_) => {
            flash::set(&web.session, Flash::AvailabilitySaved).await?;
            Ok(see_other(htmx, &profile_url(&web)))
        }
        Err(errors) => {
            let mut page = ProfilePage::load(&app, &web).await?;
            page.availability = form.availability;
            Ok(page.refused(&errors, AVAILABILITY_FIELDS))
        }
    }
}
