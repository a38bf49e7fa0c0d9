//! Inbox and channel types, and the validation of working hours.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::ids::{AccountId, InboxId};
use crate::text_enum;

text_enum! {
    /// The kind of channel behind an inbox.
    pub enum ChannelType {
        /// Chatwoot's API channel: integrators post messages and receive events by webhook.
        Api = "api",
        /// WhatsApp Cloud API.
        Whatsapp = "whatsapp",
        /// E-mail (IMAP in, SMTP out).
        Email = "email",
    }
}

impl ChannelType {
    /// Chatwoot's class name (`Channel::Api`), as clients expect in `channel_type`.
    pub fn chatwoot_name(self) -> &'static str {
        match self {
            ChannelType::Api => "Channel::Api",
            ChannelType::Whatsapp => "Channel::Whatsapp",
            ChannelType::Email => "Channel::Email",
        }
    }
}

/// The API channel's settings.
#[derive(Clone, Debug)]
pub struct ApiChannel {
    /// Channel id (`channel_id` in Chatwoot's JSON).
    pub id: i64,
    /// Where every conversation and message event of the inbox is POSTed.
    pub webhook_url: Option<String>,
    /// Secret for the public client API's identity validation.
    pub hmac_token: String,
    /// Whether contacts must be verified with the HMAC.
    pub hmac_mandatory: bool,
    /// Public identifier (`inbox_identifier`).
    pub identifier: String,
    /// Free-form attributes.
    pub additional_attributes: serde_json::Value,
}

/// One weekday's opening hours, in the inbox's time zone (0 = Sunday).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHour {
    /// 0 (Sunday) to 6 (Saturday).
    pub day_of_week: i16,
    /// Closed the whole day.
    #[serde(default)]
    pub closed_all_day: bool,
    /// Open the whole day.
    #[serde(default)]
    pub open_all_day: bool,
    /// Opening hour.
    pub open_hour: Option<i16>,
    /// Opening minute.
    pub open_minutes: Option<i16>,
    /// Closing hour.
    pub close_hour: Option<i16>,
    /// Closing minute.
    pub close_minutes: Option<i16>,
}

impl WorkingHour {
    /// Chatwoot's default week: Monday to Friday 9:00–17:00, weekends closed.
    pub fn default_week() -> Vec<WorkingHour> {
        (0..7)
            .map(|day| {
                let weekend = day == 0 || day == 6;
                WorkingHour {
                    day_of_week: day,
                    closed_all_day: weekend,
                    open_all_day: false,
                    open_hour: (!weekend).then_some(9),
                    open_minutes: (!weekend).then_some(0),
                    close_hour: (!weekend).then_some(17),
                    close_minutes: (!weekend).then_some(0),
                }
            })
            .collect()
    }

    /// Checks a full week: one entry per day, valid times, closing after opening. An all-day
    /// opening is stored as 00:00–23:59.
    pub fn validate_week(mut week: Vec<WorkingHour>, errors: &mut FieldErrors) -> Vec<WorkingHour> {
        week.sort_by_key(|w| w.day_of_week);
        let days: Vec<i16> = week.iter().map(|w| w.day_of_week).collect();
        if days != (0..7).collect::<Vec<_>>() {
            errors.add(
                "working_hours",
                "must have exactly one entry for each day_of_week from 0 to 6",
            );
            return week;
        }
        for w in &mut week {
            if w.open_all_day {
                (w.open_hour, w.open_minutes, w.close_hour, w.close_minutes) =
                    (Some(0), Some(0), Some(23), Some(59));
                w.closed_all_day = false;
            }
            if w.closed_all_day {
                (w.open_hour, w.open_minutes, w.close_hour, w.close_minutes) =
                    (None, None, None, None);
                continue;
            }
            let (Some(oh), Some(om), Some(ch), Some(cm)) =
                (w.open_hour, w.open_minutes, w.close_hour, w.close_minutes)
            else {
                errors.add(
                    "working_hours",
                    format!("day {} needs opening and closing times", w.day_of_week),
                );
                continue;
            };
            let valid = (0..24).contains(&oh)
                && (0..24).contains(&ch)
                && (0..60).contains(&om)
                && (0..60).contains(&cm);
            if !valid {
                errors.add(
                    "working_hours",
                    format!("day {} has an invalid time", w.day_of_week),
                );
            } else if (ch, cm) <= (oh, om) {
                errors.add(
                    "working_hours",
                    format!("day {} closes before it opens", w.day_of_week),
                );
            }
        }
        week
    }
}

/// An inbox with its channel settings.
#[derive(Clone, Debug)]
pub struct Inbox {
    /// Id.
    pub id: InboxId,
    /// The account.
    pub account_id: AccountId,
    /// Name.
    pub name: String,
    /// The channel kind.
    pub channel_type: ChannelType,
    /// Greeting on new conversations.
    pub greeting_enabled: bool,
    /// Greeting text.
    pub greeting_message: Option<String>,
    /// Ask contacts for their e-mail.
    pub enable_email_collect: bool,
    /// Send a CSAT survey on resolve.
    pub csat_survey_enabled: bool,
    /// Assign new conversations automatically.
    pub enable_auto_assignment: bool,
    /// Whether working hours apply.
    pub working_hours_enabled: bool,
    /// Message outside working hours.
    pub out_of_office_message: Option<String>,
    /// IANA time zone of the working hours.
    pub timezone: String,
    /// Accept messages on resolved conversations.
    pub allow_messages_after_resolved: bool,
    /// Reuse the contact's last conversation instead of opening a new one.
    pub lock_to_single_conversation: bool,
    /// `friendly` or `professional`.
    pub sender_name_type: String,
    /// Business name shown to contacts.
    pub business_name: Option<String>,
    /// The API channel settings, for API inboxes.
    pub api: Option<ApiChannel>,
    /// The week's opening hours.
    pub working_hours: Vec<WorkingHour>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Inbox {
    /// The channel id Chatwoot clients see.
    pub fn channel_id(&self) -> i64 {
        self.api.as_ref().map(|a| a.id).unwrap_or(self.id.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_week_is_valid() {
        let mut errors = FieldErrors::new();
        let week = WorkingHour::validate_week(WorkingHour::default_week(), &mut errors);
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(week.len(), 7);
    }

    #[test]
    fn a_day_that_closes_before_it_opens_or_a_missing_day_is_refused() {
        let mut week = WorkingHour::default_week();
        week[1].close_hour = Some(8);
        let mut errors = FieldErrors::new();
        WorkingHour::validate_week(week, &mut errors);
        assert_eq!(
            errors.full_message(),
            "Working hours day 1 closes before it opens"
        );
        let mut errors = FieldErrors::new();
        WorkingHour::validate_week(WorkingHour::default_week()[..6].to_vec(), &mut errors);
        assert!(!errors.is_empty());
    }

    #[test]
    fn open_all_day_becomes_midnight_to_2359() {
        let mut week = WorkingHour::default_week();
        week[0] = WorkingHour {
            day_of_week: 0,
            open_all_day: true,
            closed_all_day: true,
            open_hour: None,
            open_minutes: None,
            close_hour: None,
            close_minutes: None,
        };
        let mut errors = FieldErrors::new();
        let week = WorkingHour::validate_week(week, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(
            (week[0].open_hour, week[0].close_hour, week[0].close_minutes),
            (Some(0), Some(23), Some(59))
        );
        assert!(!week[0].closed_all_day);
    }
}
