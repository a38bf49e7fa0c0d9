//! Contact types and the parsing of phone numbers.

use chrono::{DateTime, Utc};
use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, Type};
use serde_json::Value;

use crate::ids::{AccountId, ContactId};

/// A phone number as stored: `+` and digits, with a matching key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone {
    /// `+<digits>`, E.164 when the number is valid.
    pub number: String,
    /// Equal for the two forms of a Brazilian mobile (with and without the ninth digit).
    pub key: String,
}

impl Phone {
    /// Accepts what Chatwoot accepts: `+` and 1–15 digits, first digit not 0. Digits without
    /// `+` get one; spaces, dashes, dots and parentheses are dropped. Numbers libphonenumber
    /// does not know are kept as typed (Evolution API's control contact is `+123456`).
    pub fn parse(input: &str) -> Result<Phone, &'static str> {
        let compact: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let number = if compact.starts_with('+') {
            compact
        } else {
            format!("+{compact}")
        };
        let digits = &number[1..];
        let valid = (2..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        if !valid {
            return Err("should be in e164 format");
        }
        let number = match phonenumber::parse(None, &number) {
            Ok(parsed) if parsed.is_valid() => parsed.format().mode(Mode::E164).to_string(),
            _ => number,
        };
        let key = brazilian_mobile_key(&number).unwrap_or_else(|| number.clone());
        Ok(Phone { number, key })
    }
}

/// For a Brazilian mobile written in the old eight-digit form (+55 AA NNNN-NNNN), the nine-digit
/// form libphonenumber accepts as a mobile; for the nine-digit form, itself.
fn brazilian_mobile_key(number: &str) -> Option<String> {
    let national = number.strip_prefix("+55")?;
    if national.len() != 10 {
        return None;
    }
    let (area, subscriber) = national.split_at(2);
    // Eight-digit mobiles started with 6 to 9; 2 to 5 are landlines, which never got the 9.
    if !subscriber.starts_with(['6', '7', '8', '9']) {
        return None;
    }
    let candidate = format!("+55{area}9{subscriber}");
    let parsed = phonenumber::parse(None, &candidate).ok()?;
    (parsed.is_valid() && parsed.number_type(&DATABASE) == Type::Mobile).then_some(candidate)
}

/// A customer.
#[derive(Clone, Debug)]
pub struct Contact {
    /// Id.
    pub id: ContactId,
    /// The account.
    pub account_id: AccountId,
    /// Name (may be empty).
    pub name: String,
    /// E-mail, lowercased.
    pub email: Option<String>,
    /// Phone number, `+digits`.
    pub phone_number: Option<String>,
    /// External identifier (a WhatsApp JID, a CRM id).
    pub identifier: Option<String>,
    /// Blocked contacts' conversations stay resolved (a muted conversation blocks its contact).
    pub blocked: bool,
    /// Free-form attributes (company, city, country_code, ...).
    pub additional_attributes: Value,
    /// Attributes defined by the account.
    pub custom_attributes: Value,
    /// Labels.
    pub labels: Vec<String>,
    /// Last incoming message.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl Contact {
    /// `first word` of the name.
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_without_plus_get_one_and_decorations_go() {
        assert_eq!(
            Phone::parse("5511987654321").map(|p| p.number),
            Ok("+5511987654321".into())
        );
        assert_eq!(
            Phone::parse("+55 (11) 98765-4321").map(|p| p.number),
            Ok("+5511987654321".into())
        );
    }

    #[test]
    fn chatwoot_accepts_numbers_libphonenumber_does_not_know() {
        assert_eq!(
            Phone::parse("+123456").map(|p| p.number),
            Ok("+123456".into())
        );
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in ["", "+", "+0123", "+12a45", "abc", "+1234567890123456", "+5"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn brazilian_mobiles_match_with_and_without_the_ninth_digit() {
        let nine = Phone::parse("+5511987654321").expect("nine digits");
        let eight = Phone::parse("+551187654321").expect("eight digits");
        assert_eq!(nine.key, "+5511987654321");
        assert_eq!(eight.key, nine.key);
        assert_eq!(
            eight.number, "+551187654321",
            "the number itself is kept as sent"
        );
        // A landline (starts with 3) is not a mobile: its key is itself.
        let landline = Phone::parse("+551133334444").expect("landline");
        assert_eq!(landline.key, "+551133334444");
        let us = Phone::parse("+14155552671").expect("us");
        assert_eq!(us.key, "+14155552671");
    }
}
