use serde_json::{Value, json};

use super::*;

fn definitions() -> Vec<Definition> {
    let def = |key: &str, model, display_type| Definition {
        key: key.into(),
        model,
        display_type,
    };
    use AttributeModel::{ContactAttribute as Contact, ConversationAttribute as Conversation};
    vec![
        def("plano", Contact, DisplayType::List),
        def("nota", Conversation, DisplayType::Text),
        def("pedido", Conversation, DisplayType::Number),
        def("valor", Contact, DisplayType::Currency),
        def("desconto", Conversation, DisplayType::Percent),
        def("site", Contact, DisplayType::Link),
        def("entrega", Conversation, DisplayType::Date),
        def("vip", Contact, DisplayType::Checkbox),
        // The same key on both models: without a type, the conversation's wins.
        def("origem", Contact, DisplayType::Text),
        def("origem", Conversation, DisplayType::Text),
    ]
}

/// A snapshot of a message in an open, assigned, labelled conversation with a full contact.
fn snapshot() -> Snapshot {
    Snapshot::from_event(
        &json!({
            "conversation": {
                "display_id": 7, "inbox_id": 3, "status": "open", "priority": "high",
                "assignee_id": 11, "team_id": 5, "labels": ["vip", "Troca"],
                "additional_attributes": {
                    "conversation_language": "pt", "browser_language": "pt-BR",
                    "mail_subject": "Pedido atrasado", "referer": "https://loja.example/checkout"
                },
                "custom_attributes": {
                    "nota": "Cliente Antigo", "pedido": 42, "desconto": "12.5",
                    "entrega": "2026-11-20", "origem": "instagram"
                }
            },
            "contact": {
                "email": "maria@example.com", "phone_number": "+5511987654321",
                "additional_attributes": {"country_code": "BR", "city": "São Paulo", "company_name": "Sabiá Ltda"},
                "custom_attributes": {"plano": "ouro", "valor": 99.9, "site": "https://maria.example", "vip": true, "origem": "loja"}
            },
            "message": {"message_type": "incoming", "content": "Quero TROCAR meu pedido"}
        }),
        Some(&json!([
            {"status": {"previous_value": "pending", "current_value": "open"}},
            {"assignee_id": {"previous_value": null, "current_value": 11}},
            {"custom_attributes": {"previous_value": {"pedido": 41}, "current_value": {"pedido": 42}}}
        ])),
    )
}

/// A snapshot with nothing optional set.
fn bare() -> Snapshot {
    Snapshot::from_event(
        &json!({
            "conversation": {"display_id": 8, "inbox_id": 3, "status": "pending", "priority": null,
                             "assignee_id": null, "team_id": null, "labels": [],
                             "additional_attributes": {}, "custom_attributes": {}},
            "contact": {"email": null, "phone_number": null, "additional_attributes": {}, "custom_attributes": {}},
            "message": {"message_type": "outgoing", "content": null}
        }),
        None,
    )
}

fn condition(key: &str, operator: &str, values: Value) -> Condition {
    let raw = json!([{ "attribute_key": key, "filter_operator": operator, "values": values }]);
    parse(&raw, EventName::MessageCreated, &definitions())
        .unwrap_or_else(|e| panic!("{key} {operator}: {}", e.full_message()))
        .remove(0)
}

fn check(key: &str, operator: &str, values: Value) -> (bool, bool) {
    let c = condition(key, operator, values);
    (holds(&c, &snapshot()), holds(&c, &bare()))
}

/// Every (attribute, operator) pair with values, and what it gives on the full snapshot and on
/// the bare one.
#[test]
fn every_attribute_and_operator() {
    let cases: Vec<(&str, &str, Value, bool, bool)> = vec![
        // message_type: T1
        ("message_type", "equal_to", json!(["incoming"]), true, false),
        ("message_type", "equal_to", json!([0]), true, false),
        (
            "message_type",
            "equal_to",
            json!(["outgoing", "incoming"]),
            true,
            true,
        ),
        (
            "message_type",
            "not_equal_to",
            json!(["incoming"]),
            false,
            true,
        ),
        // content: T2, case-insensitive, whole-text equality
        (
            "content",
            "equal_to",
            json!(["quero trocar meu pedido"]),
            true,
            false,
        ),
        ("content", "equal_to", json!(["trocar"]), false, false),
        (
            "content",
            "not_equal_to",
            json!(["quero trocar meu pedido"]),
            false,
            true,
        ),
        (
            "content",
            "contains",
            json!(["boleto", "trocar"]),
            true,
            false,
        ),
        (
            "content",
            "does_not_contain",
            json!(["boleto", "pix"]),
            true,
            true,
        ),
        ("content", "does_not_contain", json!(["troca"]), false, true),
        // email: T2 + presence
        (
            "email",
            "equal_to",
            json!(["MARIA@example.com"]),
            true,
            false,
        ),
        (
            "email",
            "not_equal_to",
            json!(["joao@example.com"]),
            true,
            true,
        ),
        ("email", "contains", json!(["@example"]), true, false),
        ("email", "does_not_contain", json!(["@gmail"]), true, true),
        ("email", "is_present", json!([]), true, false),
        ("email", "is_not_present", json!([]), false, true),
        // phone_number: T6 + presence
        (
            "phone_number",
            "equal_to",
            json!(["+5511987654321"]),
            true,
            false,
        ),
        (
            "phone_number",
            "not_equal_to",
            json!(["+5511987654321"]),
            false,
            true,
        ),
        ("phone_number", "contains", json!(["98765"]), true, false),
        (
            "phone_number",
            "does_not_contain",
            json!(["98765"]),
            false,
            true,
        ),
        (
            "phone_number",
            "starts_with",
            json!(["+5521", "+5511"]),
            true,
            false,
        ),
        ("phone_number", "is_present", json!([]), true, false),
        ("phone_number", "is_not_present", json!([]), false, true),
        // country_code: T1
        ("country_code", "equal_to", json!(["br"]), true, false),
        ("country_code", "not_equal_to", json!(["PT"]), true, true),
        // city, company: T2
        ("city", "equal_to", json!(["são paulo"]), true, false),
        ("city", "not_equal_to", json!(["Recife"]), true, true),
        ("city", "contains", json!(["paulo"]), true, false),
        ("city", "does_not_contain", json!(["paulo"]), false, true),
        ("company", "equal_to", json!(["Sabiá Ltda"]), true, false),
        (
            "company",
            "not_equal_to",
            json!(["Sabiá Ltda"]),
            false,
            true,
        ),
        ("company", "contains", json!(["sabiá"]), true, false),
        ("company", "does_not_contain", json!(["sabiá"]), false, true),
        // inbox_id: T1, ids as numbers or text
        ("inbox_id", "equal_to", json!([1, "3"]), true, true),
        ("inbox_id", "not_equal_to", json!([3]), false, false),
        // status: T1
        (
            "status",
            "equal_to",
            json!(["open", "snoozed"]),
            true,
            false,
        ),
        ("status", "not_equal_to", json!(["open"]), false, true),
        // assignee_id, team_id: T3
        ("assignee_id", "equal_to", json!([11]), true, false),
        ("assignee_id", "equal_to", json!(["nil"]), false, true),
        ("assignee_id", "not_equal_to", json!([11]), false, true),
        ("assignee_id", "is_present", json!([]), true, false),
        ("assignee_id", "is_not_present", json!([]), false, true),
        ("team_id", "equal_to", json!([5, 6]), true, false),
        ("team_id", "not_equal_to", json!([6]), true, true),
        ("team_id", "is_present", json!([]), true, false),
        ("team_id", "is_not_present", json!([]), false, true),
        // priority: T1 with nil
        (
            "priority",
            "equal_to",
            json!(["high", "urgent"]),
            true,
            false,
        ),
        ("priority", "equal_to", json!(["nil"]), false, true),
        ("priority", "equal_to", json!([null, "high"]), true, true),
        ("priority", "not_equal_to", json!(["low"]), true, true),
        ("priority", "not_equal_to", json!(["nil"]), true, false),
        // conversation_language, browser_language: T1
        (
            "conversation_language",
            "equal_to",
            json!(["pt", "es"]),
            true,
            false,
        ),
        (
            "conversation_language",
            "not_equal_to",
            json!(["pt"]),
            false,
            true,
        ),
        (
            "browser_language",
            "equal_to",
            json!(["pt-br"]),
            true,
            false,
        ),
        (
            "browser_language",
            "not_equal_to",
            json!(["en"]),
            true,
            true,
        ),
        // labels: T3; all values count
        (
            "labels",
            "equal_to",
            json!(["urgente", "troca"]),
            true,
            false,
        ),
        ("labels", "equal_to", json!(["urgente"]), false, false),
        (
            "labels",
            "not_equal_to",
            json!(["urgente", "vip"]),
            false,
            true,
        ),
        ("labels", "not_equal_to", json!(["urgente"]), true, true),
        ("labels", "is_present", json!([]), true, false),
        ("labels", "is_not_present", json!([]), false, true),
        // mail_subject, referer: T2
        (
            "mail_subject",
            "equal_to",
            json!(["pedido atrasado"]),
            true,
            false,
        ),
        ("mail_subject", "not_equal_to", json!(["x"]), true, true),
        ("mail_subject", "contains", json!(["atrasado"]), true, false),
        (
            "mail_subject",
            "does_not_contain",
            json!(["atrasado"]),
            false,
            true,
        ),
        (
            "referer",
            "equal_to",
            json!(["https://loja.example/checkout"]),
            true,
            false,
        ),
        (
            "referer",
            "not_equal_to",
            json!(["https://loja.example/"]),
            true,
            true,
        ),
        ("referer", "contains", json!(["/checkout"]), true, false),
        (
            "referer",
            "does_not_contain",
            json!(["/checkout"]),
            false,
            true,
        ),
    ];
    for (key, operator, values, full, empty) in cases {
        assert_eq!(
            check(key, operator, values.clone()),
            (full, empty),
            "{key} {operator} {values}"
        );
    }
}

#[test]
fn custom_attributes_of_each_type() {
    let cases: Vec<(&str, &str, Value, bool, bool)> = vec![
        // list (contact): T1 + presence
        ("plano", "equal_to", json!(["prata", "ouro"]), true, false),
        ("plano", "not_equal_to", json!(["ouro"]), false, true),
        ("plano", "is_present", json!([]), true, false),
        ("plano", "is_not_present", json!([]), false, true),
        // text (conversation): T2 + presence, case-insensitive
        ("nota", "equal_to", json!(["cliente antigo"]), true, false),
        (
            "nota",
            "not_equal_to",
            json!(["cliente antigo"]),
            false,
            true,
        ),
        ("nota", "contains", json!(["antigo"]), true, false),
        ("nota", "does_not_contain", json!(["antigo"]), false, true),
        ("nota", "is_present", json!([]), true, false),
        ("nota", "is_not_present", json!([]), false, true),
        // number: numeric equality and order
        ("pedido", "equal_to", json!(["42.0"]), true, false),
        ("pedido", "not_equal_to", json!([42]), false, true),
        ("pedido", "is_greater_than", json!([41]), true, false),
        ("pedido", "is_greater_than", json!([42]), false, false),
        ("pedido", "is_less_than", json!([100]), true, false),
        ("pedido", "is_present", json!([]), true, false),
        ("pedido", "is_not_present", json!([]), false, true),
        // currency, percent
        ("valor", "equal_to", json!([99.9]), true, false),
        ("valor", "is_less_than", json!(["100"]), true, false),
        ("desconto", "is_greater_than", json!([10]), true, false),
        ("desconto", "equal_to", json!([12.5]), true, false),
        // link
        (
            "site",
            "equal_to",
            json!(["https://maria.example"]),
            true,
            false,
        ),
        (
            "site",
            "not_equal_to",
            json!(["https://maria.example"]),
            false,
            true,
        ),
        ("site", "is_present", json!([]), true, false),
        // date: compared as dates
        ("entrega", "equal_to", json!(["2026-11-20"]), true, false),
        (
            "entrega",
            "is_greater_than",
            json!(["2026-11-19"]),
            true,
            false,
        ),
        (
            "entrega",
            "is_less_than",
            json!(["2026-11-19"]),
            false,
            false,
        ),
        (
            "entrega",
            "is_less_than",
            json!(["2026-12-01T00:00:00Z"]),
            true,
            false,
        ),
        ("entrega", "is_not_present", json!([]), false, true),
        // checkbox
        ("vip", "equal_to", json!([true]), true, false),
        ("vip", "equal_to", json!(["false"]), false, false),
        ("vip", "not_equal_to", json!([true]), false, true),
        ("vip", "is_present", json!([]), true, false),
        // same key on both models: the conversation's without a type
        ("origem", "equal_to", json!(["instagram"]), true, false),
    ];
    for (key, operator, values, full, empty) in cases {
        assert_eq!(
            check(key, operator, values.clone()),
            (full, empty),
            "{key} {operator} {values}"
        );
    }
    let contact_origin = parse(
        &json!([{"attribute_key": "origem", "filter_operator": "equal_to", "values": ["loja"],
                 "custom_attribute_type": "contact_attribute"}]),
        EventName::ConversationCreated,
        &definitions(),
    )
    .expect("valid");
    assert!(holds(&contact_origin[0], &snapshot()));
}

#[test]
fn attribute_changed_matches_from_and_to() {
    let changed = |key: &str, from: Value, to: Value| {
        let raw = json!([{"attribute_key": key, "filter_operator": "attribute_changed",
                          "values": {"from": from, "to": to}}]);
        let c = parse(&raw, EventName::ConversationUpdated, &definitions())
            .unwrap_or_else(|e| panic!("{}", e.full_message()))
            .remove(0);
        (holds(&c, &snapshot()), holds(&c, &bare()))
    };
    assert_eq!(
        changed("status", json!(["pending"]), json!(["open"])),
        (true, false)
    );
    assert_eq!(
        changed("status", json!(["resolved", "pending"]), json!([])),
        (true, false)
    );
    assert_eq!(
        changed("status", json!([]), json!(["resolved"])),
        (false, false)
    );
    assert_eq!(
        changed("status", json!(["open"]), json!(["pending"])),
        (false, false)
    );
    assert_eq!(
        changed("assignee_id", json!(["nil"]), json!([11])),
        (true, false)
    );
    assert_eq!(
        changed("assignee_id", json!([3]), json!([11])),
        (false, false)
    );
    assert_eq!(
        changed("team_id", json!([]), json!([5])),
        (false, false),
        "not changed"
    );
    assert_eq!(changed("pedido", json!([41]), json!([42])), (true, false));
    assert_eq!(changed("pedido", json!([]), json!([43])), (false, false));
    assert_eq!(
        changed("priority", json!([]), json!(["high"])),
        (false, false)
    );
}

fn chain(parts: &[(bool, &str)]) -> Outcome {
    // Each condition tests the inbox: true conditions ask for inbox 3, false ones for 99.
    let raw: Vec<Value> = parts
        .iter()
        .map(|(truth, join)| {
            json!({"attribute_key": "inbox_id", "filter_operator": "equal_to",
                   "values": [if *truth { 3 } else { 99 }], "query_operator": join})
        })
        .collect();
    let parsed = parse(&Value::Array(raw), EventName::ConversationCreated, &[]).expect("valid");
    evaluate(&parsed, &snapshot())
}

#[test]
fn and_binds_tighter_than_or_in_the_order_defined() {
    // true OR false AND false = true OR (false AND false) = true (left to right would be false).
    assert!(chain(&[(true, "OR"), (false, "AND"), (false, "")]).matched);
    // false AND true OR true = (false AND true) OR true = true.
    assert!(chain(&[(false, "AND"), (true, "OR"), (true, "")]).matched);
    // true AND false OR false AND true = false.
    let o = chain(&[(true, "and"), (false, "or"), (false, "AND"), (true, "")]);
    assert_eq!(
        o,
        Outcome {
            matched: false,
            first_failed: Some(1)
        }
    );
    // false OR true AND true = true.
    assert!(chain(&[(false, "OR"), (true, "AND"), (true, "")]).matched);
    // All AND: the first false one is reported.
    assert_eq!(
        chain(&[(true, "AND"), (true, "AND"), (false, "AND"), (false, "")]),
        Outcome {
            matched: false,
            first_failed: Some(2)
        }
    );
    // No conditions: the rule applies to every event.
    assert!(evaluate(&[], &snapshot()).matched);
    // The last condition's query_operator is ignored (Chatwoot sends null).
    assert!(chain(&[(true, "OR")]).matched);
}

#[test]
fn invalid_conditions_are_refused_with_the_field_named() {
    let error = |raw: Value, event: EventName| {
        parse(&raw, event, &definitions())
            .expect_err("invalid")
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let one = |c: Value| json!([c]);
    let e = error(
        one(json!({"attribute_key": "nope", "filter_operator": "equal_to", "values": ["x"]})),
        EventName::ConversationCreated,
    );
    assert!(e.starts_with("conditions[0].attribute_key:"), "{e}");
    let e = error(
        one(json!({"attribute_key": "status", "filter_operator": "contains", "values": ["open"]})),
        EventName::ConversationCreated,
    );
    assert!(
        e.starts_with("conditions[0].filter_operator: contains is not allowed for status"),
        "{e}"
    );
    let e = error(
        one(
            json!({"attribute_key": "status", "filter_operator": "equal_to", "values": ["closed"]}),
        ),
        EventName::ConversationCreated,
    );
    assert!(
        e.contains("conditions[0].values: closed is not a status"),
        "{e}"
    );
    let e = error(
        one(json!({"attribute_key": "content", "filter_operator": "contains", "values": ["x"]})),
        EventName::ConversationCreated,
    );
    assert!(e.contains("only be tested on message_created"), "{e}");
    let e = error(
        one(json!({"attribute_key": "email", "filter_operator": "equal_to", "values": []})),
        EventName::MessageCreated,
    );
    assert!(e.contains("conditions[0].values: can't be blank"), "{e}");
    let e = error(
        json!([
            {"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"]},
            {"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"]}
        ]),
        EventName::ConversationCreated,
    );
    assert!(e.starts_with("conditions[0].query_operator"), "{e}");
    let e = error(
        one(
            json!({"attribute_key": "pedido", "filter_operator": "is_greater_than", "values": ["muito"]}),
        ),
        EventName::ConversationCreated,
    );
    assert!(e.contains("muito is not a number"), "{e}");
    let e = error(
        one(
            json!({"attribute_key": "entrega", "filter_operator": "is_less_than", "values": ["amanhã"]}),
        ),
        EventName::ConversationCreated,
    );
    assert!(e.contains("is not a date"), "{e}");
    let e = error(
        one(
            json!({"attribute_key": "status", "filter_operator": "attribute_changed", "values": ["open"]}),
        ),
        EventName::ConversationUpdated,
    );
    assert!(e.contains("from"), "{e}");
    let e = error(
        one(
            json!({"attribute_key": "labels", "filter_operator": "attribute_changed",
                   "values": {"from": [], "to": ["x"]}}),
        ),
        EventName::ConversationUpdated,
    );
    assert!(
        e.contains("attribute_changed is not allowed for labels"),
        "{e}"
    );
    let e = error(
        one(json!({"attribute_key": "vip", "filter_operator": "equal_to", "values": ["talvez"]})),
        EventName::ConversationCreated,
    );
    assert!(e.contains("is not true or false"), "{e}");
    let e = error(json!({"a": 1}), EventName::ConversationCreated);
    assert_eq!(e, "conditions: must be a list");
    let e = error(
        one(
            json!({"attribute_key": "plano", "filter_operator": "equal_to", "values": ["ouro"],
                   "custom_attribute_type": "conversation_attribute"}),
        ),
        EventName::ConversationCreated,
    );
    assert!(
        e.contains("neither a standard attribute nor a custom attribute"),
        "{e}"
    );
}

#[test]
fn missing_values_never_match_positively() {
    let missing = Snapshot::default();
    for (key, operator, values, expected) in [
        ("email", "equal_to", json!(["a@b.c"]), false),
        ("email", "not_equal_to", json!(["a@b.c"]), true),
        ("email", "contains", json!(["a"]), false),
        ("email", "does_not_contain", json!(["a"]), true),
        ("phone_number", "starts_with", json!(["+55"]), false),
        ("pedido", "is_greater_than", json!([1]), false),
        ("pedido", "is_less_than", json!([1]), false),
        ("labels", "is_not_present", json!([]), true),
        ("message_type", "equal_to", json!(["incoming"]), false),
    ] {
        let c = condition(key, operator, values.clone());
        assert_eq!(holds(&c, &missing), expected, "{key} {operator} {values}");
    }
}

#[test]
fn describe_names_the_condition() {
    let c = condition("status", "equal_to", json!(["open", "pending"]));
    assert_eq!(describe(&c), "status equal_to open, pending");
    let c = condition("email", "is_present", json!([]));
    assert_eq!(describe(&c), "email is_present");
}
