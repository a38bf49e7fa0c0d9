//! Property tests: rendering is total, bounded, deterministic, leaves text without `{{` alone and
//! substitutes exactly the values of well-formed placeholders.

use proptest::prelude::*;

use super::*;

/// Values with every fixed variable set, some attributes and one large value that can push
/// rendering against the byte bound.
fn values() -> Values {
    let mut values: Values = catalogue::entries()
        .iter()
        .map(|entry| (entry.key.to_string(), format!("<{}>", entry.key)))
        .collect();
    values.insert("contact.custom_attribute.big", "B".repeat(20 * 1024));
    values.insert("contact.custom_attribute.blank", "  ");
    values.insert("contact.custom_attribute.braces", "{{ contact.name }}`");
    values
}

/// Text made of the pieces of the syntax, so that near-misses are common.
fn syntax_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{{".to_owned()),
        Just("}}".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("||".to_owned()),
        Just("|".to_owned()),
        Just(" default:".to_owned()),
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("`".to_owned()),
        Just("```".to_owned()),
        Just(" ".to_owned()),
        Just("\n".to_owned()),
        Just(".".to_owned()),
        Just("contact.name".to_owned()),
        Just("contact.custom_attribute.big".to_owned()),
        Just("contact.custom_attribute.braces".to_owned()),
        Just("{{ contact.first_name || 'cliente' }}".to_owned()),
        Just("{{ contact.custom_attribute.big }}".to_owned()),
        "[a-z_-]{1,6}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

fn any_template() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), syntax_soup()]
}

/// `text` with every `{{` broken apart.
fn no_opening_pair(mut text: String) -> String {
    while text.contains("{{") {
        text = text.replace("{{", "{ {");
    }
    text
}

/// One way of writing a placeholder for `path`, and what it renders as against [`values`].
#[derive(Clone, Debug)]
enum Piece {
    Text(String),
    Placeholder {
        path: String,
        spelling: usize,
        ws: (String, String),
        fallback: String,
    },
}

fn known_path() -> impl Strategy<Value = String> {
    let keys: Vec<String> = catalogue::entries()
        .iter()
        .map(|e| e.key.to_string())
        .collect();
    prop_oneof![
        prop::sample::select(keys),
        Just("contact.custom_attribute.braces".to_owned()),
        Just("contact.custom_attribute.blank".to_owned()),
        Just("contact.custom_attribute.absent".to_owned()),
    ]
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        // Plain text: anything but the characters that start syntax.
        "[^{`]{0,12}".prop_map(Piece::Text),
        (
            known_path(),
            0..5usize,
            "[ \t\n]{0,3}",
            "[ \t\n]{0,3}",
            "[^'\"\r\n]{0,8}"
        )
            .prop_map(
                |(path, spelling, before, after, fallback)| Piece::Placeholder {
                    path,
                    spelling,
                    ws: (before, after),
                    fallback,
                }
            ),
    ]
}

impl Piece {
    fn template(&self) -> String {
        match self {
            Piece::Text(text) => text.clone(),
            Piece::Placeholder {
                path,
                spelling,
                ws: (a, b),
                fallback,
            } => match spelling {
                0 => format!("{{{{{a}{path}{b}}}}}"),
                1 => format!("{{{{{a}{path}{b}||{a}'{fallback}'{b}}}}}"),
                2 => format!("{{{{{a}{path}{b}||{a}\"{fallback}\"{b}}}}}"),
                3 => format!("{{{{{a}{path}{b}|{a}default:{b}'{fallback}'{a}}}}}"),
                _ => format!("{{{{{a}{path}{b}|{a}default{b}:{a}\"{fallback}\"{b}}}}}"),
            },
        }
    }

    fn expected(&self, values: &Values) -> String {
        match self {
            Piece::Text(text) => text.clone(),
            Piece::Placeholder {
                path,
                spelling,
                fallback,
                ..
            } => match values.present(path) {
                Some(value) => value.to_owned(),
                None if *spelling == 0 => String::new(),
                None => fallback.clone(),
            },
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn rendering_is_total_and_bounded(template in any_template()) {
        let values = values();
        let out = render(&template, &values);
        prop_assert!(out.text.len() <= template.len() + MAX_SUBSTITUTED_BYTES);
        prop_assert!(placeholders(&template).len() <= MAX_PLACEHOLDERS);
    }

    #[test]
    fn rendering_is_deterministic(template in any_template()) {
        let values = values();
        prop_assert_eq!(render(&template, &values), render(&template, &values));
        prop_assert_eq!(placeholders(&template), placeholders(&template));
    }

    #[test]
    fn text_without_an_opening_pair_is_unchanged(template in any_template().prop_map(no_opening_pair)) {
        let out = render(&template, &values());
        prop_assert_eq!(&out.text, &template);
        prop_assert_eq!(out, Rendered { text: template.clone(), ..Rendered::default() });
        prop_assert!(placeholders(&template).is_empty());
    }

    #[test]
    fn placeholder_spans_are_well_formed_and_ordered(template in any_template()) {
        let mut previous_end = 0;
        for found in placeholders(&template) {
            prop_assert!(previous_end <= found.span.start);
            let raw = &template[found.span.clone()];
            prop_assert!(raw.starts_with("{{") && raw.ends_with("}}"));
            prop_assert!(syntax::is_valid_path(&found.path));
            prop_assert!(raw.contains(found.path.as_str()));
            previous_end = found.span.end;
        }
    }

    #[test]
    fn reports_match_the_placeholders_when_nothing_is_set(template in any_template()) {
        let out = render(&template, &Values::new());
        let found = placeholders(&template);
        if !out.limited {
            let mut reported: Vec<&String> = out.fell_back.iter().chain(&out.empty).collect();
            reported.sort();
            reported.dedup();
            let mut paths: Vec<&String> = found.iter().map(|p| &p.path).collect();
            paths.sort();
            paths.dedup();
            prop_assert_eq!(reported, paths);
        }
    }

    #[test]
    fn valid_placeholders_render_their_values(pieces in prop::collection::vec(piece(), 0..40)) {
        let values = values();
        let template: String = pieces.iter().map(Piece::template).collect();
        let expected: String = pieces.iter().map(|p| p.expected(&values)).collect();
        let out = render(&template, &values);
        prop_assert_eq!(&out.text, &expected, "template: {:?}", template);
        prop_assert!(!out.limited);
        let paths: Vec<String> = placeholders(&template).into_iter().map(|p| p.path).collect();
        let expected_paths: Vec<String> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Placeholder { path, .. } => Some(path.clone()),
                Piece::Text(_) => None,
            })
            .collect();
        prop_assert_eq!(paths, expected_paths);
    }

    #[test]
    fn code_spans_are_left_alone(body in "[^`]{0,40}", before in "[^{`]{0,10}") {
        let template = format!("{before}`{body}`");
        let out = render(&template, &values());
        prop_assert_eq!(out.text, template);
    }
}
