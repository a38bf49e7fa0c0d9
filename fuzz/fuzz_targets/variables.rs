//! Renders arbitrary text against a fixed set of values and checks the engine's invariants:
//! no panic, output within the bound, text without `{{` unchanged, deterministic output.

#![no_main]

use std::sync::LazyLock;

use atende::variables::{
    self, AccountVars, AgentVars, ContactVars, ConversationVars, InboxVars, MAX_PLACEHOLDERS,
    MAX_SUBSTITUTED_BYTES, Sources, Values,
};
use libfuzzer_sys::fuzz_target;

static VALUES: LazyLock<Values> = LazyLock::new(|| {
    let mut attributes = serde_json::Map::new();
    attributes.insert("plano-2024".into(), "ouro".into());
    attributes.insert("pontos".into(), 42.into());
    attributes.insert("vip".into(), true.into());
    attributes.insert("vazio".into(), "  ".into());
    // Large enough that a few repetitions reach the byte bound.
    attributes.insert("notas".into(), "n".repeat(9000).into());
    attributes.insert("chaves".into(), "{{ contact.name }}`".into());
    Sources {
        contact: Some(ContactVars {
            id: 7,
            name: Some("João da Silva".into()),
            email: Some("joao@example.com".into()),
            phone_number: None,
            custom_attributes: attributes,
        }),
        agent: Some(AgentVars {
            name: Some("Pelé".into()),
            email: None,
            phone_number: Some("+5511999990000".into()),
        }),
        conversation: Some(ConversationVars {
            display_id: 77,
            custom_attributes: serde_json::Map::new(),
        }),
        inbox: Some(InboxVars {
            id: 3,
            name: "WhatsApp".into(),
        }),
        account: Some(AccountVars {
            name: "Loja 😀".into(),
        }),
    }
    .values()
});

fuzz_target!(|data: &[u8]| {
    let template = String::from_utf8_lossy(data);
    let template = template.as_ref();
    let rendered = variables::render(template, &VALUES);
    assert!(rendered.text.len() <= template.len() + MAX_SUBSTITUTED_BYTES);
    if !template.contains("{{") {
        assert_eq!(rendered.text, template);
    }
    assert_eq!(rendered, variables::render(template, &VALUES));
    let found = variables::placeholders(template);
    assert!(found.len() <= MAX_PLACEHOLDERS);
    for placeholder in &found {
        assert!(template.get(placeholder.span.clone()).is_some());
    }
});
