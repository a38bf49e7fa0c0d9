use atende::accounts::model::Role;
use atende::ids::CustomRoleId;
use reqwest::Method;
use serde_json::{Value, json};

use super::{assert_denied, assert_invalid, assert_not_found, create};
use crate::support::TestApp;

fn short_codes(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|c| c["short_code"].as_str().expect("short_code").to_owned())
        .collect()
}

#[tokio::test]
async fn canned_responses_are_created_listed_updated_and_deleted() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let body = json!({"canned_response": {"short_code": " boas-vindas ",
                                          "content": "Olá {{contact.name}}, como posso ajudar?"}});
    // Act
    let created = app
        .api(
            Method::POST,
            &acme.api("/canned_responses"),
            &acme.admin,
            Some(body),
        )
        .await;
    // Assert
    assert_eq!(created.status, 200, "{}", created.text);
    insta::assert_json_snapshot!("canned_response", created.json(), {
        ".id" => "[id]", ".account_id" => "[id]", ".created_at" => "[time]", ".updated_at" => "[time]"
    });
    assert_eq!(created.json()["account_id"], json!(acme.id.0));
    let created_at = created.json()["created_at"]
        .as_str()
        .expect("created_at")
        .to_owned();
    assert!(
        created_at.ends_with('Z') && created_at.contains('T') && created_at.len() == 24,
        "ISO with milliseconds: {created_at}"
    );
    let id = created.json()["id"].as_i64().expect("id");
    create(
        &app,
        &acme,
        &acme.admin,
        "canned_responses",
        json!({"short_code": "tchau", "content": "Até logo!"}),
    )
    .await;
    let listed = app
        .api(
            Method::GET,
            &acme.api("/canned_responses"),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(listed.status, 200);
    insta::assert_json_snapshot!("canned_responses", listed.json(), {
        "[].id" => "[id]", "[].account_id" => "[id]", "[].created_at" => "[time]", "[].updated_at" => "[time]"
    });
    let path = acme.api(&format!("/canned_responses/{id}"));
    let updated = app
        .api(
            Method::PATCH,
            &path,
            &acme.admin,
            Some(json!({"content": "Oi! Em que posso ajudar?"})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json()["short_code"], "boas-vindas");
    assert_eq!(updated.json()["content"], "Oi! Em que posso ajudar?");
    // Chatwoot has no show route.
    assert_not_found(&app.api(Method::GET, &path, &acme.admin, None).await, "Oi!");
    let deleted = app.api(Method::DELETE, &path, &acme.admin, None).await;
    assert_eq!((deleted.status.as_u16(), deleted.text.as_str()), (200, ""));
    let left = app
        .api(
            Method::GET,
            &acme.api("/canned_responses"),
            &acme.admin,
            None,
        )
        .await;
    assert_eq!(short_codes(&left.json()), vec!["tchau"]);
    assert_eq!(
        app.api(Method::DELETE, &path, &acme.admin, None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn search_matches_short_code_or_content_ranked_as_chatwoot_ranks() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    for (short_code, content) in [
        ("horario", "Atendemos das 8h às 18h, inclusive para PIX."),
        ("pagamento-pix", "A chave é o CNPJ."),
        ("pix", "Envie o comprovante."),
        ("boleto", "O boleto vence em 3 dias."),
        ("desconto", "Ganhe 10% de desconto."),
        ("desconto_100", "Grátis."),
    ] {
        create(
            &app,
            &acme,
            &acme.admin,
            "canned_responses",
            json!({"short_code": short_code, "content": content}),
        )
        .await;
    }
    let search = |term: &str| {
        let path = acme.api(&format!(
            "/canned_responses?search={}",
            url::form_urlencoded::byte_serialize(term.as_bytes()).collect::<String>()
        ));
        let app = &app;
        let admin = acme.admin.clone();
        async move { app.api(Method::GET, &path, &admin, None).await }
    };
    // Act and assert: starts-with, then contains in short code, then content; case ignored.
    let found = search("PIX").await;
    assert_eq!(found.status, 200);
    assert_eq!(
        short_codes(&found.json()),
        vec!["pix", "pagamento-pix", "horario"]
    );
    // LIKE wildcards are matched literally.
    assert_eq!(short_codes(&search("10%").await.json()), vec!["desconto"]);
    assert_eq!(
        short_codes(&search("o_1").await.json()),
        vec!["desconto_100"]
    );
    assert_eq!(search("nada disso").await.json(), json!([]));
    // A blank search lists everything, oldest first.
    assert_eq!(short_codes(&search(" ").await.json()).len(), 6);
}

#[tokio::test]
async fn bad_canned_response_input_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let existing = create(
        &app,
        &acme,
        &acme.admin,
        "canned_responses",
        json!({"short_code": "oi", "content": "Olá!"}),
    )
    .await;
    let cases = [
        (json!({"content": "x"}), "short_code"),
        (json!({"short_code": "novo"}), "content"),
        (json!({"short_code": "  ", "content": "x"}), "short_code"),
        (json!({"short_code": "novo", "content": " \n "}), "content"),
        (json!({"short_code": "OI", "content": "x"}), "short_code"),
        (
            json!({"canned_response": {"short_code": " oi ", "content": "x"}}),
            "short_code",
        ),
        (json!({"short_code": 12, "content": "x"}), "short_code"),
        (
            json!({"short_code": "novo", "content": {"text": "x"}}),
            "content",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .api(
                Method::POST,
                &acme.api("/canned_responses"),
                &acme.admin,
                Some(body.clone()),
            )
            .await;
        assert_invalid(&response, field, &body);
    }
    create(
        &app,
        &acme,
        &acme.admin,
        "canned_responses",
        json!({"short_code": "tchau", "content": "Até!"}),
    )
    .await;
    let path = acme.api(&format!("/canned_responses/{existing}"));
    for (body, field) in [
        (json!({"short_code": "Tchau"}), "short_code"),
        (json!({"content": ""}), "content"),
    ] {
        let response = app
            .api(Method::PATCH, &path, &acme.admin, Some(body.clone()))
            .await;
        assert_invalid(&response, field, &body);
    }
    let count: i64 = sqlx::query_scalar("select count(*) from canned_responses")
        .fetch_one(app.db())
        .await
        .expect("count");
    assert_eq!(count, 2);
}

#[tokio::test]
async fn canned_responses_of_another_account_are_not_found_and_never_shown() {
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let beta = app.create_account("Beta").await;
    let theirs = create(
        &app,
        &beta,
        &beta.admin,
        "canned_responses",
        json!({"short_code": "segredo", "content": "Senha do cofre da Beta"}),
    )
    .await;
    let path = acme.api(&format!("/canned_responses/{theirs}"));
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"content": "roubado"}))),
        (Method::DELETE, None),
    ] {
        let response = app.api(method, &path, &acme.admin, body).await;
        assert_not_found(&response, "cofre");
    }
    for query in ["", "?search=segredo", "?search=cofre"] {
        let listed = app
            .api(
                Method::GET,
                &acme.api(&format!("/canned_responses{query}")),
                &acme.admin,
                None,
            )
            .await;
        assert_eq!(listed.json(), json!([]), "{query}");
    }
    let still = app
        .api(
            Method::GET,
            &beta.api("/canned_responses"),
            &beta.admin,
            None,
        )
        .await;
    assert_eq!(still.json()[0]["content"], "Senha do cofre da Beta");
}

#[tokio::test]
async fn canned_response_manage_gates_writing_and_every_member_reads() {
    // Arrange
    let app = TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let agent = app.add_member(&acme, "Ana", Role::Agent, None).await;
    let reporter_role = create(
        &app,
        &acme,
        &acme.admin,
        "custom_roles",
        json!({"name": "Relatórios", "permissions": ["report_manage"]}),
    )
    .await;
    let writer_role = create(
        &app,
        &acme,
        &acme.admin,
        "custom_roles",
        json!({"name": "Respostas", "permissions": ["canned_response_manage"]}),
    )
    .await;
    let reporter = app
        .add_member(&acme, "Rui", Role::Agent, Some(CustomRoleId(reporter_role)))
        .await;
    let writer = app
        .add_member(&acme, "Wal", Role::Agent, Some(CustomRoleId(writer_role)))
        .await;
    // Plain agents have canned_response_manage by default.
    let by_agent = create(
        &app,
        &acme,
        &agent,
        "canned_responses",
        json!({"short_code": "oi", "content": "Olá!"}),
    )
    .await;
    let by_writer = create(
        &app,
        &acme,
        &writer,
        "canned_responses",
        json!({"canned_response": {"short_code": "tchau", "content": "Até!"}}),
    )
    .await;
    // A custom role without it reads but cannot write.
    let listed = app
        .api(Method::GET, &acme.api("/canned_responses"), &reporter, None)
        .await;
    assert_eq!(short_codes(&listed.json()), vec!["oi", "tchau"]);
    assert_denied(
        &app.api(
            Method::POST,
            &acme.api("/canned_responses"),
            &reporter,
            Some(json!({"short_code": "x", "content": "y"})),
        )
        .await,
    );
    let path = acme.api(&format!("/canned_responses/{by_agent}"));
    assert_denied(
        &app.api(
            Method::PATCH,
            &path,
            &reporter,
            Some(json!({"content": "y"})),
        )
        .await,
    );
    assert_denied(&app.api(Method::DELETE, &path, &reporter, None).await);
    // Writers change each other's responses.
    let edited = app
        .api(
            Method::PATCH,
            &path,
            &writer,
            Some(json!({"content": "Oi!"})),
        )
        .await;
    assert_eq!(edited.json()["content"], "Oi!");
    let theirs = acme.api(&format!("/canned_responses/{by_writer}"));
    assert_eq!(
        app.api(Method::DELETE, &theirs, &agent, None).await.status,
        200
    );
}
