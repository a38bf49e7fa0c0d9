//! Settings → Inboxes: the inbox page, its settings, members and working hours.

use atende::accounts::model::Role;
use serde_json::{Value, json};

use super::{
    api_get, assert_flash_once, assert_refused, assert_see_other, field_error, id_of, input_tag,
    signed_in,
};
use crate::support::TestApp;
use crate::support::accounts::TestAccount;

async fn inbox_json(app: &TestApp, acme: &TestAccount, id: i64) -> Value {
    api_get(app, acme, &format!("/inboxes/{id}")).await
}

async fn inboxes_json(app: &TestApp, acme: &TestAccount) -> Vec<Value> {
    api_get(app, acme, "/inboxes").await["payload"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The working hours form for a whole week: `rows` are (mode, opens, closes) from Sunday.
fn week_form<'a>(
    enabled: bool,
    timezone: &'a str,
    rows: &'a [(&'a str, &'a str, &'a str); 7],
) -> Vec<(String, String)> {
    let mut form = vec![("timezone".to_owned(), timezone.to_owned())];
    if enabled {
        form.push(("working_hours_enabled".into(), "on".into()));
    }
    for (day, (mode, opens, closes)) in rows.iter().enumerate() {
        form.push((format!("day{day}_mode"), (*mode).to_owned()));
        form.push((format!("day{day}_open"), (*opens).to_owned()));
        form.push((format!("day{day}_close"), (*closes).to_owned()));
    }
    form
}

async fn member_names(app: &TestApp, acme: &TestAccount, inbox: i64) -> Vec<String> {
    api_get(app, acme, &format!("/inbox_members/{inbox}")).await["payload"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| a["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn an_api_inbox_is_created_and_its_page_shows_identifier_webhook_url_and_token() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let form = [
        ("name", "WhatsApp Vendas"),
        (
            "webhook_url",
            "http://127.0.0.1:8080/chatwoot/webhook/vendas",
        ),
    ];
    // Act
    let created = browser
        .post_form(&acme.page("/settings/inboxes"), &form)
        .await;
    // Assert
    let inboxes = inboxes_json(&app, &acme).await;
    assert_eq!(inboxes.len(), 1);
    let id = inboxes[0]["id"].as_i64().expect("id");
    let inbox_page = acme.page(&format!("/settings/inboxes/{id}"));
    assert_see_other(&created, &inbox_page);
    let inbox = inbox_json(&app, &acme, id).await;
    assert_eq!(inbox["channel_type"], "Channel::Api");
    assert_eq!(
        inbox["webhook_url"],
        "http://127.0.0.1:8080/chatwoot/webhook/vendas"
    );
    assert_flash_once(
        &browser,
        &inbox_page,
        "A caixa de entrada “WhatsApp Vendas” foi criada.",
    )
    .await;
    let page = browser.get(&inbox_page).await;
    let identifier = inbox["inbox_identifier"].as_str().expect("identifier");
    assert!(
        page.text
            .contains(&format!(r#"id="inbox-identifier">{identifier}</code>"#)),
        "{}",
        page.text
    );
    assert!(page.text.contains(
        r#"id="inbox-webhook-url">http://127.0.0.1:8080/chatwoot/webhook/vendas</code>"#
    ));
    let token = inbox["hmac_token"].as_str().expect("token");
    assert!(
        page.text
            .contains(&format!(r#"id="inbox-hmac-token">{token}</code>"#))
    );
    let list = browser.get(&acme.page("/settings/inboxes")).await;
    assert!(list.text.contains("WhatsApp Vendas"));
}

#[tokio::test]
async fn a_new_inbox_with_an_internal_webhook_url_or_no_name_is_refused() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let cases = [
        ("Vendas", "http://10.1.2.3/x", "webhook_url", "10.1.2.3"),
        (" ", "", "name", "Este campo é obrigatório."),
    ];
    for (name, url, field, message) in cases {
        // Act
        let response = browser
            .post_form(
                &acme.page("/settings/inboxes"),
                &[("name", name), ("webhook_url", url)],
            )
            .await;
        // Assert
        assert_eq!(response.status, 422, "{field}: {}", response.text);
        let shown = field_error(&response.text, field).unwrap_or_default();
        assert!(shown.contains(message), "{field}: {shown}");
        assert!(input_tag(&response.text, field).contains("aria-invalid=\"true\""));
    }
    assert!(inboxes_json(&app, &acme).await.is_empty(), "nothing saved");
}

#[tokio::test]
async fn inbox_settings_are_saved_and_bad_values_refused() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let id = app.create_inbox(&acme, "Suporte").await["id"]
        .as_i64()
        .expect("id");
    let browser = signed_in(&app, &acme.admin).await;
    let inbox_page = acme.page(&format!("/settings/inboxes/{id}"));
    let form = [
        ("name", "Suporte Premium"),
        ("webhook_url", "http://127.0.0.1:9/premium"),
        ("greeting_enabled", "on"),
        ("greeting_message", "Olá! Já vamos te atender."),
        ("lock_to_single_conversation", "on"),
        ("timezone", "America/Recife"),
    ];
    // Act
    let saved = browser.post_form(&inbox_page, &form).await;
    // Assert
    assert_see_other(&saved, &inbox_page);
    assert_flash_once(
        &browser,
        &inbox_page,
        "As configurações de “Suporte Premium” foram salvas.",
    )
    .await;
    let inbox = inbox_json(&app, &acme, id).await;
    assert_eq!(inbox["name"], "Suporte Premium");
    assert_eq!(inbox["webhook_url"], "http://127.0.0.1:9/premium");
    assert_eq!(inbox["greeting_enabled"], true);
    assert_eq!(inbox["greeting_message"], "Olá! Já vamos te atender.");
    assert_eq!(inbox["lock_to_single_conversation"], true);
    assert_eq!(inbox["timezone"], "America/Recife");

    // Act: switches off, webhook cleared.
    let cleared = browser
        .post_form(
            &inbox_page,
            &[
                ("name", "Suporte Premium"),
                ("webhook_url", ""),
                ("greeting_message", ""),
                ("timezone", "America/Recife"),
            ],
        )
        .await;
    // Assert
    assert_see_other(&cleared, &inbox_page);
    let inbox = inbox_json(&app, &acme, id).await;
    assert_eq!(inbox["webhook_url"], Value::Null);
    assert_eq!(inbox["greeting_enabled"], false);
    assert_eq!(inbox["greeting_message"], Value::Null);
    assert_eq!(inbox["lock_to_single_conversation"], false);

    let cases = [
        ("webhook_url", "http://10.1.2.3/x", "10.1.2.3"),
        (
            "timezone",
            "Marte/Base",
            "Escolha um fuso horário da lista, como America/Sao_Paulo.",
        ),
        ("name", "", "Este campo é obrigatório."),
    ];
    for (field, value, message) in cases {
        let mut form = vec![
            ("name", "Outro nome"),
            ("webhook_url", ""),
            ("timezone", "America/Recife"),
            ("greeting_message", "Saudação mantida"),
        ];
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        // Act
        let response = browser.post_form(&inbox_page, &form).await;
        // Assert
        assert_eq!(response.status, 422, "{field}: {}", response.text);
        let shown = field_error(&response.text, field).unwrap_or_default();
        assert!(shown.contains(message), "{field}: {shown}");
        assert!(response.text.contains("Saudação mantida"));
    }
    assert_eq!(inbox_json(&app, &acme, id).await["name"], "Suporte Premium");

    // Act: deleted, after the page asked.
    let page = browser.get(&inbox_page).await;
    assert!(page.text.contains(
        r#"data-confirm="Excluir a caixa de entrada “Suporte Premium” e todas as conversas dela? Não é possível desfazer.""#
    ));
    let deleted = browser
        .post_form(&format!("{inbox_page}/delete"), &[])
        .await;
    // Assert
    assert_see_other(&deleted, &acme.page("/settings/inboxes"));
    assert_flash_once(
        &browser,
        &acme.page("/settings/inboxes"),
        "A caixa de entrada “Suporte Premium” foi excluída.",
    )
    .await;
    assert!(inboxes_json(&app, &acme).await.is_empty());
}

#[tokio::test]
async fn the_working_hours_editor_saves_the_week_and_refuses_a_day_closing_before_it_opens() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let id = app.create_inbox(&acme, "Suporte").await["id"]
        .as_i64()
        .expect("id");
    let browser = signed_in(&app, &acme.admin).await;
    let path = acme.page(&format!("/settings/inboxes/{id}/working_hours"));
    let page = browser.get(&path).await;
    // Chatwoot's default week: weekdays 9–17, weekends closed; days named in the page language.
    for day in [
        "Domingo",
        "Segunda-feira",
        "Terça-feira",
        "Quarta-feira",
        "Quinta-feira",
        "Sexta-feira",
        "Sábado",
    ] {
        assert!(
            page.text.contains(&format!("<th scope=\"row\">{day}</th>")),
            "{day}"
        );
    }
    assert!(page.text.contains(r#"name="day1_open" value="09:00""#));
    assert!(
        page.text
            .contains(r#"<option value="closed" selected>Fechado</option>"#)
    );
    let week = [
        ("closed", "", ""),
        ("hours", "08:00", "18:00"),
        ("hours", "08:00", "18:00"),
        ("hours", "08:00", "18:00"),
        ("hours", "08:00", "18:00"),
        ("hours", "08:30", "17:45"),
        ("open_all_day", "", ""),
    ];
    let form = week_form(true, "America/Recife", &week);
    // Act
    let saved = browser.post_form(&path, &pairs(&form)).await;
    // Assert
    assert_see_other(&saved, &path);
    assert_flash_once(
        &browser,
        &path,
        "O horário de atendimento de “Suporte” foi salvo.",
    )
    .await;
    let inbox = inbox_json(&app, &acme, id).await;
    assert_eq!(inbox["working_hours_enabled"], true);
    assert_eq!(inbox["timezone"], "America/Recife");
    let hours = inbox["working_hours"].as_array().expect("week");
    assert_eq!(hours[0]["closed_all_day"], true);
    assert_eq!(
        (
            hours[5]["open_hour"].clone(),
            hours[5]["open_minutes"].clone(),
            hours[5]["close_hour"].clone(),
            hours[5]["close_minutes"].clone()
        ),
        (json!(8), json!(30), json!(17), json!(45))
    );
    assert_eq!(hours[6]["open_all_day"], true);
    let page = browser.get(&path).await;
    assert!(page.text.contains(r#"name="day5_close" value="17:45""#));
    assert!(
        page.text
            .contains(r#"<option value="open_all_day" selected>Aberto o dia todo</option>"#)
    );

    // Act: Tuesday closes before it opens, Wednesday has no times.
    let mut bad = week;
    bad[2] = ("hours", "18:00", "08:00");
    bad[3] = ("hours", "", "");
    let form = week_form(false, "America/Recife", &bad);
    let refused = browser.post_form(&path, &pairs(&form)).await;
    // Assert: each message next to its row, the week as typed, nothing saved.
    assert_refused(
        &refused,
        "day2",
        "O horário de fechamento precisa ser depois do de abertura.",
    );
    assert_eq!(
        field_error(&refused.text, "day3").as_deref(),
        Some("Informe os horários de abertura e de fechamento.")
    );
    assert!(refused.text.contains(r#"name="day2_open" value="18:00""#));
    assert!(field_error(&refused.text, "day1").is_none());
    let inbox = inbox_json(&app, &acme, id).await;
    assert_eq!(inbox["working_hours_enabled"], true, "nothing saved");
    assert_eq!(inbox["working_hours"][2]["open_hour"], 8);
}

#[tokio::test]
async fn inbox_members_are_added_and_removed() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let bia = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let id = app.create_inbox(&acme, "Suporte").await["id"]
        .as_i64()
        .expect("id");
    let browser = signed_in(&app, &acme.admin).await;
    let path = acme.page(&format!("/settings/inboxes/{id}/members"));
    // Act
    let added = browser
        .post_form(&path, &[("user_ids", &id_of(&bia))])
        .await;
    // Assert
    assert_see_other(&added, &path);
    assert_flash_once(&browser, &path, "Bia agora atende nesta caixa de entrada.").await;
    assert_eq!(member_names(&app, &acme, id).await, vec!["Bia"]);
    let page = browser.get(&path).await;
    assert!(page.text.contains(
        r#"data-confirm="Remover Bia de Suporte? A pessoa deixará de ver as conversas dela.""#
    ));

    // Act: someone from another account.
    let refused = browser
        .post_form(&path, &[("user_ids", &id_of(&beta.admin))])
        .await;
    // Assert
    assert_refused(&refused, "user_ids", "Escolha um agente desta conta.");

    // Act
    let removed = browser
        .post_form(&format!("{path}/delete"), &[("user_ids", &id_of(&bia))])
        .await;
    // Assert
    assert_see_other(&removed, &path);
    assert_flash_once(
        &browser,
        &path,
        "Bia não atende mais nesta caixa de entrada.",
    )
    .await;
    assert!(member_names(&app, &acme, id).await.is_empty());
}
