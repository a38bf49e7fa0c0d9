//! Settings → Inboxes → Working hours (administrators: [`Permission::InboxManage`]): whether
//! working hours apply, the inbox's time zone, and one row per weekday (0 = Sunday) that is
//! closed, open all day, or open between two times. The week is checked by
//! [`WorkingHour::validate_week`] in the service; its "day N …" messages are shown next to
//! that day's row.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::inboxes::{load, timezones};
use super::shared::{self, Done};
use crate::error::{FieldErrors, Result};
use crate::i18n::Locale;
use crate::inboxes::model::{Inbox, WorkingHour};
use crate::inboxes::service::{self, InboxInput};
use crate::roles::Permission;
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::flash;
use crate::web::form::{FormErrors, HxRequest, OrInvalid, PageForm, see_other, unprocessable};
use crate::web::labels::Choice;
use crate::web::layout::Nav;
use crate::web::session::{self, WebCtx};

/// Routes of the working hours editor.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/app/accounts/{account_id}/settings/inboxes/{id}/working_hours",
        get(show_working_hours).post(update_working_hours),
    )
}

const FIELDS: &[&str] = &[
    "timezone", "day0", "day1", "day2", "day3", "day4", "day5", "day6",
];

const CLOSED: &str = "closed";
const ALL_DAY: &str = "open_all_day";
const HOURS: &str = "hours";

/// A weekday's name in the page language (0 = Sunday).
fn weekday(tr: Locale, day: i16) -> String {
    match day {
        0 => tr.t("weekday-sunday"),
        1 => tr.t("weekday-monday"),
        2 => tr.t("weekday-tuesday"),
        3 => tr.t("weekday-wednesday"),
        4 => tr.t("weekday-thursday"),
        5 => tr.t("weekday-friday"),
        _ => tr.t("weekday-saturday"),
    }
}

/// `9, 5` → `09:05`, as `<input type="time">` takes it.
fn hhmm(hour: Option<i16>, minutes: Option<i16>) -> String {
    match (hour, minutes) {
        (Some(h), m) => format!("{h:02}:{:02}", m.unwrap_or(0)),
        _ => String::new(),
    }
}

/// `09:05` (or `09:05:00`) → `(9, 5)`; blank → `None`; anything else is refused.
fn parse_time(text: &str) -> Result<Option<(i16, i16)>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let mut parts = text.split(':');
    let hour = parts.next().and_then(|h| h.parse::<i16>().ok());
    let minutes = parts.next().and_then(|m| m.parse::<i16>().ok());
    match (hour, minutes) {
        (Some(h), Some(m)) if (0..24).contains(&h) && (0..60).contains(&m) => Ok(Some((h, m))),
        _ => Err(()),
    }
}

/// One weekday row, as submitted or as stored.
#[derive(Clone, Debug)]
struct DayRow {
    day: i16,
    /// `day<N>`: the id of the row's select and the key of its message.
    field: String,
    mode: String,
    open: String,
    close: String,
}

impl DayRow {
    fn of(day: i16, hours: Option<&WorkingHour>) -> Self {
        let (mode, open, close) = match hours {
            Some(w) if w.open_all_day => (ALL_DAY, String::new(), String::new()),
            Some(w) if !w.closed_all_day => (
                HOURS,
                hhmm(w.open_hour, w.open_minutes),
                hhmm(w.close_hour, w.close_minutes),
            ),
            _ => (CLOSED, String::new(), String::new()),
        };
        DayRow {
            day,
            field: format!("day{day}"),
            mode: mode.to_owned(),
            open,
            close,
        }
    }

    /// The row as the service takes it; a time that is not one is refused here.
    fn hours(&self, errors: &mut FieldErrors) -> WorkingHour {
        let mut hours = WorkingHour {
            day_of_week: self.day,
            closed_all_day: self.mode != ALL_DAY && self.mode != HOURS,
            open_all_day: self.mode == ALL_DAY,
            open_hour: None,
            open_minutes: None,
            close_hour: None,
            close_minutes: None,
        };
        if self.mode == HOURS {
            match (parse_time(&self.open), parse_time(&self.close)) {
                (Ok(open), Ok(close)) => {
                    (hours.open_hour, hours.open_minutes) = open.unzip();
                    (hours.close_hour, hours.close_minutes) = close.unzip();
                }
                _ => errors.add(self.field.as_str(), "has an invalid time"),
            }
        }
        hours
    }
}

/// The editor's form.
#[derive(Clone, Debug)]
struct HoursForm {
    enabled: bool,
    timezone: String,
    days: Vec<DayRow>,
}

impl HoursForm {
    fn of(inbox: &Inbox) -> Self {
        HoursForm {
            enabled: inbox.working_hours_enabled,
            timezone: inbox.timezone.clone(),
            days: (0..7)
                .map(|day| {
                    let hours = inbox.working_hours.iter().find(|w| w.day_of_week == day);
                    DayRow::of(day, hours)
                })
                .collect(),
        }
    }

    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = HoursForm {
            enabled: false,
            timezone: String::new(),
            days: (0..7).map(|day| DayRow::of(day, None)).collect(),
        };
        for (key, value) in pairs {
            if key == "working_hours_enabled" {
                form.enabled = true;
            } else if key == "timezone" {
                form.timezone = value;
            } else if let Some((day, part)) = key
                .strip_prefix("day")
                .and_then(|rest| rest.split_once('_'))
                && let Some(row) = day.parse::<usize>().ok().and_then(|d| form.days.get_mut(d))
            {
                match part {
                    "mode" => row.mode = value,
                    "open" => row.open = value,
                    "close" => row.close = value,
                    _ => {}
                }
            }
        }
        form
    }

    /// The service's input, or the rows whose times are not times.
    fn input(&self) -> Result<InboxInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let week = self.days.iter().map(|d| d.hours(&mut errors)).collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(InboxInput {
            working_hours_enabled: Some(self.enabled),
            timezone: Some(self.timezone.trim().to_owned()),
            working_hours: Some(week),
            ..InboxInput::default()
        })
    }
}

/// The service's `working_hours` messages ("day 1 closes before it opens") moved to the row
/// they are about (`day1`: "closes before it opens").
fn by_row(errors: FieldErrors) -> FieldErrors {
    let mut placed = FieldErrors::new();
    for error in errors.iter() {
        let row = (error.field == "working_hours")
            .then(|| error.message.strip_prefix("day "))
            .flatten()
            .and_then(|rest| rest.split_once(' '))
            .filter(|(day, _)| day.parse::<u8>().is_ok_and(|d| d < 7));
        match row {
            Some((day, message)) => placed.add(format!("day{day}"), message),
            None => placed.add(error.field.as_str(), error.message.as_str()),
        }
    }
    placed
}

#[derive(Template, WebTemplate)]
#[template(path = "settings/inboxes/working_hours.html")]
struct WorkingHoursPage {
    tr: Locale,
    nav: Nav,
    flash: Option<String>,
    inbox: Inbox,
    tab: &'static str,
    form: HoursForm,
    errors: FormErrors,
}

impl WorkingHoursPage {
    fn new(web: &WebCtx, inbox: Inbox, form: HoursForm) -> Self {
        WorkingHoursPage {
            tr: web.tr,
            nav: web.nav.clone(),
            flash: None,
            inbox,
            tab: "working_hours",
            form,
            errors: FormErrors::default(),
        }
    }

    fn weekday(&self, day: &i16) -> String {
        weekday(self.tr, *day)
    }

    fn modes(&self, current: &str) -> Vec<Choice> {
        vec![
            Choice::new(CLOSED, self.tr.t("working-hours-closed"), current),
            Choice::new(ALL_DAY, self.tr.t("working-hours-all-day"), current),
            Choice::new(HOURS, self.tr.t("working-hours-hours"), current),
        ]
    }

    fn timezones(&self) -> impl Iterator<Item = &'static str> {
        timezones()
    }
}

/// `GET /app/accounts/{account_id}/settings/inboxes/{id}/working_hours`.
async fn show_working_hours(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
) -> Result<Response> {
    web.ctx.require(Permission::InboxManage)?;
    let inbox = load(&app, &web, id).await?;
    let form = HoursForm::of(&inbox);
    let mut page = WorkingHoursPage::new(&web, inbox, form);
    page.flash = flash::take(&web.session, web.tr).await;
    Ok(session::no_store(page.into_response()))
}

/// `POST /app/accounts/{account_id}/settings/inboxes/{id}/working_hours`: the whole week.
async fn update_working_hours(
    State(app): State<AppState>,
    web: WebCtx,
    PathId(id): PathId,
    htmx: HxRequest,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response> {
    web.ctx.require(Permission::InboxManage)?;
    let inbox = load(&app, &web, id).await?;
    let form = HoursForm::from_pairs(pairs);
    let saved = match form.input() {
        Ok(input) => service::update(&app, &web.ctx, inbox.id, input)
            .await
            .or_invalid()?,
        Err(errors) => Err(errors),
    };
    match saved {
        Ok(saved) => {
            shared::done(&web.session, Done::WorkingHoursSaved(saved.name)).await?;
            let url = format!("{}/settings/inboxes/{id}/working_hours", web.nav.base());
            Ok(see_other(htmx, &url))
        }
        Err(errors) => {
            let mut page = WorkingHoursPage::new(&web, inbox, form);
            page.errors = FormErrors::new(web.tr, &by_row(errors), FIELDS);
            Ok(session::no_store(unprocessable(page)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_the_time_input_sends_them() {
        assert_eq!(parse_time("09:05"), Ok(Some((9, 5))));
        assert_eq!(parse_time("23:59:00"), Ok(Some((23, 59))));
        assert_eq!(parse_time(" "), Ok(None));
        for bad in ["24:00", "9h", "12:60", "ab:cd", "12"] {
            assert_eq!(parse_time(bad), Err(()), "{bad}");
        }
        assert_eq!(hhmm(Some(9), Some(5)), "09:05");
        assert_eq!(hhmm(None, None), "");
    }

    #[test]
    fn the_stored_week_round_trips_through_the_form() {
        let mut week = WorkingHour::default_week();
        week[0].open_all_day = true;
        week[0].closed_all_day = false;
        let rows: Vec<DayRow> = (0..7)
            .map(|d| DayRow::of(d, week.iter().find(|w| w.day_of_week == d)))
            .collect();
        assert_eq!(rows[0].mode, ALL_DAY);
        assert_eq!(
            (rows[1].mode.as_str(), rows[1].open.as_str()),
            (HOURS, "09:00")
        );
        assert_eq!(rows[6].mode, CLOSED);
        let mut errors = FieldErrors::new();
        let again: Vec<WorkingHour> = rows.iter().map(|r| r.hours(&mut errors)).collect();
        assert!(errors.is_empty());
        assert_eq!(again[1], week[1]);
        assert_eq!(again[6], week[6]);
        assert!(again[0].open_all_day);
    }

    #[test]
    fn the_services_day_messages_go_next_to_their_row() {
        let mut errors = FieldErrors::new();
        errors.add("working_hours", "day 3 closes before it opens");
        errors.add("timezone", "is not a known time zone");
        errors.add("working_hours", "must have exactly one entry for each day");
        let placed = by_row(errors);
        assert_eq!(placed.get("day3"), Some("closes before it opens"));
        assert_eq!(placed.get("timezone"), Some("is not a known time zone"));
        assert!(placed.get("working_hours").is_some());
    }

    #[test]
    fn every_weekday_has_a_name() {
        for tr in Locale::ALL {
            for day in 0..7 {
                assert!(!weekday(tr, day).starts_with("Unknown"), "{tr} {day}");
            }
        }
    }
}
