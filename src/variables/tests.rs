use serde_json::{Map, Value, json};

use super::catalogue::{self, AttributeScope};
use super::*;

fn attrs(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn full_sources() -> Sources {
    Sources {
        contact: Some(ContactVars {
            id: 501,
            name: Some("  João da Silva  ".into()),
            email: Some("joao@example.com".into()),
            phone_number: Some("+5511999990000".into()),
            custom_attributes: attrs(json!({
                "plano-2024": "ouro",
                "pontos": 42,
                "saldo": 3.5,
                "vip": true,
                "bloqueado": false,
                "nulo": null,
                "lista": [1, 2],
                "objeto": {"a": 1},
                "vazio": "",
                "espacos": "   ",
                "com espaco": "inacessível",
            })),
        }),
        agent: Some(AgentVars {
            name: Some("Ana Paula McDonald".into()),
            email: Some("ana@atende.local".into()),
            phone_number: Some("+5521988887777".into()),
        }),
        conversation: Some(ConversationVars {
            display_id: 77,
            custom_attributes: attrs(json!({"prioridade": "alta", "nps": 9})),
        }),
        inbox: Some(InboxVars {
            id: 3,
            name: "WhatsApp Vendas".into(),
        }),
        account: Some(AccountVars {
            name: "Loja Exemplo".into(),
        }),
    }
}

fn full() -> Values {
    full_sources().values()
}

fn text(template: &str, values: &Values) -> String {
    render(template, values).text
}

fn contact_named(name: Option<&str>) -> Values {
    Sources {
        contact: Some(ContactVars {
            id: 1,
            name: name.map(str::to_owned),
            ..ContactVars::default()
        }),
        ..Sources::default()
    }
    .values()
}

fn agent_named(name: Option<&str>) -> Values {
    Sources {
        agent: Some(AgentVars {
            name: name.map(str::to_owned),
            ..AgentVars::default()
        }),
        ..Sources::default()
    }
    .values()
}

// ---------------------------------------------------------------------------------------------
// catalogue

const EXPECTED_KEYS: [&str; 16] = [
    "conversation.id",
    "conversation.display_id",
    "contact.id",
    "contact.name",
    "contact.first_name",
    "contact.last_name",
    "contact.email",
    "contact.phone_number",
    "agent.name",
    "agent.first_name",
    "agent.last_name",
    "agent.email",
    "agent.phone_number",
    "inbox.id",
    "inbox.name",
    "account.name",
];

#[test]
fn catalogue_lists_exactly_the_supported_keys_in_order() {
    let keys: Vec<&str> = catalogue::entries()
        .iter()
        .map(|e| e.key.as_ref())
        .collect();
    assert_eq!(keys, EXPECTED_KEYS);
}

#[test]
fn catalogue_entries_are_well_formed() {
    for entry in catalogue::entries() {
        assert!(syntax::is_valid_path(&entry.key), "{}", entry.key);
        assert!(catalogue::is_known(&entry.key), "{}", entry.key);
        for description in [&entry.description_pt_br, &entry.description_en] {
            assert!(!description.trim().is_empty(), "{}", entry.key);
            assert!(!description.contains('\n'), "{}: one line", entry.key);
        }
        assert_ne!(
            entry.description_pt_br, entry.description_en,
            "{}",
            entry.key
        );
    }
}

#[test]
fn every_catalogue_entry_renders_its_value() {
    let values = full();
    let expected = [
        ("conversation.id", "77"),
        ("conversation.display_id", "77"),
        ("contact.id", "501"),
        ("contact.name", "João da Silva"),
        ("contact.first_name", "João"),
        ("contact.last_name", "Silva"),
        ("contact.email", "joao@example.com"),
        ("contact.phone_number", "+5511999990000"),
        ("agent.name", "Ana Paula McDonald"),
        ("agent.first_name", "Ana"),
        ("agent.last_name", "McDonald"),
        ("agent.email", "ana@atende.local"),
        ("agent.phone_number", "+5521988887777"),
        ("inbox.id", "3"),
        ("inbox.name", "WhatsApp Vendas"),
        ("account.name", "Loja Exemplo"),
    ];
    assert_eq!(expected.len(), catalogue::entries().len());
    for (key, value) in expected {
        let out = render(&format!("[{{{{ {key} }}}}]"), &values);
        assert_eq!(out.text, format!("[{value}]"), "{key}");
        assert!(out.fell_back.is_empty() && out.empty.is_empty() && out.unknown.is_empty());
    }
}

#[test]
fn every_catalogue_entry_is_missing_without_sources() {
    let values = Sources::default().values();
    assert!(values.is_empty());
    for entry in catalogue::entries() {
        let key = &entry.key;
        assert_eq!(
            text(&format!("{{{{ {key} || 'x' }}}}"), &values),
            "x",
            "{key}"
        );
        let out = render(&format!("{{{{ {key} }}}}"), &values);
        assert_eq!(out.text, "");
        assert_eq!(out.empty, [key.to_string()]);
        assert!(out.unknown.is_empty(), "{key} is known");
    }
}

#[test]
fn custom_attribute_entries_for_both_scopes() {
    let contact =
        catalogue::custom_attribute_entries(AttributeScope::Contact, ["plano-2024", "cpf"]);
    let keys: Vec<&str> = contact.iter().map(|e| e.key.as_ref()).collect();
    assert_eq!(
        keys,
        [
            "contact.custom_attribute.plano-2024",
            "contact.custom_attribute.cpf"
        ]
    );
    assert_eq!(
        contact[0].description_pt_br,
        "Atributo personalizado do contato: plano-2024"
    );
    assert_eq!(
        contact[0].description_en,
        "Contact custom attribute: plano-2024"
    );

    let conversation =
        catalogue::custom_attribute_entries(AttributeScope::Conversation, ["prioridade"]);
    assert_eq!(
        conversation[0].key,
        "conversation.custom_attribute.prioridade"
    );
    assert_eq!(
        conversation[0].description_pt_br,
        "Atributo personalizado da conversa: prioridade"
    );
    assert_eq!(
        conversation[0].description_en,
        "Conversation custom attribute: prioridade"
    );
    for entry in contact.iter().chain(&conversation) {
        assert!(catalogue::is_known(&entry.key));
    }
}

#[test]
fn custom_attribute_entries_skip_keys_no_path_can_name() {
    let entries = catalogue::custom_attribute_entries(
        AttributeScope::Contact,
        ["", "com espaço", "a.b", "ação", "ok_1"],
    );
    let keys: Vec<&str> = entries.iter().map(|e| e.key.as_ref()).collect();
    assert_eq!(keys, ["contact.custom_attribute.ok_1"]);
}

#[test]
fn is_known_covers_families_and_rejects_the_rest() {
    assert!(catalogue::is_known("contact.custom_attribute.x"));
    assert!(catalogue::is_known(
        "conversation.custom_attribute.plano-2024"
    ));
    for path in [
        "contact.custom_attribute",
        "contact.custom_attribute.",
        "contact.custom_attribute.a.b",
        "contact.nmae",
        "Contact.name",
        "agent.custom_attribute.x",
        "inbox.custom_attribute.x",
        "conversation",
        "",
    ] {
        assert!(!catalogue::is_known(path), "{path}");
    }
}

#[test]
fn attribute_scope_prefix_and_path() {
    assert_eq!(
        AttributeScope::Contact.prefix(),
        "contact.custom_attribute."
    );
    assert_eq!(
        AttributeScope::Conversation.path("k"),
        "conversation.custom_attribute.k"
    );
}

// ---------------------------------------------------------------------------------------------
// fallbacks

/// Every way a value can be (missing, null, empty, blank, present) against every way a fallback
/// can be written.
#[test]
fn fallback_matrix() {
    let values = full();
    let cases = [
        ("contact.custom_attribute.ausente", None),
        ("contact.custom_attribute.nulo", None),
        ("contact.custom_attribute.vazio", None),
        ("contact.custom_attribute.espacos", None),
        ("contact.custom_attribute.plano-2024", Some("ouro")),
    ];
    let spellings = [
        "{{ PATH || 'padrão' }}",
        "{{ PATH || \"padrão\" }}",
        "{{ PATH | default: 'padrão' }}",
        "{{ PATH | default: \"padrão\" }}",
        "{{PATH||'padrão'}}",
        "{{PATH|default:\"padrão\"}}",
    ];
    for (path, value) in cases {
        for spelling in spellings {
            let template = spelling.replace("PATH", path);
            let out = render(&template, &values);
            match value {
                Some(value) => {
                    assert_eq!(out.text, value, "{template}");
                    assert!(out.fell_back.is_empty(), "{template}");
                }
                None => {
                    assert_eq!(out.text, "padrão", "{template}");
                    assert_eq!(out.fell_back, [path], "{template}");
                }
            }
            assert!(out.empty.is_empty() && out.unknown.is_empty(), "{template}");
        }
        let out = render(&format!("<{{{{ {path} }}}}>"), &values);
        match value {
            Some(value) => assert_eq!(out.text, format!("<{value}>")),
            None => {
                assert_eq!(out.text, "<>", "{path}");
                assert_eq!(out.empty, [path]);
            }
        }
    }
}

#[test]
fn blank_values_set_by_hand_fall_back_too() {
    let values: Values = [("contact.name", ""), ("contact.email", " \t\n ")]
        .into_iter()
        .collect();
    assert_eq!(
        text(
            "{{ contact.name || 'a' }}{{ contact.email || 'b' }}",
            &values
        ),
        "ab"
    );
}

#[test]
fn present_value_renders_exactly_as_stored() {
    let values: Values = [("contact.custom_attribute.x", "  padded  ")]
        .into_iter()
        .collect();
    assert_eq!(
        text("[{{ contact.custom_attribute.x || 'f' }}]", &values),
        "[  padded  ]"
    );
}

#[test]
fn fallback_may_hold_braces_pipes_quotes_accents_and_emoji() {
    let values = Values::new();
    let cases = [
        ("{{ a || 'olá, tudo bem? 😀' }}", "olá, tudo bem? 😀"),
        ("{{ a || '}}' }}", "}}"),
        ("{{ a || '}' }}", "}"),
        ("{{ a || 'x || y | z' }}", "x || y | z"),
        ("{{ a || \"it's\" }}", "it's"),
        ("{{ a || 'diz \"oi\"' }}", "diz \"oi\""),
        ("{{ a | default: 'a | b }} c' }}", "a | b }} c"),
        ("{{ a || '{{ contact.name }}' }}", "{{ contact.name }}"),
        ("{{ a || '`code`' }}", "`code`"),
        ("{{ a || '' }}", ""),
        ("{{ a || '   ' }}", "   "),
        ("{{ a || 'ç ã é ü ñ 中文' }}", "ç ã é ü ñ 中文"),
    ];
    for (template, expected) in cases {
        assert_eq!(text(template, &values), expected, "{template}");
    }
}

#[test]
fn an_empty_fallback_counts_as_fallen_back_not_empty() {
    let out = render("{{ contact.email || '' }}", &Values::new());
    assert_eq!(out.text, "");
    assert_eq!(out.fell_back, ["contact.email"]);
    assert!(out.empty.is_empty());
}

#[test]
fn the_three_contact_name_cases() {
    let template = "Olá {{ contact.first_name || 'cliente' }}, como posso ajudar?";
    assert_eq!(
        text(template, &contact_named(Some("Maria Souza"))),
        "Olá Maria, como posso ajudar?"
    );
    assert_eq!(
        text(template, &contact_named(Some("Pelé"))),
        "Olá Pelé, como posso ajudar?"
    );
    assert_eq!(
        text(template, &contact_named(None)),
        "Olá cliente, como posso ajudar?"
    );
}

// ---------------------------------------------------------------------------------------------
// syntax

#[test]
fn whitespace_variations() {
    let values = full();
    for template in [
        "{{contact.first_name}}",
        "{{ contact.first_name }}",
        "{{   contact.first_name   }}",
        "{{\tcontact.first_name\t}}",
        "{{\ncontact.first_name\n}}",
        "{{\u{a0}contact.first_name\u{a0}}}",
        "{{ contact.first_name||'x'}}",
        "{{contact.first_name   ||   'x'   }}",
        "{{ contact.first_name |default:'x' }}",
        "{{ contact.first_name | default : 'x' }}",
        "{{ contact.first_name   |   default:   'x'   }}",
    ] {
        assert_eq!(text(template, &values), "João", "{template:?}");
    }
}

#[test]
fn placeholders_sit_anywhere_in_text() {
    let values = full();
    assert_eq!(
        text(
            "{{contact.first_name}}{{agent.first_name}}!{{inbox.id}}",
            &values
        ),
        "JoãoAna!3"
    );
    assert_eq!(
        text(
            "Conversa #{{ conversation.id }} na {{ inbox.name }}.",
            &values
        ),
        "Conversa #77 na WhatsApp Vendas."
    );
    assert_eq!(
        text("linha 1\n{{ contact.name }}\nlinha 3", &values),
        "linha 1\nJoão da Silva\nlinha 3"
    );
}

#[test]
fn malformed_placeholders_are_left_as_typed() {
    let values = full();
    for template in [
        "{{ contact.name }",
        "{ contact.name }}",
        "{{ contact.name",
        "{{",
        "}}",
        "{{}}",
        "{{ }}",
        "{{ . }}",
        "{{ contact. }}",
        "{{ .contact }}",
        "{{ contact..name }}",
        "{{ contact name }}",
        "{{ contact/name }}",
        "{{ contáct.name }}",
        "{{ contact.name || 'sem fim }}",
        "{{ contact.name || \"sem fim }}",
        "{{ contact.name || 'misto\" }}",
        "{{ contact.name || sem_aspas }}",
        "{{ contact.name || }}",
        "{{ contact.name ||| 'x' }}",
        "{{ contact.name | upcase }}",
        "{{ contact.name | default }}",
        "{{ contact.name | default 'x' }}",
        "{{ contact.name | default: x }}",
        "{{ contact.name | default: 'x' | upcase }}",
        "{{ contact.name || 'x' || 'y' }}",
        "{{ contact.name || 'x' 'y' }}",
        "{{ contact.name 'x' }}",
        "{{ contact.name || 'quebra\nde linha' }}",
        "{% if contact.name %}oi{% endif %}",
        "{{- contact.name -}}",
        "{{ 'literal' }}",
        "{ {contact.name} }",
    ] {
        let out = render(template, &values);
        assert_eq!(out.text, template, "{template:?}");
        assert!(out.fell_back.is_empty() && out.empty.is_empty() && out.unknown.is_empty());
        assert!(placeholders(template).is_empty(), "{template:?}");
    }
}

#[test]
fn the_rest_of_the_text_renders_around_malformed_parts() {
    let values = full();
    let cases = [
        (
            "{{ a | upcase }} {{ contact.first_name }}",
            "{{ a | upcase }} João",
        ),
        (
            "{{ contact.name } {{ contact.first_name }}",
            "{{ contact.name } João",
        ),
        ("{{ contact.first_name }} {{ sem fim", "João {{ sem fim"),
        (
            "{{ x || 'aberta {{ contact.first_name }}",
            "{{ x || 'aberta João",
        ),
        (
            "{% if %}{{ contact.first_name }}{% endif %}",
            "{% if %}João{% endif %}",
        ),
        ("{{{ contact.first_name }}}", "{João}"),
        ("{{{{ contact.first_name }}}}", "{{João}}"),
        ("}} {{ contact.first_name }} {{", "}} João {{"),
    ];
    for (template, expected) in cases {
        assert_eq!(text(template, &values), expected, "{template:?}");
    }
}

#[test]
fn paths_may_hold_digits_dashes_and_underscores() {
    let values: Values = [
        ("contact.custom_attribute.plano-2024_v2", "x"),
        ("a-1._b.9", "y"),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        text(
            "{{ contact.custom_attribute.plano-2024_v2 }}{{a-1._b.9}}",
            &values
        ),
        "xy"
    );
}

#[test]
fn paths_are_case_sensitive() {
    let out = render("{{ Contact.Name || 'x' }}", &full());
    assert_eq!(out.text, "x");
    assert_eq!(out.unknown, ["Contact.Name"]);
}

#[test]
fn substituted_text_is_not_rendered_again() {
    let values: Values = [
        ("contact.name", "{{ agent.name }}"),
        ("agent.name", "Ana"),
        ("contact.email", "`"),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        text(
            "{{ contact.name }} {{ contact.email }}{{ agent.name }}",
            &values
        ),
        "{{ agent.name }} `Ana"
    );
}

// ---------------------------------------------------------------------------------------------
// backticks

#[test]
fn inline_code_is_not_rendered() {
    let values = full();
    let cases = [
        (
            "Use `{{ contact.name }}` no texto",
            "Use `{{ contact.name }}` no texto",
        ),
        (
            "`{{ contact.name }}` = {{ contact.name }}",
            "`{{ contact.name }}` = João da Silva",
        ),
        ("``{{ a ` b }}`` {{ inbox.id }}", "``{{ a ` b }}`` 3"),
        ("`a` {{ inbox.id }} `b`", "`a` 3 `b`"),
        ("``", "``"),
        ("` {{ inbox.id }}", "` 3"),
        ("{{ inbox.id }} `", "3 `"),
    ];
    for (template, expected) in cases {
        assert_eq!(text(template, &values), expected, "{template:?}");
    }
}

#[test]
fn fenced_blocks_are_not_rendered() {
    let values = full();
    let template = "Oi {{ contact.first_name }}!\n```\n{{ contact.name }}\n`{{ x }}`\n```\nTchau {{ agent.first_name }}";
    assert_eq!(
        text(template, &values),
        "Oi João!\n```\n{{ contact.name }}\n`{{ x }}`\n```\nTchau Ana"
    );
    assert_eq!(
        text("```liquid\n{{ contact.name }}\n```", &values),
        "```liquid\n{{ contact.name }}\n```"
    );
}

#[test]
fn an_unclosed_fence_is_plain_text() {
    assert_eq!(text("```\n{{ contact.first_name }}", &full()), "```\nJoão");
}

#[test]
fn backticks_inside_a_fallback_belong_to_the_fallback() {
    assert_eq!(text("{{ a || '`' }} {{ inbox.id }}", &full()), "` 3");
}

// ---------------------------------------------------------------------------------------------
// names

#[test]
fn name_splitting() {
    // (name given, "name|first_name|last_name" as rendered with fallback `-`).
    let cases = [
        (Some("Maria Souza"), "Maria Souza|Maria|Souza"),
        (Some("Pelé"), "Pelé|Pelé|-"),
        (Some("João da Silva"), "João da Silva|João|Silva"),
        (
            Some("  Ana   Maria  Braga "),
            "Ana   Maria  Braga|Ana|Braga",
        ),
        (Some("ana"), "ana|ana|-"),
        (Some("Ronald McDonald"), "Ronald McDonald|Ronald|McDonald"),
        (Some("ÉDSON arantes"), "ÉDSON arantes|ÉDSON|arantes"),
        (Some("Zé\tdo\nCaixão"), "Zé\tdo\nCaixão|Zé|Caixão"),
        (Some("   "), "-|-|-"),
        (None, "-|-|-"),
    ];
    for (name, expected) in cases {
        for (prefix, values) in [
            ("contact", contact_named(name)),
            ("agent", agent_named(name)),
        ] {
            let template = format!(
                "{{{{ {prefix}.name || '-' }}}}|{{{{ {prefix}.first_name || '-' }}}}|{{{{ {prefix}.last_name || '-' }}}}"
            );
            assert_eq!(text(&template, &values), expected, "{prefix} {name:?}");
        }
    }
}

#[test]
fn split_name_directly() {
    assert_eq!(split_name("Maria"), Some(("Maria", None)));
    assert_eq!(split_name("a b c"), Some(("a", Some("c"))));
    assert_eq!(split_name(" \t "), None);
    assert_eq!(split_name(""), None);
}

#[test]
fn one_word_name_has_an_empty_last_name() {
    let out = render("[{{ contact.last_name }}]", &contact_named(Some("Pelé")));
    assert_eq!(out.text, "[]");
    assert_eq!(out.empty, ["contact.last_name"]);
}

// ---------------------------------------------------------------------------------------------
// custom attributes and sources

#[test]
fn custom_attributes_of_each_json_type() {
    let values = full();
    let cases = [
        ("plano-2024", "ouro"),
        ("pontos", "42"),
        ("saldo", "3.5"),
        ("vip", "true"),
        ("bloqueado", "false"),
        ("nulo", "-"),
        ("lista", "-"),
        ("objeto", "-"),
        ("vazio", "-"),
        ("espacos", "-"),
        ("ausente", "-"),
    ];
    for (key, expected) in cases {
        let template = format!("{{{{ contact.custom_attribute.{key} || '-' }}}}");
        assert_eq!(text(&template, &values), expected, "{key}");
    }
    assert_eq!(
        text("{{ conversation.custom_attribute.prioridade }}", &values),
        "alta"
    );
    assert_eq!(
        text("{{ conversation.custom_attribute.nps }}", &values),
        "9"
    );
}

#[test]
fn attribute_text_rules() {
    assert_eq!(attribute_text(&json!("x")).as_deref(), Some("x"));
    assert_eq!(attribute_text(&json!(-7)).as_deref(), Some("-7"));
    assert_eq!(attribute_text(&json!(0.25)).as_deref(), Some("0.25"));
    assert_eq!(
        attribute_text(&json!(u64::MAX)).as_deref(),
        Some("18446744073709551615")
    );
    assert_eq!(attribute_text(&json!(true)).as_deref(), Some("true"));
    assert_eq!(attribute_text(&json!(null)), None);
    assert_eq!(attribute_text(&json!([])), None);
    assert_eq!(attribute_text(&json!({})), None);
}

#[test]
fn attribute_keys_no_path_can_name_are_not_in_the_values() {
    let values = full();
    assert!(!values.iter().any(|(path, _)| path.contains(' ')));
    assert_eq!(
        values.get("contact.custom_attribute.plano-2024"),
        Some("ouro")
    );
    assert_eq!(values.get("contact.custom_attribute.nulo"), None);
    assert_eq!(values.get("contact.custom_attribute.lista"), None);
}

#[test]
fn sources_fill_only_what_they_have() {
    let values = Sources {
        contact: Some(ContactVars {
            id: 9,
            ..ContactVars::default()
        }),
        inbox: Some(InboxVars {
            id: 2,
            name: " Site ".into(),
        }),
        ..Sources::default()
    }
    .values();
    let paths: Vec<(&str, &str)> = values.iter().collect();
    assert_eq!(
        paths,
        [
            ("contact.id", "9"),
            ("inbox.id", "2"),
            ("inbox.name", "Site")
        ]
    );
}

#[test]
fn contact_fields_are_trimmed() {
    let values = Sources {
        contact: Some(ContactVars {
            id: 1,
            email: Some(" a@b.c ".into()),
            phone_number: Some("\t+55 11 9999\n".into()),
            ..ContactVars::default()
        }),
        account: Some(AccountVars {
            name: " Loja ".into(),
        }),
        ..Sources::default()
    }
    .values();
    assert_eq!(values.get("contact.email"), Some("a@b.c"));
    assert_eq!(values.get("contact.phone_number"), Some("+55 11 9999"));
    assert_eq!(values.get("account.name"), Some("Loja"));
}

#[test]
fn values_api() {
    let mut values = Values::new();
    assert!(values.is_empty());
    assert_eq!(values.insert("a", "1"), None);
    assert_eq!(values.insert("a", "2"), Some("1".into()));
    values.insert("b", " ");
    assert_eq!(values.len(), 2);
    assert!(values.contains("b"));
    assert_eq!(values.get("b"), Some(" "));
    assert_eq!(values.present("b"), None);
    assert_eq!(values.present("a"), Some("2"));
    assert_eq!(values.present("c"), None);
}

// ---------------------------------------------------------------------------------------------
// reporting

#[test]
fn unknown_variables_behave_as_missing_and_are_reported() {
    let out = render(
        "{{ contact.nmae || 'x' }} {{ foo }} {{ contact.custom_attribute.ausente }} {{ contact.nmae }}",
        &full(),
    );
    assert_eq!(out.text, "x   ");
    assert_eq!(out.fell_back, ["contact.nmae"]);
    assert_eq!(
        out.empty,
        ["foo", "contact.custom_attribute.ausente", "contact.nmae"]
    );
    assert_eq!(out.unknown, ["contact.nmae", "foo"]);
}

#[test]
fn a_path_set_by_hand_is_not_unknown() {
    let values: Values = [("extra.thing", "ok"), ("blank.thing", " ")]
        .into_iter()
        .collect();
    let out = render("{{ extra.thing }}{{ blank.thing }}", &values);
    assert_eq!(out.text, "ok");
    assert_eq!(out.empty, ["blank.thing"]);
    assert!(out.unknown.is_empty());
}

#[test]
fn reports_are_deduplicated_in_order_of_first_appearance() {
    let out = render(
        "{{ b }}{{ a || '1' }}{{ b }}{{ c || '2' }}{{ a || '3' }}{{ d }}",
        &Values::new(),
    );
    assert_eq!(out.text, "123");
    assert_eq!(out.fell_back, ["a", "c"]);
    assert_eq!(out.empty, ["b", "d"]);
    assert_eq!(out.unknown, ["b", "a", "c", "d"]);
    assert!(!out.limited);
}

#[test]
fn a_path_can_be_both_fallen_back_and_empty() {
    let out = render(
        "{{ contact.email || 'x' }}{{ contact.email }}",
        &Values::new(),
    );
    assert_eq!(out.fell_back, ["contact.email"]);
    assert_eq!(out.empty, ["contact.email"]);
}

// ---------------------------------------------------------------------------------------------
// fast path, placeholders()

#[test]
fn text_without_an_opening_pair_comes_back_unchanged() {
    for template in [
        "",
        "olá",
        "} { }} {",
        "`{`",
        "{ {",
        "a}}b",
        "||'\"|default:",
    ] {
        let out = render(template, &full());
        assert_eq!(
            out,
            Rendered {
                text: template.into(),
                ..Rendered::default()
            }
        );
        assert!(placeholders(template).is_empty());
    }
}

#[test]
fn placeholders_lists_paths_fallbacks_and_spans() {
    let template = "Oi {{ contact.first_name || 'cliente' }}, `{{ x }}` {{agent.name}} {{ a | default: \"b\" }} {{ bad";
    let found = placeholders(template);
    assert_eq!(
        found,
        [
            Placeholder {
                path: "contact.first_name".into(),
                fallback: Some("cliente".into()),
                span: 3..40,
            },
            Placeholder {
                path: "agent.name".into(),
                fallback: None,
                span: 52..66,
            },
            Placeholder {
                path: "a".into(),
                fallback: Some("b".into()),
                span: 67..89,
            },
        ]
    );
    assert_eq!(
        &template[found[0].span.clone()],
        "{{ contact.first_name || 'cliente' }}"
    );
    assert_eq!(&template[found[1].span.clone()], "{{agent.name}}");
    assert_eq!(&template[found[2].span.clone()], "{{ a | default: \"b\" }}");
}

#[test]
fn placeholders_lists_every_occurrence() {
    let found = placeholders("{{ a }}{{ a }}{{ a || 'x' }}");
    assert_eq!(found.len(), 3);
}

#[test]
fn placeholders_serialize_for_previews() {
    let found = placeholders("{{ a || 'b' }}");
    assert_eq!(
        serde_json::to_value(&found).expect("serializable"),
        json!([{"path": "a", "fallback": "b", "span": {"start": 0, "end": 14}}])
    );
}

// ---------------------------------------------------------------------------------------------
// bounds

#[test]
fn placeholder_count_is_bounded() {
    let template = "{{ inbox.id }}-".repeat(MAX_PLACEHOLDERS + 5);
    let out = render(&template, &full());
    assert!(out.limited);
    let rendered_part = "3-".repeat(MAX_PLACEHOLDERS);
    let raw_part = "{{ inbox.id }}-".repeat(5);
    assert_eq!(out.text, format!("{rendered_part}{raw_part}"));
    assert_eq!(placeholders(&template).len(), MAX_PLACEHOLDERS);
}

#[test]
fn exactly_the_maximum_count_is_not_limited() {
    let template = "{{ inbox.id }}".repeat(MAX_PLACEHOLDERS);
    let out = render(&template, &full());
    assert!(!out.limited);
    assert_eq!(out.text, "3".repeat(MAX_PLACEHOLDERS));
}

#[test]
fn substituted_bytes_are_bounded() {
    let big = "x".repeat(10 * 1024);
    let values: Values = [("contact.custom_attribute.notas", big.as_str())]
        .into_iter()
        .collect();
    let template = "{{ contact.custom_attribute.notas }}|".repeat(10);
    let out = render(&template, &values);
    assert!(out.limited);
    // Six values fit in 64 KiB, the seventh would not: it and the rest stay as typed.
    let expected = format!("{big}|").repeat(6) + &"{{ contact.custom_attribute.notas }}|".repeat(4);
    assert_eq!(out.text, expected);
    assert!(out.text.len() <= template.len() + MAX_SUBSTITUTED_BYTES);
}

#[test]
fn a_value_exactly_at_the_byte_bound_fits() {
    let big = "y".repeat(MAX_SUBSTITUTED_BYTES);
    let values: Values = [("a", big.as_str())].into_iter().collect();
    let out = render("{{ a }}", &values);
    assert_eq!(out.text, big);
    assert!(!out.limited);
    let out = render("{{ a }}{{ a || 'z' }}{{ b || 'z' }}", &values);
    assert_eq!(
        out.text,
        format!("{big}{{{{ a || 'z' }}}}{{{{ b || 'z' }}}}")
    );
    assert!(out.limited);
}

#[test]
fn fallbacks_count_toward_the_byte_bound() {
    let fallback = "f".repeat(40 * 1024);
    let template = format!("{{{{ a || '{fallback}' }}}}{{{{ a || '{fallback}' }}}}");
    let out = render(&template, &Values::new());
    assert!(out.limited);
    assert_eq!(out.text, format!("{fallback}{{{{ a || '{fallback}' }}}}"));
}

#[test]
fn the_agents_own_text_is_never_cut() {
    let long = "z".repeat(200 * 1024);
    let template = format!("{long}{{{{ inbox.id }}}}{long}");
    let out = render(&template, &full());
    assert_eq!(out.text, format!("{long}3{long}"));
    assert!(!out.limited);
}

/// Inputs built to make a naive scanner quadratic; at this size a quadratic pass would take
/// minutes in a debug build, a linear one milliseconds.
#[test]
fn adversarial_inputs_render_in_linear_time() {
    let n = 100_000;
    let mut cases = vec![
        "{{".repeat(n),
        "{".repeat(2 * n),
        "{{ a || '".repeat(n / 4),
        "{{ a || '\"".repeat(n / 4),
        "{{ a".repeat(n / 2),
        "{{ a.b.c.d |".repeat(n / 4),
        "{{ a | default:".repeat(n / 4),
        format!("{{{{ a || '{}", "x".repeat(2 * n)),
        "{{ ".repeat(n / 2) + &" ".repeat(n),
    ];
    // Backtick runs of lengths 1, 2, 3, … that nothing closes, each followed by `{{`.
    let mut runs = String::new();
    let mut len = 1;
    while runs.len() < 2 * n {
        runs.push_str(&"`".repeat(len));
        runs.push_str("{{ a }}");
        len += 1;
    }
    cases.push(runs);
    let values = full();
    for template in cases {
        let out = render(&template, &values);
        assert!(out.text.len() <= template.len() + MAX_SUBSTITUTED_BYTES);
        let _ = placeholders(&template);
    }
}
