use atende::accounts::model::Role;
use atende::ids::CustomRoleId;
use reqwest::Method;
use serde_json::{Value, json};

use super::{assert_denied, assert_invalid, assert_not_found, create};
use crate::support::TestApp;

const PATH: &str = "/custom_attribute_definitions";

fn keys(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|d| d["attribute_key"].as_str().expect("key").to_owned())
        .collect()
}

#[tokio::test]
async fn definitions_are_created_listed_shown_updated_and_deleted() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"custom_attribute_definition": {
        "attribute_display_name": " Plano ",
        "attribute_display_type": "list",
        "attribute_description": "Plano contratado",
        "attribute_key": "plano",
        "attribute_model": "contact_attribute",
        "attribute_values": ["Ouro", "Prata", "Bronze"],
        "default_value": "Prata",
    }});
    // Act
    let created = app
        .api(Method::POST, &acme.api(PATH), &acme.admin, Some(body))
        .await;
    // Assert
    assert_eq!(created.status, 200, "{}", created.text);
    insta::assert_json_snapshot!("custom_attribute_definition", created.json(), {
        ".id" => "[id]", ".created_at" => "[time]", ".updated_at" => "[time]"
    });
    let id = created.json()["id"].as_i64().expect("id");
    create(
        &app,
        &acme,
        &acme.admin,
        "custom_attribute_definitions",
        json!({"attribute_display_name": "CPF", "attribute_key": "cpf",
               "regex_pattern": "/^\\d{3}\\.\\d{3}\\.\\d{3}-\\d{2}$/", "regex_cue": "000.000.000-00"}),
    )
    .await;
    let listed = app
        .api(Method::GET, &acme.api(PATH), &acme.admin, None)
        .await;
    assert_eq!(listed.status, 200);
    insta::assert_json_snapshot!("custom_attribute_definitions", listed.json(), {
        "[].id" => "[id]", "[].created_at" => "[time]", "[].updated_at" => "[time]"
    });
    let path = acme.api(&format!("{PATH}/{id}"));
    assert_eq!(
        app.api(Method::GET, &path, &acme.admin, None).await.json(),
        created.json()
    );
    let updated = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(
                json!({"attribute_values": ["Ouro", "Diamante"], "default_value": null,
                        "attribute_description": null}),
            ),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let updated = updated.json();
    assert_eq!(updated["attribute_values"], json!(["Ouro", "Diamante"]));
    assert_eq!(updated["default_value"], json!(null));
    assert_eq!(updated["attribute_description"], json!(null));
    assert_eq!(updated["attribute_display_type"], "list");
    assert_eq!(updated["attribute_key"], "plano");
    let deleted = app.api(Method::DELETE, &path, &acme.admin, None).await;
    assert_eq!((deleted.status.as_u16(), deleted.text.as_str()), (200, ""));
    assert_eq!(
        app.api(Method::GET, &path, &acme.admin, None).await.status,
        404
    );
    assert_eq!(
        keys(
            &app.api(Method::GET, &acme.api(PATH), &acme.admin, None)
                .await
                .json()
        ),
        vec!["cpf"]
    );
}

#[tokio::test]
async fn enums_are_accepted_as_chatwoot_integers_and_render_as_names() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let cases = [
        (
            json!({"attribute_display_type": 7, "attribute_model": 1}),
            "checkbox",
            "contact_attribute",
        ),
        (
            json!({"attribute_display_type": "1", "attribute_model": "0"}),
            "number",
            "conversation_attribute",
        ),
        (
            json!({"attribute_display_type": "date"}),
            "date",
            "conversation_attribute",
        ),
        (json!({}), "text", "conversation_attribute"),
    ];
    for (i, (fields, display_type, model)) in cases.into_iter().enumerate() {
        let mut body = fields.clone();
        body["attribute_display_name"] = json!(format!("Campo {i}"));
        body["attribute_key"] = json!(format!("campo_{i}"));
        let response = app
            .api(Method::POST, &acme.api(PATH), &acme.admin, Some(body))
            .await;
        assert_eq!(response.status, 200, "{fields}: {}", response.text);
        assert_eq!(
            response.json()["attribute_display_type"],
            display_type,
            "{fields}"
        );
        assert_eq!(response.json()["attribute_model"], model, "{fields}");
    }
}

#[tokio::test]
async fn the_list_filters_by_model_given_by_name_or_integer() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    for (key, model) in [
        ("prioridade", "conversation_attribute"),
        ("cpf", "contact_attribute"),
        ("origem", "conversation_attribute"),
    ] {
        create(
            &app,
            &acme,
            &acme.admin,
            "custom_attribute_definitions",
            json!({"attribute_display_name": key, "attribute_key": key, "attribute_model": model}),
        )
        .await;
    }
    let agent = app.add_member(&acme, "Ana", Role::Agent, None).await;
    for (query, expected) in [
        ("", vec!["prioridade", "cpf", "origem"]),
        ("?attribute_model=", vec!["prioridade", "cpf", "origem"]),
        (
            "?attribute_model=conversation_attribute",
            vec!["prioridade", "origem"],
        ),
        ("?attribute_model=0", vec!["prioridade", "origem"]),
        ("?attribute_model=contact_attribute", vec!["cpf"]),
        ("?attribute_model=1", vec!["cpf"]),
    ] {
        let response = app
            .api(
                Method::GET,
                &acme.api(&format!("{PATH}{query}")),
                &agent,
                None,
            )
            .await;
        assert_eq!(response.status, 200, "{query}: {}", response.text);
        assert_eq!(keys(&response.json()), expected, "{query}");
    }
    for bad in ["?attribute_model=company_attribute", "?attribute_model=2"] {
        let response = app
            .api(
                Method::GET,
                &acme.api(&format!("{PATH}{bad}")),
                &agent,
                None,
            )
            .await;
        assert_invalid(&response, "attribute_model", &json!(bad));
    }
}

#[tokio::test]
async fn bad_definition_input_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let existing = create(
        &app,
        &acme,
        &acme.admin,
        "custom_attribute_definitions",
        json!({"attribute_display_name": "Plano", "attribute_key": "plano"}),
    )
    .await;
    let valid = json!({"attribute_display_name": "Campo", "attribute_key": "campo"});
    let with = |extra: Value| {
        let mut body = valid.clone();
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (json!({"attribute_key": "x"}), "attribute_display_name"),
        (
            with(json!({"attribute_display_name": "  "})),
            "attribute_display_name",
        ),
        (json!({"attribute_display_name": "X"}), "attribute_key"),
        (
            with(json!({"attribute_key": "com espaço"})),
            "attribute_key",
        ),
        (with(json!({"attribute_key": "plano"})), "attribute_key"),
        (with(json!({"attribute_key": "status"})), "attribute_key"),
        (
            with(json!({"attribute_key": "email", "attribute_model": "contact_attribute"})),
            "attribute_key",
        ),
        (with(json!({"attribute_key": 12})), "attribute_key"),
        (
            with(json!({"attribute_display_type": "color"})),
            "attribute_display_type",
        ),
        (
            with(json!({"attribute_display_type": 8})),
            "attribute_display_type",
        ),
        (
            with(json!({"attribute_display_type": true})),
            "attribute_display_type",
        ),
        (
            with(json!({"attribute_model": "company_attribute"})),
            "attribute_model",
        ),
        (with(json!({"attribute_model": 2})), "attribute_model"),
        (
            with(json!({"attribute_display_type": "list"})),
            "attribute_values",
        ),
        (
            with(json!({"attribute_display_type": 6, "attribute_values": [" "]})),
            "attribute_values",
        ),
        (
            with(json!({"attribute_values": "Ouro"})),
            "attribute_values",
        ),
        (
            with(json!({"attribute_values": [{"a": 1}]})),
            "attribute_values",
        ),
        (with(json!({"regex_pattern": "([0-9]"})), "regex_pattern"),
        (with(json!({"regex_pattern": "/[z-a]/"})), "regex_pattern"),
        (with(json!({"regex_cue": 5})), "regex_cue"),
    ];
    for (body, field) in cases {
        let response = app
            .api(
                Method::POST,
                &acme.api(PATH),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_invalid(&response, field, &body);
    }
    // The same key in the other model is fine.
    create(
        &app,
        &acme,
        &acme.admin,
        "custom_attribute_definitions",
        json!({"attribute_display_name": "Plano", "attribute_key": "plano", "attribute_model": 1}),
    )
    .await;
    create(
        &app,
        &acme,
        &acme.admin,
        "custom_attribute_definitions",
        valid.clone(),
    )
    .await;
    let path = acme.api(&format!("{PATH}/{existing}"));
    for (body, field) in [
        (json!({"attribute_key": "campo"}), "attribute_key"),
        (json!({"attribute_key": "labels"}), "attribute_key"),
        (
            json!({"attribute_display_type": "list"}),
            "attribute_values",
        ),
        (
            json!({"attribute_display_name": ""}),
            "attribute_display_name",
        ),
    ] {
        let response = app
            .api(Method::PATCH, &path, &acme.admin, Some(body.clone()))
            .await;
        assert_invalid(&response, field, &body);
    }
    let turned_into_list = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"attribute_display_type": "list", "attribute_values": ["A", "B"]})),
        )
        .await;
    assert_eq!(turned_into_list.status, 200, "{}", turned_into_list.text);
    let count: i64 = sqlx::query_scalar("select count(*) from custom_attribute_definitions")
        .fetch_one(app.db())
        .await
        .expect("count");
    assert_eq!(count, 3);
}

#[tokio::test]
async fn definitions_of_another_account_are_not_found_and_never_shown() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let theirs = create(
        &app,
        &beta,
        &beta.admin,
        "custom_attribute_definitions",
        json!({"attribute_display_name": "Segredo Beta", "attribute_key": "segredo_beta"}),
    )
    .await;
    let path = acme.api(&format!("{PATH}/{theirs}"));
    for (method, body) in [
        (Method::GET, None),
        (
            Method::PATCH,
            Some(json!({"attribute_display_name": "Roubado"})),
        ),
        (Method::DELETE, None),
    ] {
        let response = app.api(method, &path, &acme.admin, body).await;
        assert_not_found(&response, "segredo_beta");
    }
    assert_eq!(
        app.api(Method::GET, &acme.api(PATH), &acme.admin, None)
            .await
            .json(),
        json!([])
    );
    // Acme may use the same key: uniqueness is per account.
    create(
        &app,
        &acme,
        &acme.admin,
        "custom_attribute_definitions",
        json!({"attribute_display_name": "Meu", "attribute_key": "segredo_beta"}),
    )
    .await;
    let still = app
        .api(Method::GET, &beta.api(PATH), &beta.admin, None)
        .await;
    assert_eq!(still.json()[0]["attribute_display_name"], "Segredo Beta");
}

#[tokio::test]
async fn members_read_definitions_and_only_administrators_write_them() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let id = create(
        &app,
        &acme,
        &acme.admin,
        "custom_attribute_definitions",
        json!({"attribute_display_name": "Plano", "attribute_key": "plano"}),
    )
    .await;
    let agent = app.add_member(&acme, "Ana", Role::Agent, None).await;
    let role = create(
        &app,
        &acme,
        &acme.admin,
        "custom_roles",
        json!({"name": "Tudo", "permissions": ["contact_manage", "conversation_manage", "label_manage"]}),
    )
    .await;
    let custom = app
        .add_member(&acme, "Caio", Role::Agent, Some(CustomRoleId(role)))
        .await;
    let path = acme.api(&format!("{PATH}/{id}"));
    for user in [&agent, &custom] {
        assert_eq!(
            keys(
                &app.api(Method::GET, &acme.api(PATH), user, None)
                    .await
                    .json()
            ),
            vec!["plano"]
        );
        assert_eq!(
            app.api(Method::GET, &path, user, None).await.json()["attribute_key"],
            "plano"
        );
        assert_denied(
            &app.api(
                Method::POST,
                &acme.api(PATH),
                user,
                Some(json!({"attribute_display_name": "X", "attribute_key": "x"})),
            )
            .await,
        );
        assert_denied(
            &app.api(
                Method::PATCH,
                &path,
                user,
                Some(json!({"attribute_display_name": "Y"})),
            )
            .await,
        );
        assert_denied(&app.api(Method::DELETE, &path, user, None).await);
    }
}
