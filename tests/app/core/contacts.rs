use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;

#[tokio::test]
async fn creating_a_contact_in_an_inbox_returns_chatwoots_payload() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await;
    let body = json!({"inbox_id": inbox["id"], "name": "Maria Souza", "email": "Maria@Example.com", "phone_number": "5511987654321",
                      "identifier": "5511987654321@s.whatsapp.net", "custom_attributes": {"plano": "ouro"}});
    let response = app
        .api(
            Method::POST,
            &acme.api("/contacts"),
            &acme.admin,
            Some(body),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let payload = response.json()["payload"].clone();
    assert_eq!(payload["contact"]["phone_number"], "+5511987654321");
    assert_eq!(payload["contact"]["email"], "maria@example.com");
    assert_eq!(payload["contact_inbox"]["inbox"]["id"], inbox["id"]);
    let source = payload["contact_inbox"]["source_id"]
        .as_str()
        .expect("source id");
    assert_eq!(source.len(), 36, "a UUID for API inboxes");
    insta::assert_json_snapshot!(payload, {
        ".contact.id" => "[id]", ".contact.created_at" => "[time]", ".contact.contact_inboxes[].source_id" => "[uuid]",
        ".contact.contact_inboxes[].inbox.id" => "[id]", ".contact.contact_inboxes[].inbox.channel_id" => "[id]",
        ".contact_inbox" => "[inbox]",
    });
}

#[tokio::test]
async fn contacts_list_search_and_sort_with_chatwoots_meta() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    for (name, phone) in [
        ("Ana Lima", "+5511911111111"),
        ("Bruno Dias", "+5511922222222"),
        ("Carla Reis", "+5521933333333"),
    ] {
        app.create_contact(&acme, inbox, name, phone).await;
    }
    // A contact with nothing to reach them by is not listed (Chatwoot's "resolved" contacts).
    app.api(
        Method::POST,
        &acme.api("/contacts"),
        &acme.admin,
        Some(json!({"name": "Ghost"})),
    )
    .await;
    let listed = app
        .api(
            Method::GET,
            &acme.api("/contacts?sort=name"),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(listed["meta"], json!({"count": 3, "current_page": 1}));
    assert_eq!(listed["payload"][0]["name"], "Ana Lima");
    let desc = app
        .api(
            Method::GET,
            &acme.api("/contacts?sort=-name&page=1"),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(desc["meta"]["current_page"], "1", "echoed as sent");
    assert_eq!(desc["payload"][0]["name"], "Carla Reis");
    let found = app
        .api(
            Method::GET,
            &acme.api("/contacts/search?q=bruno"),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(found["meta"]["count"], 1);
    assert_eq!(found["payload"][0]["name"], "Bruno Dias");
    let by_phone = app
        .api(
            Method::GET,
            &acme.api("/contacts/search?q=21933"),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(by_phone["payload"][0]["name"], "Carla Reis");
    let missing_q = app
        .api(
            Method::GET,
            &acme.api("/contacts/search"),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(missing_q.status, 422);
    assert_eq!(
        missing_q.json(),
        json!({"error": "Specify search string with parameter q"})
    );
}

#[tokio::test]
async fn the_phone_filter_finds_brazilian_mobiles_in_both_forms_without_plus() {
    // Arrange: the contact was stored with the ninth digit.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let contact = app
        .create_contact(&acme, inbox, "João", "+5511987654321")
        .await;
    // Act: Evolution API asks with and without the ninth digit, without '+'.
    for value in ["5511987654321", "551187654321"] {
        let body = json!({"payload": [{"attribute_key": "phone_number", "filter_operator": "equal_to", "values": [value], "query_operator": null}]});
        let response = app
            .api(
                Method::POST,
                &acme.api("/contacts/filter"),
                &acme.admin,
                Some(body),
            )
            .await;
        // Assert
        assert_eq!(response.status, 200, "{}", response.text);
        assert_eq!(
            response.json()["payload"][0]["id"],
            contact["id"],
            "{value}"
        );
    }
}

#[tokio::test]
async fn the_contact_filter_honours_operators_and_all_values() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let ana = app
        .create_contact(&acme, inbox, "Ana Lima", "+5511911111111")
        .await;
    let bruno = app
        .create_contact(&acme, inbox, "Bruno Dias", "+5511922222222")
        .await;
    app.create_contact(&acme, inbox, "Carla Reis", "+5521933333333")
        .await;
    let body = json!({"payload": [
        {"attribute_key": "name", "filter_operator": "equal_to", "values": ["ana lima", "bruno dias"], "query_operator": "AND"},
        {"attribute_key": "phone_number", "filter_operator": "starts_with", "values": ["+5511"]},
    ]});
    let response = app
        .api(
            Method::POST,
            &acme.api("/contacts/filter"),
            &acme.admin,
            Some(body),
        )
        .await
        .json();
    let mut ids: Vec<_> = response["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    ids.sort_by_key(|v| v.as_i64());
    assert_eq!(ids, vec![ana["id"].clone(), bruno["id"].clone()]);
    for (body, message) in [
        (
            json!({"payload": [{"attribute_key": "shoe_size", "filter_operator": "equal_to", "values": ["42"]}]}),
            "Invalid attribute key",
        ),
        (
            json!({"payload": [{"attribute_key": "name", "filter_operator": "is_greater_than", "values": ["a"]}]}),
            "Invalid operator",
        ),
        (
            json!({"payload": [{"attribute_key": "created_at", "filter_operator": "is_greater_than", "values": ["yesterday"]}]}),
            "Invalid value",
        ),
    ] {
        let response = app
            .api(
                Method::POST,
                &acme.api("/contacts/filter"),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, 422, "{body}");
        assert!(
            response.json()["error"]
                .as_str()
                .unwrap_or_default()
                .contains(message),
            "{}",
            response.text
        );
    }
}

#[tokio::test]
async fn updating_merges_attributes_and_bad_input_is_422() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let ana = app
        .create_contact(&acme, inbox, "Ana", "+5511911111111")
        .await;
    app.create_contact(&acme, inbox, "Bia", "+5511922222222")
        .await;
    let path = acme.api(&format!("/contacts/{}", ana["id"]));
    app.api(
        Method::PUT,
        &path,
        &acme.admin,
        Some(json!({"custom_attributes": {"plano": "ouro"}})),
    )
    .await;
    let updated = app
        .api(
            Method::PUT,
            &path,
            &acme.admin,
            Some(json!({"custom_attributes": {"cidade": "Recife"}, "name": "Ana Lima"})),
        )
        .await;
    assert_eq!(updated.status, 200);
    assert_eq!(
        updated.json()["payload"]["custom_attributes"],
        json!({"plano": "ouro", "cidade": "Recife"})
    );
    for (body, field) in [
        (json!({"phone_number": "+5511922222222"}), "phone_number"),
        (json!({"phone_number": "call me"}), "phone_number"),
        (json!({"phone_number": "+0123"}), "phone_number"),
        (json!({"email": "not-an-email"}), "email"),
        (json!({"custom_attributes": "x"}), "custom_attributes"),
        (json!({"blocked": "perhaps"}), "blocked"),
    ] {
        let response = app
            .api(Method::PUT, &path, &acme.admin, Some(body.clone()))
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.text);
        assert_eq!(response.json()["attributes"], json!([field]), "{body}");
    }
    assert_eq!(
        app.api(Method::GET, &path, &acme.admin, None).await.json()["payload"]["name"],
        "Ana Lima"
    );
}

#[tokio::test]
async fn evolutions_control_contact_plus_123456_is_accepted() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let bot = app
        .create_contact(&acme, inbox, "EvolutionAPI", "123456")
        .await;
    assert_eq!(bot["phone_number"], "+123456");
}

#[tokio::test]
async fn labels_notes_and_contact_inboxes_of_a_contact() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let other_inbox = app.create_inbox(&acme, "Email").await["id"]
        .as_i64()
        .expect("id");
    let ana = app
        .create_contact(&acme, inbox, "Ana", "+5511911111111")
        .await;
    let base = acme.api(&format!("/contacts/{}", ana["id"]));
    let labels = app
        .api(
            Method::POST,
            &format!("{base}/labels"),
            &acme.admin,
            Some(json!({"labels": ["vip", "sp", "vip"]})),
        )
        .await;
    assert_eq!(labels.json(), json!({"payload": ["vip", "sp"]}));
    let replaced = app
        .api(
            Method::POST,
            &format!("{base}/labels"),
            &acme.admin,
            Some(json!({"labels": ["novo"]})),
        )
        .await;
    assert_eq!(replaced.json(), json!({"payload": ["novo"]}));
    let note = app
        .api(
            Method::POST,
            &format!("{base}/notes"),
            &acme.admin,
            Some(json!({"note": {"content": "Prefere WhatsApp"}})),
        )
        .await;
    assert_eq!(note.status, 200, "{}", note.text);
    assert_eq!(note.json()["user"]["name"], "Admin Acme");
    let notes = app
        .api(Method::GET, &format!("{base}/notes"), &acme.admin, None)
        .await
        .json();
    assert_eq!(notes.as_array().map(Vec::len), Some(1));
    let empty = app
        .api(
            Method::POST,
            &format!("{base}/notes"),
            &acme.admin,
            Some(json!({"content": " "})),
        )
        .await;
    assert_eq!(empty.status, 422);
    let ci = app
        .api(
            Method::POST,
            &format!("{base}/contact_inboxes"),
            &acme.admin,
            Some(json!({"inbox_id": other_inbox, "source_id": "ana@example.com"})),
        )
        .await;
    assert_eq!(ci.json()["source_id"], "ana@example.com");
    assert_eq!(ci.json()["inbox"]["id"], other_inbox);
    let dup = app
        .api(
            Method::POST,
            &format!("{base}/contact_inboxes"),
            &acme.admin,
            Some(json!({"inbox_id": other_inbox, "source_id": "ana@example.com"})),
        )
        .await;
    assert_eq!(dup.status, 422);
    let contactable = app
        .api(
            Method::GET,
            &format!("{base}/contactable_inboxes"),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(contactable["payload"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn merging_moves_conversations_and_fills_blanks() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let base = app
        .create_contact(&acme, inbox, "Ana", "+5511911111111")
        .await;
    let body =
        json!({"inbox_id": inbox, "name": "", "email": "ana@example.com", "identifier": "ana-jid"});
    let mergee = app
        .api(
            Method::POST,
            &acme.api("/contacts"),
            &acme.admin,
            Some(body),
        )
        .await
        .json()["payload"]["contact"]
        .clone();
    let conversation = app
        .api(
            Method::POST,
            &acme.api("/conversations"),
            &acme.admin,
            Some(json!({"inbox_id": inbox, "contact_id": mergee["id"]})),
        )
        .await
        .json();
    let merged = app
        .api(Method::POST, &acme.api("/actions/contact_merge"), &acme.admin, Some(json!({"base_contact_id": base["id"], "mergee_contact_id": mergee["id"].to_string()})))
        .await;
    assert_eq!(merged.status, 200, "{}", merged.text);
    assert_eq!(merged.json()["email"], "ana@example.com");
    assert_eq!(merged.json()["phone_number"], "+5511911111111");
    assert_eq!(merged.json()["name"], "Ana");
    assert_eq!(
        app.api(
            Method::GET,
            &acme.api(&format!("/contacts/{}", mergee["id"])),
            &acme.admin,
            None
        )
        .await
        .status,
        404
    );
    let moved = app
        .api(
            Method::GET,
            &acme.api(&format!("/conversations/{}", conversation["id"])),
            &acme.admin,
            None,
        )
        .await
        .json();
    assert_eq!(moved["meta"]["sender"]["id"], base["id"]);
    let same = app
        .api(
            Method::POST,
            &acme.api("/actions/contact_merge"),
            &acme.admin,
            Some(json!({"base_contact_id": base["id"], "mergee_contact_id": base["id"]})),
        )
        .await;
    assert_eq!(same.status, 422);
}

#[tokio::test]
async fn contacts_are_tenant_isolated_and_delete_is_for_administrators() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let ana = app
        .create_contact(&acme, inbox, "Ana Secreta", "+5511911111111")
        .await;
    let foreign = beta.api(&format!("/contacts/{}", ana["id"]));
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let response = app
            .api(
                method.clone(),
                &foreign,
                &beta.admin,
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(response.status, 404, "{method}");
        assert!(!response.text.contains("Ana Secreta"));
    }
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let path = acme.api(&format!("/contacts/{}", ana["id"]));
    assert_eq!(
        app.api(Method::DELETE, &path, &agent, None).await.status,
        401
    );
    assert_eq!(
        app.api(Method::DELETE, &path, &acme.admin, None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_nul_character_in_a_body_or_a_query_is_a_422_naming_where_it_is() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    // PostgreSQL stores no NUL in text or jsonb: the write would fail, so the input is refused.
    for (body, field) in [
        (json!({"inbox_id": inbox, "name": "Ana\u{0}"}), "name"),
        (
            json!({"inbox_id": inbox, "name": "Ana", "custom_attributes": {"plano": "a\u{0}"}}),
            "custom_attributes.plano",
        ),
        (
            json!({"inbox_id": inbox, "name": "Ana", "custom_attributes": {"a\u{0}": 1}}),
            "custom_attributes.a\\u0000",
        ),
    ] {
        let response = app
            .api(
                Method::POST,
                &acme.api("/contacts"),
                &acme.admin,
                Some(body),
            )
            .await;
        assert_eq!(response.status, 422, "{}", response.text);
        assert_eq!(
            response.json()["attributes"],
            json!([field]),
            "{field}: {}",
            response.text
        );
    }
    for path in [
        "/contacts/search?q=a%00b",
        "/contacts?sort=%00",
        "/conversations?q=%00",
    ] {
        let response = app
            .api(Method::GET, &acme.api(path), &acme.admin, None)
            .await;
        assert_eq!(response.status, 422, "{path}: {}", response.text);
        assert!(response.text.contains("NUL"), "{path}: {}", response.text);
    }
    // Nothing was stored, and the same requests without the NUL still work.
    let listed = app
        .api(Method::GET, &acme.api("/contacts"), &acme.admin, None)
        .await;
    assert_eq!(listed.json()["meta"]["count"], 0, "{}", listed.text);
    let created = app
        .api(
            Method::POST,
            &acme.api("/contacts"),
            &acme.admin,
            Some(json!({"inbox_id": inbox, "name": "Ana", "phone_number": "+5511911111111"})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
}

#[tokio::test]
async fn the_largest_float_survives_the_round_trip_through_jsonb() {
    // Found by schemathesis: PostgreSQL keeps `-1.7976931348623157e308` exactly and hands it back
    // as 309 digits, which a parser without exact float parsing rounds past f64::MAX: the write
    // succeeded and reading the row back answered 500.
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let attributes = json!({"saldo": -f64::MAX, "limite": f64::MAX, "minimo": f64::MIN_POSITIVE});
    let created = app
        .api(
            Method::POST,
            &acme.api("/contacts"),
            &acme.admin,
            Some(json!({"inbox_id": inbox, "name": "Ana", "additional_attributes": attributes})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let id = created.json()["payload"]["contact"]["id"]
        .as_i64()
        .expect("id");
    let shown = app
        .api(
            Method::GET,
            &acme.api(&format!("/contacts/{id}")),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(
        shown.json()["payload"]["additional_attributes"],
        attributes,
        "{}",
        shown.text
    );
}

#[tokio::test]
async fn notes_list_each_author_and_a_former_member_as_null() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let caio = app
        .add_member(&acme, "Caio", Role::Administrator, None)
        .await;
    let inbox = app.create_inbox(&acme, "WhatsApp").await["id"]
        .as_i64()
        .expect("id");
    let contact = app
        .api(
            Method::POST,
            &acme.api("/contacts"),
            &acme.admin,
            Some(json!({"inbox_id": inbox, "name": "Ana"})),
        )
        .await
        .json()["payload"]["contact"]["id"]
        .as_i64()
        .expect("id");
    let notes = acme.api(&format!("/contacts/{contact}/notes"));
    for (writer, content) in [
        (&acme.admin, "primeira"),
        (&caio, "segunda"),
        (&acme.admin, "terceira"),
    ] {
        let created = app
            .api(
                Method::POST,
                &notes,
                writer,
                Some(json!({"content": content})),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.text);
    }
    let authors = |listed: &Value| -> Vec<(String, Value)> {
        listed
            .as_array()
            .expect("array")
            .iter()
            .map(|n| {
                (
                    n["content"].as_str().expect("content").to_owned(),
                    n["user"]["name"].clone(),
                )
            })
            .collect()
    };
    let listed = app.api(Method::GET, &notes, &acme.admin, None).await;
    assert_eq!(
        authors(&listed.json()),
        [
            ("terceira".to_owned(), json!("Admin Acme")),
            ("segunda".to_owned(), json!("Caio")),
            ("primeira".to_owned(), json!("Admin Acme")),
        ],
        "{}",
        listed.text
    );
    let removed = app
        .api(
            Method::DELETE,
            &acme.api(&format!("/agents/{}", caio.id)),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    let listed = app.api(Method::GET, &notes, &acme.admin, None).await;
    let after = listed.json();
    assert_eq!(after[1]["content"], "segunda", "{}", listed.text);
    assert_eq!(after[1]["user"], Value::Null, "{}", listed.text);
    assert_eq!(after[0]["user"]["name"], "Admin Acme", "{}", listed.text);
}
