//! The supported variables, each with a one-line description in Brazilian Portuguese and in
//! English, for editors and previews to list.
//!
//! Two kinds: the fixed entries of [`entries`], and the dynamic families
//! `contact.custom_attribute.<key>` and `conversation.custom_attribute.<key>`, whose entries
//! [`custom_attribute_entries`] builds for the keys an account defines.

use std::borrow::Cow;

use serde::Serialize;

use super::syntax::is_valid_path;

/// One supported variable: the path written between the braces and what it stands for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The path, e.g. `contact.first_name`.
    pub key: Cow<'static, str>,
    /// One line in Brazilian Portuguese.
    pub description_pt_br: Cow<'static, str>,
    /// One line in English.
    pub description_en: Cow<'static, str>,
}

/// Which record a custom attribute belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeScope {
    /// `contact.custom_attribute.<key>`.
    Contact,
    /// `conversation.custom_attribute.<key>`.
    Conversation,
}

impl AttributeScope {
    /// The path prefix of the family, dot included: `contact.custom_attribute.`.
    pub fn prefix(self) -> &'static str {
        match self {
            AttributeScope::Contact => CONTACT_ATTRIBUTE_PREFIX,
            AttributeScope::Conversation => CONVERSATION_ATTRIBUTE_PREFIX,
        }
    }

    /// The path of the custom attribute `key` in this scope.
    pub fn path(self, key: &str) -> String {
        format!("{}{key}", self.prefix())
    }
}

/// Path prefix of contact custom attributes.
pub const CONTACT_ATTRIBUTE_PREFIX: &str = "contact.custom_attribute.";
/// Path prefix of conversation custom attributes.
pub const CONVERSATION_ATTRIBUTE_PREFIX: &str = "conversation.custom_attribute.";

const fn entry(key: &'static str, pt_br: &'static str, en: &'static str) -> Entry {
    Entry {
        key: Cow::Borrowed(key),
        description_pt_br: Cow::Borrowed(pt_br),
        description_en: Cow::Borrowed(en),
    }
}

const ENTRIES: &[Entry] = &[
    entry(
        "conversation.id",
        "Número da conversa (o mesmo que o agente vê na conta)",
        "Conversation number (the per-account id agents see)",
    ),
    entry(
        "conversation.display_id",
        "Número da conversa na conta (igual a conversation.id)",
        "Per-account conversation number (same as conversation.id)",
    ),
    entry("contact.id", "Identificador do contato", "Contact id"),
    entry(
        "contact.name",
        "Nome completo do contato",
        "Contact full name",
    ),
    entry(
        "contact.first_name",
        "Primeiro nome do contato",
        "Contact first name",
    ),
    entry(
        "contact.last_name",
        "Último sobrenome do contato (vazio se o nome tem uma só palavra)",
        "Contact last name (empty for a one-word name)",
    ),
    entry("contact.email", "E-mail do contato", "Contact email"),
    entry(
        "contact.phone_number",
        "Telefone do contato",
        "Contact phone number",
    ),
    entry(
        "agent.name",
        "Nome completo do agente atribuído",
        "Assigned agent full name",
    ),
    entry(
        "agent.first_name",
        "Primeiro nome do agente atribuído",
        "Assigned agent first name",
    ),
    entry(
        "agent.last_name",
        "Último sobrenome do agente atribuído (vazio se o nome tem uma só palavra)",
        "Assigned agent last name (empty for a one-word name)",
    ),
    entry(
        "agent.email",
        "E-mail do agente atribuído",
        "Assigned agent email",
    ),
    entry(
        "agent.phone_number",
        "Telefone do agente atribuído",
        "Assigned agent phone number",
    ),
    entry("inbox.id", "Identificador da caixa de entrada", "Inbox id"),
    entry("inbox.name", "Nome da caixa de entrada", "Inbox name"),
    entry("account.name", "Nome da conta", "Account name"),
];

/// The fixed variables, in display order (custom attribute families excluded).
pub fn entries() -> &'static [Entry] {
    ENTRIES
}

/// Entries for the custom attributes `keys` of `scope`, in the order given.
///
/// A key that cannot be written in a placeholder (empty, or with a character outside
/// `[A-Za-z0-9_-]`) is left out: no template could refer to it.
pub fn custom_attribute_entries<'k>(
    scope: AttributeScope,
    keys: impl IntoIterator<Item = &'k str>,
) -> Vec<Entry> {
    keys.into_iter()
        .filter(|key| is_attribute_key(key))
        .map(|key| {
            let (pt_br, en) = match scope {
                AttributeScope::Contact => (
                    "Atributo personalizado do contato",
                    "Contact custom attribute",
                ),
                AttributeScope::Conversation => (
                    "Atributo personalizado da conversa",
                    "Conversation custom attribute",
                ),
            };
            Entry {
                key: Cow::Owned(scope.path(key)),
                description_pt_br: Cow::Owned(format!("{pt_br}: {key}")),
                description_en: Cow::Owned(format!("{en}: {key}")),
            }
        })
        .collect()
}

/// Whether `key` can be a custom attribute key in a path: one segment of `[A-Za-z0-9_-]`.
pub fn is_attribute_key(key: &str) -> bool {
    !key.contains('.') && is_valid_path(key)
}

/// Whether `path` is a supported variable: a fixed entry or a member of a custom attribute
/// family (`contact.custom_attribute.<key>` with a one-segment key).
pub fn is_known(path: &str) -> bool {
    ENTRIES.iter().any(|entry| entry.key == path)
        || [CONTACT_ATTRIBUTE_PREFIX, CONVERSATION_ATTRIBUTE_PREFIX]
            .iter()
            .any(|prefix| path.strip_prefix(prefix).is_some_and(is_attribute_key))
}
