//! Pages reached from links in e-mails, without being signed in: accepting an invitation
//! (`/invitations/{account_id}/{token}`), asking for a password reset (`/password/forgot`)
//! and setting a new password (`/password/reset/{token}`). A link that is unknown, used or
//! expired gets one page, whatever the reason.

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_sessions::Session;

use super::extract::PageLocale;
use super::form::{FormErrors, PageForm};
use super::login::{client_ip, refusal, with_retry_after};
use super::session;
use crate::accounts::invitations::{self, Opened};
use crate::accounts::recovery;
use crate::auth::login;
use crate::error::{Error, FieldErrors, Result};
use crate::i18n::Locale;
use crate::ids::AccountId;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/invitations/{account_id}/{token}",
            get(show_invitation).post(accept_invitation),
        )
        .route("/password/forgot", get(show_forgot).post(ask_reset))
        .route(
            "/password/reset/{token}",
            get(show_reset).post(reset_password),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "access/link_invalid.html")]
struct InvalidLink {
    tr: Locale,
}

/// The page of a link that no longer works (404).
fn invalid_link(tr: Locale) -> Response {
    let mut response = (StatusCode::NOT_FOUND, InvalidLink { tr }).into_response();
    no_referrer(&mut response);
    response
}

/// Pages whose address holds a token: no caching, and the token never leaves in a `Referer`.
fn no_referrer(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn page(response: impl IntoResponse, status: StatusCode) -> Response {
    let mut response = (status, response).into_response();
    no_referrer(&mut response);
    response
}

const INVITATION_FIELDS: &[&str] = &["name", "password", "password_confirmation"];

#[derive(Template, WebTemplate)]
#[template(path = "access/invitation.html")]
struct InvitationPage {
    tr: Locale,
    opened: Opened,
    /// The form's name (a new user's).
    name: String,
    errors: FormErrors,
    /// Why signing in to accept failed.
    error: Option<String>,
}

impl InvitationPage {
    fn new(tr: Locale, opened: Opened) -> Self {
        InvitationPage {
            tr,
            name: opened.invitation.name.clone(),
            opened,
            errors: FormErrors::default(),
            error: None,
        }
    }

    fn password_hint(&self) -> String {
        super::form::password_hint(self.tr)
    }

    fn intro(&self) -> String {
        let role = super::labels::role(self.tr, self.opened.invitation.role);
        self.tr.t_args(
            "invitation-intro",
            &[
                ("email", self.opened.invitation.email.clone().into()),
                ("role", role.into()),
            ],
        )
    }
}

/// `GET /invitations/{account_id}/{token}`.
async fn show_invitation(
    State(app): State<AppState>,
    PageLocale(tr): PageLocale,
    Path((account_id, token)): Path<(String, String)>,
) -> Result<Response> {
    let Ok(account_id) = account_id.parse::<i64>().map(AccountId) else {
        return Ok(invalid_link(tr));
    };
    match invitations::open(&app, account_id, &token).await {
        Ok(opened) => Ok(page(InvitationPage::new(tr, opened), StatusCode::OK)),
        Err(Error::NotFound) => Ok(invalid_link(tr)),
        Err(e) => Err(e),
    }
}

/// The accept form: a new user's name and password, or an existing user's password. No
/// `Debug`: it holds passwords.
#[derive(Default, Deserialize)]
#[serde(default)]
struct AcceptForm {
    name: String,
    password: String,
    password_confirmation: String,
}

/// `POST /invitations/{account_id}/{token}`: a new user is created with the password they
/// chose; an existing user proves theirs (throttled like signing in). Either way the session
/// is signed in and lands in the account.
async fn accept_invitation(
    State(app): State<AppState>,
    session: Session,
    PageLocale(tr): PageLocale,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((account_id, token)): Path<(String, String)>,
    PageForm(form): PageForm<AcceptForm>,
) -> Result<Response> {
    let Ok(account_id) = account_id.parse::<i64>().map(AccountId) else {
        return Ok(invalid_link(tr));
    };
    let opened = match invitations::open(&app, account_id, &token).await {
        Ok(opened) => opened,
        Err(Error::NotFound) => return Ok(invalid_link(tr)),
        Err(e) => return Err(e),
    };
    let landing = format!("/app/accounts/{account_id}");
    if opened.existing_user {
        let client = client_ip(&app, peer, &headers);
        let email = opened.invitation.email.clone();
        let refused = match login::sign_in(&app, &email, &form.password, client).await? {
            Ok(user) => match invitations::accept_as_user(&app, account_id, &token, &user).await {
                Ok(()) => {
                    session::sign_in(&session, &user).await?;
                    return Ok(Redirect::to(&landing).into_response());
                }
                Err(Error::NotFound) => return Ok(invalid_link(tr)),
                Err(e) => return Err(e),
            },
            Err(refused) => refused,
        };
        let (status, message) = refusal(tr, &refused, "invitation-wrong-password");
        let mut page_ = InvitationPage::new(tr, opened);
        page_.error = Some(message);
        return Ok(with_retry_after(page(page_, status), &refused));
    }
    match invitations::accept_as_new_user(
        &app,
        account_id,
        &token,
        &form.name,
        &form.password,
        &form.password_confirmation,
    )
    .await
    {
        Ok(user) => {
            session::sign_in(&session, &user).await?;
            Ok(Redirect::to(&landing).into_response())
        }
        Err(Error::NotFound) => Ok(invalid_link(tr)),
        Err(Error::Validation(errors)) => {
            let mut page_ = InvitationPage::new(tr, opened);
            page_.errors = FormErrors::new(tr, &errors, INVITATION_FIELDS);
            page_.name = form.name;
            Ok(page(page_, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "access/forgot.html")]
struct ForgotPage {
    tr: Locale,
    /// E-mail is configured: the form works.
    available: bool,
    email: String,
    /// The request was taken.
    sent: bool,
    errors: FormErrors,
}

/// `GET /password/forgot`.
async fn show_forgot(State(app): State<AppState>, PageLocale(tr): PageLocale) -> Response {
    ForgotPage {
        tr,
        available: recovery::available(&app),
        email: String::new(),
        sent: false,
        errors: FormErrors::default(),
    }
    .into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ForgotForm {
    email: String,
}

/// `POST /password/forgot`: the same answer whether or not the address has a user.
async fn ask_reset(
    State(app): State<AppState>,
    PageLocale(tr): PageLocale,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    PageForm(form): PageForm<ForgotForm>,
) -> Result<Response> {
    let client = client_ip(&app, peer, &headers);
    let mut page_ = ForgotPage {
        tr,
        available: recovery::available(&app),
        email: form.email.clone(),
        sent: false,
        errors: FormErrors::default(),
    };
    match recovery::request(&app, &form.email, client, tr).await {
        Ok(()) => {
            page_.sent = true;
            Ok(page_.into_response())
        }
        Err(Error::Validation(errors)) => {
            page_.errors = FormErrors::new(tr, &errors, &["email"]);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page_).into_response())
        }
        Err(Error::TooManyRequests {
            retry_after_secs, ..
        }) => {
            page_.errors =
                FormErrors::new(tr, &FieldErrors::one("email", tr.t("reset-throttled")), &[]);
            let mut response = (StatusCode::TOO_MANY_REQUESTS, page_).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            Ok(response)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "access/reset.html")]
struct ResetPage {
    tr: Locale,
    email: String,
    errors: FormErrors,
}

impl ResetPage {
    fn password_hint(&self) -> String {
        super::form::password_hint(self.tr)
    }
}

/// `GET /password/reset/{token}`.
async fn show_reset(
    State(app): State<AppState>,
    PageLocale(tr): PageLocale,
    Path(token): Path<String>,
) -> Result<Response> {
    match recovery::open(&app, &token).await {
        Ok(user) => Ok(page(
            ResetPage {
                tr,
                email: user.email,
                errors: FormErrors::default(),
            },
            StatusCode::OK,
        )),
        Err(Error::NotFound) => Ok(invalid_link(tr)),
        Err(e) => Err(e),
    }
}

/// The new password. No `Debug`: it holds passwords.
#[derive(Default, Deserialize)]
#[serde(default)]
struct ResetForm {
    password: String,
    password_confirmation: String,
}

/// `POST /password/reset/{token}`: sets the password, signs out every session, and signs this
/// one in.
async fn reset_password(
    State(app): State<AppState>,
    session: Session,
    PageLocale(tr): PageLocale,
    Path(token): Path<String>,
    PageForm(form): PageForm<ResetForm>,
) -> Result<Response> {
    match recovery::reset(&app, &token, &form.password, &form.password_confirmation).await {
        Ok(user) => {
            session::sign_in(&session, &user).await?;
            Ok(Redirect::to("/app").into_response())
        }
        Err(Error::NotFound) => Ok(invalid_link(tr)),
        Err(Error::Validation(errors)) => {
            let email = recovery::open(&app, &token).await?.email;
            let errors = FormErrors::new(tr, &errors, &["password", "password_confirmation"]);
            Ok(page(
                ResetPage { tr, email, errors },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(e),
    }
}
