//! Settings → Labels.

use atende::accounts::model::Role;
use serde_json::{Value, json};

use super::{api_get, api_post, assert_flash_once, assert_refused, assert_see_other, signed_in};
use crate::support::TestApp;
use crate::support::accounts::TestAccount;

async fn labels_json(app: &TestApp, acme: &TestAccount) -> Vec<Value> {
    api_get(app, acme, "/labels").await["payload"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_label_is_created_with_its_colour_edited_and_deleted() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let browser = signed_in(&app, &acme.admin).await;
    let new = browser.get(&acme.page("/settings/labels/new")).await;
    assert!(
        new.text
            .contains(r##"<input type="color" id="color" name="color" value="#1f93ff""##)
    );
    let form = [
        ("title", " Cliente-VIP "),
        ("description", "Clientes com contrato anual"),
        ("color", "#FF8800"),
        ("show_on_sidebar", "on"),
    ];
    // Act
    let created = browser
        .post_form(&acme.page("/settings/labels"), &form)
        .await;
    // Assert
    assert_see_other(&created, &acme.page("/settings/labels"));
    assert_flash_once(
        &browser,
        &acme.page("/settings/labels"),
        "A etiqueta “cliente-vip” foi criada.",
    )
    .await;
    let labels = labels_json(&app, &acme).await;
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0]["title"], "cliente-vip");
    assert_eq!(labels[0]["description"], "Clientes com contrato anual");
    assert_eq!(labels[0]["color"], "#FF8800");
    assert_eq!(labels[0]["show_on_sidebar"], true);
    let id = labels[0]["id"].as_i64().expect("id");
    let list = browser.get(&acme.page("/settings/labels")).await;
    assert!(
        list.text.contains(r##"style="background-color: #FF8800""##),
        "swatch"
    );

    // Act: a new colour, off the sidebar.
    let edit_page = browser
        .get(&acme.page(&format!("/settings/labels/{id}/edit")))
        .await;
    assert!(edit_page.text.contains(r##"name="color" value="#ff8800""##));
    let edited = browser
        .post_form(
            &acme.page(&format!("/settings/labels/{id}")),
            &[
                ("title", "cliente-vip"),
                ("description", ""),
                ("color", "#00aa55"),
            ],
        )
        .await;
    // Assert
    assert_see_other(&edited, &acme.page("/settings/labels"));
    let label = &labels_json(&app, &acme).await[0];
    assert_eq!(label["color"], "#00aa55");
    assert_eq!(label["show_on_sidebar"], false);
    assert_eq!(label["description"], Value::Null);

    // Act: deleted, after the page asked.
    let list = browser.get(&acme.page("/settings/labels")).await;
    assert!(list.text.contains(
        r#"data-confirm="Excluir a etiqueta “cliente-vip”? Conversas e contatos que a têm continuam com ela.""#
    ));
    let deleted = browser
        .post_form(&acme.page(&format!("/settings/labels/{id}/delete")), &[])
        .await;
    // Assert
    assert_see_other(&deleted, &acme.page("/settings/labels"));
    assert_flash_once(
        &browser,
        &acme.page("/settings/labels"),
        "A etiqueta “cliente-vip” foi excluída.",
    )
    .await;
    assert!(labels_json(&app, &acme).await.is_empty());
}

#[tokio::test]
async fn bad_titles_and_colours_are_refused_next_to_their_field() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    api_post(&app, &acme, "/labels", json!({"title": "vip"})).await;
    let browser = signed_in(&app, &acme.admin).await;
    let cases = [
        (
            "title",
            "com espaço",
            "#112233",
            "Use apenas letras, números, - e _, sem espaços nem acentos.",
        ),
        (
            "title",
            "VIP",
            "#112233",
            "Já existe uma etiqueta com este título.",
        ),
        ("title", " ", "#112233", "Este campo é obrigatório."),
        (
            "color",
            "novo",
            "vermelho",
            "Escolha uma cor no formato #RRGGBB.",
        ),
    ];
    for (field, title, color, message) in cases {
        // Act
        let response = browser
            .post_form(
                &acme.page("/settings/labels"),
                &[
                    ("title", title),
                    ("description", "Descrição mantida"),
                    ("color", color),
                ],
            )
            .await;
        // Assert
        assert_refused(&response, field, message);
        assert!(response.text.contains("Descrição mantida"), "{field}");
    }
    assert_eq!(labels_json(&app, &acme).await.len(), 1, "nothing saved");
}

#[tokio::test]
async fn agents_see_the_labels_but_only_label_managers_change_them() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    api_post(
        &app,
        &acme,
        "/labels",
        json!({"title": "vip", "color": "#ff0000"}),
    )
    .await;
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let browser = signed_in(&app, &agent).await;
    // Act
    let list = browser.get(&acme.page("/settings/labels")).await;
    let create = browser
        .post_form(&acme.page("/settings/labels"), &[("title", "minha")])
        .await;
    // Assert
    assert_eq!(list.status, 200);
    assert!(list.text.contains("vip"));
    assert!(!list.text.contains("/settings/labels/new"));
    assert!(!list.text.contains("data-confirm"));
    assert_eq!(create.status, 403);
    assert_eq!(labels_json(&app, &acme).await.len(), 1);
}
