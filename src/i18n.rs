//! Translations (Fluent catalogues in `locales/`), in pt-BR and en. A page's locale is the
//! user's setting, else the browser's `Accept-Language`, else the account's default.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Without this, Fluent wraps arguments in U+2068/U+2069, which leak into e-mail and
        // WhatsApp text and break text assertions.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static EN: LanguageIdentifier = langid!("en");
static PT_BR: LanguageIdentifier = langid!("pt-BR");

/// A language the UI ships in.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
pub enum Locale {
    /// Brazilian Portuguese, the default of new accounts.
    #[default]
    #[serde(rename = "pt-BR")]
    PtBr,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 2] = [Locale::PtBr, Locale::En];

    /// The BCP 47 code (`pt-BR`, `en`), as stored and as put in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Locale::PtBr => "pt-BR",
            Locale::En => "en",
        }
    }

    /// The language's own name, for pickers.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::PtBr => "Português (Brasil)",
            Locale::En => "English",
        }
    }

    /// Parses `pt-BR`, `pt_BR`, `pt`, `en`, `en-US`, … (case-insensitive).
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "pt" => Some(Locale::PtBr),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The best supported locale for an `Accept-Language` header, honouring q-values.
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let mut candidates: Vec<(f32, usize, Locale)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(position, part)| {
                let mut pieces = part.split(';');
                let locale = Locale::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, position, locale))
            })
            .collect();
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        candidates.first().map(|c| c.2)
    }

    fn langid(self) -> &'static LanguageIdentifier {
        match self {
            Locale::PtBr => &PT_BR,
            Locale::En => &EN,
        }
    }

    /// The message `key`.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.langid(), key)
    }

    /// The message `key` with one argument.
    pub fn t1(self, key: &str, name: &'static str, value: impl Into<FluentArg>) -> String {
        self.t_args(key, &[(name, value.into())])
    }

    /// The message `key` with arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, FluentArg)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    FluentArg::Text(text) => FluentValue::from(text.clone()),
                    FluentArg::Number(n) => FluentValue::from(*n),
                };
                (Cow::Borrowed(*name), value)
            })
            .collect();
        LOCALES.lookup_with_args(self.langid(), key, &args)
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A value for a Fluent placeholder.
#[derive(Clone, Debug)]
pub enum FluentArg {
    /// Text, inserted as is.
    Text(String),
    /// A number, which also selects plural forms.
    Number(i64),
}

impl From<&str> for FluentArg {
    fn from(s: &str) -> Self {
        FluentArg::Text(s.to_owned())
    }
}

impl From<String> for FluentArg {
    fn from(s: String) -> Self {
        FluentArg::Text(s)
    }
}

impl From<i64> for FluentArg {
    fn from(n: i64) -> Self {
        FluentArg::Number(n)
    }
}

/// Templates pass numbers by reference.
impl From<&i64> for FluentArg {
    fn from(n: &i64) -> Self {
        FluentArg::Number(*n)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    fn keys(ftl: &str) -> BTreeSet<String> {
        ftl.lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|line| line.split_once('=').map(|(key, _)| key.trim().to_owned()))
            .collect()
    }

    fn catalogue(locale: &str) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(locale);
        let mut all = BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("locale dir") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("ftl");
            all.extend(keys(&text));
        }
        all
    }

    /// Keys used as `tr.t("key")`, `tr.t1("key"`, `.t("key")` in templates and sources.
    fn used_keys() -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = BTreeSet::new();
        let mut stack = vec![root.join("templates"), root.join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
                let path = entry.path();
                if path.ends_with("i18n.rs") {
                    continue;
                }
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for marker in [".t(\"", ".t1(\"", ".t_args(\""] {
                    for (i, _) in text.match_indices(marker) {
                        let rest = &text[i + marker.len()..];
                        if let Some(end) = rest.find('"') {
                            let key = &rest[..end];
                            if key
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                                && !key.is_empty()
                            {
                                used.insert(key.to_owned());
                            }
                        }
                    }
                }
            }
        }
        used
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let en = catalogue("en");
        let pt = catalogue("pt-BR");
        let only_en: Vec<_> = en.difference(&pt).collect();
        let only_pt: Vec<_> = pt.difference(&en).collect();
        assert!(
            only_en.is_empty() && only_pt.is_empty(),
            "only en: {only_en:?}; only pt-BR: {only_pt:?}"
        );
        assert!(en.len() > 5);
    }

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        let en = catalogue("en");
        let missing: Vec<_> = used_keys()
            .into_iter()
            .filter(|k| !en.contains(k))
            .collect();
        assert!(missing.is_empty(), "missing translations: {missing:?}");
    }

    #[test]
    fn accept_language_honours_q_values_and_order() {
        assert_eq!(
            Locale::negotiate("pt-BR,pt;q=0.9,en;q=0.8"),
            Some(Locale::PtBr)
        );
        assert_eq!(Locale::negotiate("en-US,en;q=0.9"), Some(Locale::En));
        assert_eq!(
            Locale::negotiate("fr-FR, en;q=0.5, pt;q=0.7"),
            Some(Locale::PtBr)
        );
        assert_eq!(Locale::negotiate("de, fr"), None);
        assert_eq!(Locale::negotiate("pt;q=0, en"), Some(Locale::En));
        assert_eq!(Locale::negotiate(""), None);
    }

    #[test]
    fn messages_are_translated_without_isolation_marks() {
        assert_eq!(Locale::En.t("app-name"), "Atende");
        let greeting = Locale::PtBr.t1("home-greeting", "name", "Ana");
        assert!(greeting.contains("Ana"), "{greeting}");
        assert!(!greeting.contains('\u{2068}'));
    }
}
