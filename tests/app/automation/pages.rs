//! Settings → Automation and Settings → Macros over real HTTP, driven as a browser without
//! JavaScript drives them: the builder's rows are edited with `op` buttons, saved rules run on
//! real events, and macros run from the conversation's side panel.

use atende::accounts::model::Role;
use reqwest::Method;
use reqwest::multipart::{Form, Part};

use serde_json::{Value, json};

use super::{Setup, action, condition};
use crate::accounts::pages::{assert_see_other, field_error, signed_in};
use crate::support::TestResponse;
use crate::support::browser::Browser;

/// A multipart body with these text fields, as the builder's form posts it.
fn form(fields: &[(&str, &str)]) -> Form {
    fields.iter().fold(Form::new(), |form, (name, value)| {
        form.text((*name).to_owned(), (*value).to_owned())
    })
}

async fn post(browser: &Browser, path: &str, fields: &[(&str, &str)]) -> TestResponse {
    browser.post_multipart(path, form(fields), &[]).await
}

/// The options of the select `id`: (value, selected).
fn options(html: &str, id: &str) -> Vec<(String, bool)> {
    let start = html
        .find(&format!("<select id=\"{id}\""))
        .unwrap_or_else(|| panic!("select {id} on the page"));
    let end = start + html[start..].find("</select>").expect("select end");
    html[start..end]
        .split("<option value=\"")
        .skip(1)
        .map(|option| {
            let value = option.split('"').next().unwrap_or_default().to_owned();
            let tag = option.split('>').next().unwrap_or_default();
            (value, tag.contains(" selected"))
        })
        .collect()
}

fn values(options: &[(String, bool)]) -> Vec<&str> {
    options.iter().map(|(v, _)| v.as_str()).collect()
}

fn selected(options: &[(String, bool)]) -> Vec<&str> {
    options
        .iter()
        .filter(|(_, s)| *s)
        .map(|(v, _)| v.as_str())
        .collect()
}

async fn api(setup: &Setup, method: Method, path: &str) -> Value {
    let response = setup
        .app
        .api(method, &setup.acme.api(path), &setup.acme.admin, None)
        .await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
    response.json()
}

async fn rules_json(setup: &Setup) -> Vec<Value> {
    api(setup, Method::GET, "/automation_rules").await["payload"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn an_administrator_builds_a_rule_row_by_row_and_it_runs_on_the_next_message() {
    // Arrange
    let setup = Setup::new().await;
    setup.label("boleto").await;
    let browser = signed_in(&setup.app, &setup.acme.admin).await;
    let list = setup.acme.page("/settings/automation");
    let inbox = setup.inbox.to_string();

    // Act: the empty builder, then one more condition row.
    let new = browser
        .get(&setup.acme.page("/settings/automation/new"))
        .await;
    let grown = post(
        &browser,
        &list,
        &[
            ("name", "Boletos"),
            ("event_name", "message_created"),
            ("active", "on"),
            ("c0_attribute", "content"),
            ("c0_operator", "contains"),
            ("c0_value", "boleto\nsegunda via"),
            ("a0_name", "add_label"),
            ("op", "add_condition"),
        ],
    )
    .await;

    // Assert: nothing saved yet; the typed values are kept and a second row is offered.
    assert_eq!(new.status, 200, "{}", new.text);
    assert!(new.text.contains("id=\"c0_attribute\"") && new.text.contains("id=\"a0_name\""));
    assert_eq!(grown.status, 200, "{}", grown.text);
    assert!(grown.text.contains("id=\"c1_attribute\""));
    assert!(grown.text.contains("value=\"Boletos\""));
    assert!(grown.text.contains(">boleto\nsegunda via</textarea>"));
    assert!(rules_json(&setup).await.is_empty());

    // Act: save.
    let saved = post(
        &browser,
        &list,
        &[
            ("name", "Boletos"),
            ("description", "Marca pedidos de boleto"),
            ("event_name", "message_created"),
            ("active", "on"),
            ("c0_attribute", "content"),
            ("c0_operator", "contains"),
            ("c0_value", "boleto\nsegunda via"),
            ("c0_join", "and"),
            ("c1_attribute", "inbox_id"),
            ("c1_operator", "equal_to"),
            ("c1_value", &inbox),
            ("a0_name", "add_label"),
            ("a0_value", "boleto"),
            ("a1_name", "add_private_note"),
            ("a1_text", "{{ contact.first_name }} pediu um boleto."),
            ("op", "save"),
        ],
    )
    .await;

    // Assert: stored as Chatwoot's JSON.
    assert_see_other(&saved, &list);
    let rules = rules_json(&setup).await;
    assert_eq!(rules.len(), 1);
    assert_eq!(
        rules[0]["conditions"],
        json!([
            condition(
                "content",
                "contains",
                json!(["boleto", "segunda via"]),
                Some("and")
            ),
            condition("inbox_id", "equal_to", json!([setup.inbox]), None),
        ])
        .as_array()
        .map(|c| c
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.as_object_mut().map(|o| o.remove("custom_attribute_type"));
                c
            })
            .collect::<Vec<_>>())
        .map(Value::from)
        .expect("conditions")
    );
    assert_eq!(
        rules[0]["actions"],
        json!([
            action("add_label", json!(["boleto"])),
            action(
                "add_private_note",
                json!(["{{ contact.first_name }} pediu um boleto."])
            ),
        ])
    );
    assert_eq!(rules[0]["active"], true);
    let listed = browser.get(&list).await;
    assert!(listed.text.contains("A regra “Boletos” foi criada."));
    assert!(listed.text.contains("Nunca"));

    // Act: a customer asks for a boleto.
    setup.incoming("Pode mandar a SEGUNDA VIA?").await;
    setup.settle().await;

    // Assert: the rule ran, and its run log says so.
    let conversation = setup.conversation().await;
    assert_eq!(conversation["labels"], json!(["boleto"]));
    let messages = setup.messages(setup.conversation).await;
    assert!(
        messages
            .iter()
            .any(|m| m["private"] == true && m["content"] == "Maria pediu um boleto."),
        "{messages:?}"
    );
    let id = rules[0]["id"].as_i64().expect("id");
    let log = browser
        .get(&setup.acme.page(&format!("/settings/automation/{id}")))
        .await;
    assert_eq!(log.status, 200, "{}", log.text);
    assert!(log.text.contains("Histórico de execuções"));
    assert!(log.text.contains("✓ Adicionar etiquetas"), "{}", log.text);
    assert!(log.text.contains("✓ Adicionar nota privada"));
    assert!(
        log.text
            .contains(&format!("/conversations/{}", setup.conversation))
    );
    assert!(!browser.get(&list).await.text.contains("Nunca"));
}

#[tokio::test]
async fn each_condition_row_offers_the_operators_and_values_of_its_attribute() {
    // Arrange
    let setup = Setup::new().await;
    let browser = signed_in(&setup.app, &setup.acme.admin).await;
    let list = setup.acme.page("/settings/automation");

    // Act: an assignee condition on a conversation event, with an operator it does not allow.
    let page = post(
        &browser,
        &list,
        &[
            ("name", "x"),
            ("event_name", "conversation_updated"),
            ("c0_attribute", "assignee_id"),
            ("c0_operator", "contains"),
            ("c1_attribute", "priority"),
            ("c1_operator", "attribute_changed"),
            ("c1_to", "urgent"),
            ("c2_attribute", "phone_number"),
            ("c2_operator", "is_present"),
            ("op", "refresh"),
        ],
    )
    .await;

    // Assert
    assert_eq!(page.status, 200, "{}", page.text);
    let html = &page.text;
    let attributes = options(html, "c0_attribute");
    assert!(
        !values(&attributes).contains(&"content"),
        "message attributes on a conversation event"
    );
    assert!(values(&attributes).contains(&"labels"));
    assert_eq!(
        values(&options(html, "c0_operator")),
        [
            "equal_to",
            "not_equal_to",
            "is_present",
            "is_not_present",
            "attribute_changed"
        ]
    );
    assert_eq!(selected(&options(html, "c0_operator")), ["equal_to"]);
    let agents = options(html, "c0_value");
    assert_eq!(values(&agents)[0], "nil");
    assert!(values(&agents).contains(&setup.acme.admin.id.to_string().as_str()));
    // A change of priority: from and to, both priority lists; the chosen one kept.
    assert_eq!(
        values(&options(html, "c1_to")),
        ["nil", "low", "medium", "high", "urgent"]
    );
    assert_eq!(selected(&options(html, "c1_to")), ["urgent"]);
    assert!(html.contains("id=\"c1_from\""));
    assert!(!html.contains("id=\"c1_value\""));
    // A presence test takes no value.
    assert!(!html.contains("id=\"c2_value\""));
    assert!(rules_json(&setup).await.is_empty());
}

#[tokio::test]
async fn rows_are_moved_and_removed_and_a_refused_rule_says_which_row() {
    // Arrange
    let setup = Setup::new().await;
    let browser = signed_in(&setup.app, &setup.acme.admin).await;
    let list = setup.acme.page("/settings/automation");
    let rows = [
        ("event_name", "conversation_created"),
        ("c0_attribute", "status"),
        ("c0_operator", "equal_to"),
        ("c0_value", "open"),
        ("c1_attribute", "labels"),
        ("c1_operator", "is_present"),
        ("a0_name", "resolve_conversation"),
        ("a1_name", "add_label"),
        ("a2_name", "send_webhook_event"),
        ("a2_text", "ftp://crm.example/x"),
    ];

    // Act: move the second condition up; remove the first action.
    let mut moved: Vec<(&str, &str)> = rows.to_vec();
    moved.push(("op", "up_condition_1"));
    let moved = post(&browser, &list, &moved).await;
    let mut removed: Vec<(&str, &str)> = rows.to_vec();
    removed.push(("op", "remove_action_0"));
    let removed = post(&browser, &list, &removed).await;
    // Save with a blank name, no label chosen and a bad URL.
    let mut refused: Vec<(&str, &str)> = rows.to_vec();
    refused.push(("name", " "));
    let refused = post(&browser, &list, &refused).await;

    // Assert
    assert_eq!(selected(&options(&moved.text, "c0_attribute")), ["labels"]);
    assert_eq!(selected(&options(&moved.text, "c1_attribute")), ["status"]);
    assert_eq!(selected(&options(&removed.text, "a0_name")), ["add_label"]);
    assert!(!removed.text.contains("id=\"a2_name\""));
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(
        field_error(&refused.text, "name").as_deref(),
        Some("Este campo é obrigatório.")
    );
    assert!(
        refused
            .text
            .contains("id=\"action-1-error\" role=\"alert\">Escolha pelo menos uma etiqueta.</p>"),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("id=\"action-2-error\""));
    assert!(!refused.text.contains("id=\"action-0-error\""));
    assert!(rules_json(&setup).await.is_empty());
}

#[tokio::test]
async fn rules_are_edited_switched_cloned_and_deleted_from_the_pages() {
    // Arrange: a rule saved through the API, with a file.
    let setup = Setup::new().await;
    setup.label("vip").await;
    let file = super::rules_api::attach(&setup, "tabela.pdf", b"%PDF-1.4 tabela").await;
    let rule = setup
        .rule(json!({
            "name": "VIP",
            "event_name": "conversation_updated",
            "conditions": [
                condition("labels", "equal_to", json!(["vip"]), Some("or")),
                condition("priority", "attribute_changed", json!({"from": [], "to": ["urgent", "high"]}), None),
            ],
            "actions": [
                action("send_attachment", json!([file])),
                action("change_priority", json!(["nil"])),
            ],
        }))
        .await;
    let id = rule["id"].as_i64().expect("id");
    let browser = signed_in(&setup.app, &setup.acme.admin).await;
    let list = setup.acme.page("/settings/automation");
    let page = |suffix: &str| {
        setup
            .acme
            .page(&format!("/settings/automation/{id}{suffix}"))
    };

    // Act: the edit page shows what the API saved.
    let edit = browser.get(&page("/edit")).await;

    // Assert
    assert_eq!(edit.status, 200, "{}", edit.text);
    assert_eq!(selected(&options(&edit.text, "c0_value")), ["vip"]);
    assert_eq!(selected(&options(&edit.text, "c0_join")), ["or"]);
    assert_eq!(
        selected(&options(&edit.text, "c1_operator")),
        ["attribute_changed"]
    );
    assert_eq!(selected(&options(&edit.text, "c1_to")), ["high", "urgent"]);
    assert_eq!(selected(&options(&edit.text, "a1_value")), ["nil"]);
    assert!(edit.text.contains(&format!("value=\"{file}|tabela.pdf\"")));

    // Act: save it with another name, keeping the file and adding one.
    let fields = form(&[
        ("name", "VIP urgente"),
        ("event_name", "conversation_updated"),
        ("active", "on"),
        ("c0_attribute", "labels"),
        ("c0_operator", "equal_to"),
        ("c0_value", "vip"),
        ("a0_name", "send_attachment"),
        ("a0_file", &format!("{file}|tabela.pdf")),
    ])
    .part(
        "a0_upload",
        Part::bytes(b"segunda tabela".to_vec())
            .file_name("tabela-2.txt")
            .mime_str("text/plain")
            .expect("mime"),
    );
    let saved = browser.post_multipart(&page(""), fields, &[]).await;

    // Assert
    assert_see_other(&saved, &list);
    let stored = api(&setup, Method::GET, &format!("/automation_rules/{id}")).await;
    let stored = stored.get("payload").unwrap_or(&stored).clone();
    assert_eq!(stored["name"], "VIP urgente");
    let names: Vec<&str> = stored["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["filename"].as_str())
        .collect();
    assert_eq!(names, ["tabela.pdf", "tabela-2.txt"]);

    // Act: switch it off, clone it, delete the original.
    let off = browser.post_form(&page("/toggle"), &[]).await;
    let off_state = api(&setup, Method::GET, &format!("/automation_rules/{id}")).await;
    let cloned = browser.post_form(&page("/clone"), &[]).await;
    let listed = browser.get(&list).await;
    let deleted = browser.post_form(&page("/delete"), &[]).await;

    // Assert
    assert_see_other(&off, &list);
    let off_state = off_state.get("payload").unwrap_or(&off_state).clone();
    assert_eq!(off_state["active"], false);
    assert_see_other(&cloned, &list);
    assert!(
        listed
            .text
            .contains("Uma cópia da regra foi criada: “VIP urgente”."),
        "{}",
        listed.text
    );
    assert!(listed.text.contains(
        "data-confirm=\"Excluir a regra “VIP urgente”, seus arquivos e seu histórico de execuções? Não é possível desfazer.\""
    ));
    assert_see_other(&deleted, &list);
    let rules = rules_json(&setup).await;
    assert_eq!(rules.len(), 1, "only the copy is left");
    assert_ne!(rules[0]["id"], json!(id));
    assert_eq!(rules[0]["active"], false);
    assert_eq!(rules[0]["files"].as_array().map(Vec::len), Some(2));
    let gone = browser.get(&page("/edit")).await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn an_agent_keeps_personal_macros_and_runs_a_global_one_from_the_conversation() {
    // Arrange
    let setup = Setup::new().await;
    setup.label("retorno").await;
    let agent = setup
        .app
        .add_member(&setup.acme, "Bia", Role::Agent, None)
        .await;
    setup
        .app
        .add_to_inbox(&setup.acme, setup.inbox, &agent)
        .await;
    let admin = signed_in(&setup.app, &setup.acme.admin).await;
    let bia = signed_in(&setup.app, &agent).await;
    let list = setup.acme.page("/settings/macros");

    // Act: the administrator shares a macro; the agent writes a personal one and tries to
    // share another.
    let global = post(
        &admin,
        &list,
        &[
            ("name", "Retornar amanhã"),
            ("visibility", "global"),
            ("a0_name", "add_label"),
            ("a0_value", "retorno"),
            ("a1_name", "assign_agent"),
            ("a1_value", "self"),
            ("a2_name", "add_private_note"),
            ("a2_text", "Retornar para {{ contact.first_name }} amanhã."),
        ],
    )
    .await;
    let agent_form = bia.get(&setup.acme.page("/settings/macros/new")).await;
    let personal = post(
        &bia,
        &list,
        &[
            ("name", "Minha saudação"),
            ("visibility", "personal"),
            ("a0_name", "send_message"),
            ("a0_text", "Olá, {{ contact.first_name }}!"),
        ],
    )
    .await;
    let shared = post(
        &bia,
        &list,
        &[
            ("name", "Para todos"),
            ("visibility", "global"),
            ("a0_name", "resolve_conversation"),
        ],
    )
    .await;

    // Assert
    assert_see_other(&global, &list);
    assert_eq!(
        values(&options(&agent_form.text, "visibility")),
        ["personal"]
    );
    assert!(!values(&options(&agent_form.text, "a0_name")).contains(&"send_email_to_team"));
    assert_see_other(&personal, &list);
    assert_eq!(shared.status, 422, "{}", shared.text);
    assert_eq!(
        field_error(&shared.text, "visibility").as_deref(),
        Some("Só administradores podem compartilhar uma macro com toda a conta.")
    );
    let macros = api(&setup, Method::GET, "/macros").await;
    let macros = macros["payload"].as_array().expect("payload").clone();
    let global_id = macros
        .iter()
        .find(|m| m["name"] == "Retornar amanhã")
        .and_then(|m| m["id"].as_i64())
        .expect("global macro");
    assert_eq!(macros.len(), 1, "the agent's personal macro is hers alone");
    let bia_list = bia.get(&list).await;
    assert!(bia_list.text.contains("Minha saudação") && bia_list.text.contains("Retornar amanhã"));
    assert!(
        !bia_list
            .text
            .contains(&format!("/settings/macros/{global_id}/edit"))
    );
    let forbidden = bia
        .get(
            &setup
                .acme
                .page(&format!("/settings/macros/{global_id}/edit")),
        )
        .await;
    assert_eq!(forbidden.status, 403);

    // Act: Bia runs the shared macro from the conversation's side panel.
    let href = setup
        .acme
        .page(&format!("/conversations/{}", setup.conversation));
    let panel = bia.get(&href).await;
    let run = bia
        .post_form_with(
            &format!("{href}/macros"),
            &[("macro_id", &global_id.to_string())],
            &[
                ("hx-request", "true"),
                ("hx-target", "conversation-details"),
            ],
        )
        .await;
    setup.settle().await;

    // Assert: it ran as Bia.
    assert_eq!(
        values(&options(&panel.text, "macro-select")).len(),
        2,
        "her own macro and the global one"
    );
    assert_eq!(run.status, 200, "{}", run.text);
    assert!(run.text.contains("A macro está sendo executada"));
    let conversation = setup.conversation().await;
    assert_eq!(conversation["labels"], json!(["retorno"]));
    assert_eq!(conversation["meta"]["assignee"]["id"], json!(agent.id));
    let messages = setup.messages(setup.conversation).await;
    assert!(
        messages
            .iter()
            .any(|m| m["content"] == "Retornar para Maria amanhã."
                && m["sender"]["id"] == json!(agent.id)),
        "{messages:?}"
    );

    // Act: a macro that does not exist, or another member's personal one, is not run.
    let own = bia.get(&list).await;
    let personal_id = own
        .text
        .split("id=\"macro-")
        .filter_map(|s| s.split('"').next())
        .filter_map(|s| s.parse::<i64>().ok())
        .find(|id| *id != global_id)
        .expect("personal macro id");
    let refused = admin
        .post_form(
            &format!("{href}/macros"),
            &[("macro_id", &personal_id.to_string())],
        )
        .await;
    assert_eq!(refused.status, 404);
}
