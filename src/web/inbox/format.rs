//! How the inbox writes times, names and previews: in the account's time zone and the page's
//! language.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::contacts::model::Contact;
use crate::i18n::Locale;

/// Formats times for one page.
#[derive(Clone, Copy, Debug)]
pub struct Times {
    tz: Tz,
    now: DateTime<Utc>,
    tr: Locale,
}

impl Times {
    /// Times in `timezone` (an IANA name; UTC when unknown), relative to `now`.
    pub fn new(timezone: &str, now: DateTime<Utc>, tr: Locale) -> Self {
        Times {
            tz: timezone.parse().unwrap_or(Tz::UTC),
            now,
            tr,
        }
    }

    /// The time zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// Now.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Short form for lists: the time today, else the day (and year when not this one).
    pub fn short(&self, t: DateTime<Utc>) -> String {
        let local = t.with_timezone(&self.tz);
        let today = self.now.with_timezone(&self.tz);
        let format = if local.date_naive() == today.date_naive() {
            "%H:%M"
        } else if local.year() == today.year() {
            match self.tr {
                Locale::PtBr => "%d/%m",
                Locale::En => "%b %-d",
            }
        } else {
            match self.tr {
                Locale::PtBr => "%d/%m/%Y",
                Locale::En => "%b %-d, %Y",
            }
        };
        local.format(format).to_string()
    }

    /// Date and time, for messages and tooltips.
    pub fn long(&self, t: DateTime<Utc>) -> String {
        let local = t.with_timezone(&self.tz);
        let today = self.now.with_timezone(&self.tz);
        if local.date_naive() == today.date_naive() {
            return local.format("%H:%M").to_string();
        }
        let format = match self.tr {
            Locale::PtBr => "%d/%m/%Y %H:%M",
            Locale::En => "%b %-d, %Y %H:%M",
        };
        local.format(format).to_string()
    }

    /// The value of a `datetime-local` input for `t`.
    pub fn input_value(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    }
}

/// RFC 3339, for `<time datetime>`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The contact's name, else what identifies them.
pub fn contact_name(contact: &Contact) -> String {
    [
        Some(contact.name.trim()),
        contact.phone_number.as_deref(),
        contact.email.as_deref(),
        contact.identifier.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find(|v| !v.is_empty())
    .map(str::to_owned)
    .unwrap_or_else(|| format!("#{}", contact.id))
}

/// Up to two initials for an avatar.
pub fn initials(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .collect();
    if letters.is_empty() {
        "?".into()
    } else {
        letters.to_uppercase()
    }
}

/// One line of at most `max` characters, whitespace collapsed.
pub fn excerpt(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        line
    } else {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Lowercase without the accents Portuguese uses, to compare words the way search does.
fn fold(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

/// One line of `text` around the first word a search for `query` matched (a word starting like
/// one of the query's words, accents aside), at most `max` characters.
pub fn excerpt_around(text: &str, query: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let stems: Vec<String> = query
        .split_whitespace()
        .map(|w| fold(w.trim_matches(|c: char| !c.is_alphanumeric())))
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(4).collect())
        .collect();
    let first = words.iter().position(|w| {
        let w = fold(w.trim_matches(|c: char| !c.is_alphanumeric()));
        stems.iter().any(|s| w.starts_with(s.as_str()))
    });
    match first {
        Some(at) if at > 3 => format!(
            "…{}",
            excerpt(&words[at - 3..].join(" "), max.saturating_sub(1))
        ),
        _ => excerpt(text, max),
    }
}

/// `1.2 MB`, `340 KB`.
pub fn size(bytes: i64) -> String {
    let bytes = bytes.max(0) as f64;
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MB", bytes / 1024.0 / 1024.0)
    } else if bytes >= 1024.0 {
        format!("{:.0} KB", bytes / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    #[test]
    fn a_search_excerpt_starts_near_the_word_that_matched() {
        let text = "Bom dia, tudo bem? Eu queria saber sobre os meus pedidos de ontem, obrigado";
        assert_eq!(
            super::excerpt_around(text, "pedido", 40),
            "…sobre os meus pedidos de ontem, obriga…"
        );
        assert_eq!(super::excerpt_around("Não chegou", "nao", 40), "Não chegou");
        assert_eq!(
            super::excerpt_around("sem relação", "xyz", 40),
            "sem relação"
        );
    }

    use super::*;

    #[test]
    fn list_times_show_the_hour_today_and_the_day_otherwise() {
        let now = Utc
            .with_ymd_and_hms(2026, 3, 10, 15, 0, 0)
            .single()
            .expect("now");
        let pt = Times::new("America/Sao_Paulo", now, Locale::PtBr);
        let en = Times::new("America/Sao_Paulo", now, Locale::En);
        let this_morning = Utc
            .with_ymd_and_hms(2026, 3, 10, 12, 5, 0)
            .single()
            .expect("t");
        assert_eq!(pt.short(this_morning), "09:05");
        let last_week = Utc
            .with_ymd_and_hms(2026, 3, 3, 12, 5, 0)
            .single()
            .expect("t");
        assert_eq!(pt.short(last_week), "03/03");
        assert_eq!(en.short(last_week), "Mar 3");
        let last_year = Utc
            .with_ymd_and_hms(2025, 12, 3, 12, 5, 0)
            .single()
            .expect("t");
        assert_eq!(pt.short(last_year), "03/12/2025");
        assert_eq!(en.long(last_year), "Dec 3, 2025 09:05");
        assert_eq!(pt.input_value(this_morning), "2026-03-10T09:05");
        assert_eq!(Times::new("Nowhere/Else", now, Locale::En).tz(), Tz::UTC);
    }

    #[test]
    fn names_excerpts_and_sizes_read_well() {
        assert_eq!(initials("ana maria souza"), "AM");
        assert_eq!(initials("+55 11"), "51");
        assert_eq!(initials(""), "?");
        assert_eq!(excerpt("  olá\n\n  tudo   bem? ", 50), "olá tudo bem?");
        assert_eq!(excerpt("abcdefghij", 5), "abcd…");
        assert_eq!(size(2_500_000), "2.4 MB");
        assert_eq!(size(2048), "2 KB");
        assert_eq!(size(12), "12 B");
    }
}
