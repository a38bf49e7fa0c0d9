//! The conversation list: tabs and counts, filters, sort, fragments, empty states, visibility.

use atende::accounts::model::Role;
use atende::ids::CustomRoleId;
use reqwest::Method;
use serde_json::json;

use super::{Desk, row_ids, tab_count};

#[tokio::test]
async fn the_inbox_speaks_portuguese_and_english_with_tabs_and_counts() {
    // Arrange: two open conversations, one assigned to the administrator.
    let pt = Desk::new("Loja Aurora", false).await;
    let first = pt
        .conversation("Maria Silva", "Oi, meu pedido atrasou")
        .await;
    pt.conversation("João Pereira", "Vocês entregam em Niterói?")
        .await;
    pt.app
        .api(
            Method::POST,
            &pt.account
                .api(&format!("/conversations/{first}/assignments")),
            &pt.account.admin,
            Some(json!({"assignee_id": pt.account.admin.id})),
        )
        .await;
    let en = Desk::new("Aurora Store", true).await;
    en.conversation("Ana Souza", "Hello there").await;
    // Act
    let page_pt = pt.browser(&pt.account.admin).await.get(&pt.page("")).await;
    let page_en = en
        .browser(&en.account.admin)
        .await
        .get(&en.page("/conversations"))
        .await;
    // Assert
    assert_eq!(page_pt.status, 200, "{}", page_pt.text);
    assert_eq!(page_pt.header("cache-control"), Some("no-store"));
    for text in [
        "Minhas",
        "Não atribuídas",
        "Todas",
        "Maria Silva",
        "Oi, meu pedido atrasou",
        "Buscar conversas",
        "Escolha uma conversa",
    ] {
        assert!(page_pt.text.contains(text), "pt-BR page lacks {text}");
    }
    assert_eq!(tab_count(&page_pt.text, "me"), 1);
    assert_eq!(tab_count(&page_pt.text, "unassigned"), 1);
    assert_eq!(tab_count(&page_pt.text, "all"), 2);
    assert_eq!(row_ids(&page_pt.text).len(), 2);
    assert!(page_pt.text.contains("lang=\"pt-BR\""));
    assert_eq!(page_en.status, 200);
    for text in [
        "Mine",
        "Unassigned",
        "All",
        "Ana Souza",
        "Search conversations",
        "Pick a conversation",
        "Keyboard shortcuts",
    ] {
        assert!(page_en.text.contains(text), "English page lacks {text}");
    }
    assert!(page_en.text.contains("lang=\"en\""));
}

#[tokio::test]
async fn tabs_filters_search_and_sort_change_the_list() {
    // Arrange
    let desk = Desk::new("Loja Aurora", false).await;
    let maria = desk
        .conversation("Maria Silva", "Quero trocar o tamanho")
        .await;
    let joao = desk
        .conversation("João Pereira", "Cadê minha entrega?")
        .await;
    let ana = desk.conversation("Ana Souza", "Obrigada!").await;
    let admin = &desk.account.admin;
    let api = |suffix: String| desk.account.api(&suffix);
    desk.app
        .api(
            Method::POST,
            &api(format!("/conversations/{joao}/labels")),
            admin,
            Some(json!({"labels": ["entrega"]})),
        )
        .await;
    desk.app
        .api(
            Method::POST,
            &api(format!("/conversations/{maria}/toggle_priority")),
            admin,
            Some(json!({"priority": "urgent"})),
        )
        .await;
    desk.app
        .api(
            Method::POST,
            &api(format!("/conversations/{ana}/toggle_status")),
            admin,
            Some(json!({"status": "resolved"})),
        )
        .await;
    desk.app
        .api(
            Method::POST,
            &api(format!("/conversations/{joao}/assignments")),
            admin,
            Some(json!({"assignee_id": desk.agent.id})),
        )
        .await;
    let browser = desk.browser(admin).await;
    let list = |query: &str| {
        let path = desk.page(&format!("/conversations?{query}"));
        let browser = &browser;
        async move { row_ids(&browser.get(&path).await.text) }
    };
    // Act + Assert: the default shows open conversations, latest activity first.
    assert_eq!(list("").await, vec![joao, maria]);
    assert_eq!(list("status=resolved").await, vec![ana]);
    assert_eq!(
        list("status=all&sort=created_at_asc").await,
        vec![maria, joao, ana]
    );
    assert_eq!(list("label=entrega").await, vec![joao]);
    assert_eq!(list("priority=urgent").await, vec![maria]);
    assert_eq!(list("q=trocar").await, vec![maria]);
    assert_eq!(list(&format!("q=%23{joao}")).await, vec![joao]);
    assert_eq!(list("assignee_type=unassigned").await, vec![maria]);
    assert_eq!(list("assignee_type=me").await, Vec::<i64>::new());
    assert_eq!(
        list(&format!("inbox_id={}", desk.inbox + 1000)).await,
        Vec::<i64>::new()
    );
    assert_eq!(list("sort=priority_desc").await, vec![maria, joao]);
    // Filtered lists say so and offer the way back.
    let empty = browser
        .get(&desk.page("/conversations?assignee_type=me&label=vip"))
        .await;
    assert!(
        empty.text.contains("Nenhuma conversa com esses filtros"),
        "{}",
        empty.text
    );
    assert!(empty.text.contains(&format!(
        "href=\"{}\"",
        desk.page("/conversations?assignee_type=me")
    )));
}

#[tokio::test]
async fn htmx_gets_the_results_a_row_the_counts_and_further_pages() {
    // Arrange: 27 conversations, one page is 25.
    let desk = Desk::new("Loja Aurora", false).await;
    let mut ids = Vec::new();
    for n in 0..27 {
        ids.push(
            desk.conversation(&format!("Cliente {}", "a".repeat(n + 1)), "oi")
                .await,
        );
    }
    let browser = desk.browser(&desk.account.admin).await;
    let htmx = |path: String, target: &'static str| {
        let browser = &browser;
        async move {
            browser
                .get_with(&path, &[("hx-request", "true"), ("hx-target", target)])
                .await
        }
    };
    // Act
    let results = htmx(desk.page("/conversations"), "list-results").await;
    let more = browser.get(&desk.page("/conversations/more?page=2")).await;
    let row = browser
        .get(&desk.page(&format!("/conversations/{}/row", ids[0])))
        .await;
    let gone = browser
        .get(&desk.page(&format!("/conversations/{}/row?status=resolved", ids[0])))
        .await;
    let counts = browser.get(&desk.page("/conversations/counts")).await;
    // Assert
    assert!(!results.text.contains("<html"), "a fragment, not a page");
    assert_eq!(row_ids(&results.text).len(), 25);
    assert!(results.text.contains("id=\"list-more\""));
    assert_eq!(row_ids(&more.text), vec![ids[1], ids[0]]);
    assert!(!more.text.contains("id=\"list-more\""));
    assert_eq!(row.status, 200);
    assert_eq!(row_ids(&row.text), vec![ids[0]]);
    assert!(row.text.contains("data-sort-key=\""));
    assert_eq!(gone.status, 204);
    assert_eq!(tab_count(&counts.text, "all"), 27);
    // A history restore is a whole page again.
    let restore = browser
        .get_with(
            &desk.page("/conversations"),
            &[
                ("hx-request", "true"),
                ("hx-target", "list-results"),
                ("hx-history-restore-request", "true"),
            ],
        )
        .await;
    assert!(restore.text.contains("<html"));
}

#[tokio::test]
async fn a_new_account_is_told_how_conversations_arrive() {
    // Arrange
    let app = crate::support::TestApp::spawn().await;
    let acme = app.create_account("Acme").await;
    let agent = app.add_member(&acme, "Bia", Role::Agent, None).await;
    let admin_browser = app.browser();
    admin_browser.sign_in(&acme.admin).await;
    let agent_browser = app.browser();
    agent_browser.sign_in(&agent).await;
    // Act
    let admin_page = admin_browser.get(&acme.page("")).await;
    let agent_page = agent_browser.get(&acme.page("")).await;
    // Assert
    assert!(
        admin_page.text.contains("Criar uma caixa de entrada"),
        "{}",
        admin_page.text
    );
    assert!(
        admin_page
            .text
            .contains(&format!("{}/settings/inboxes", acme.page("")))
    );
    assert!(
        agent_page.text.contains("Peça a um administrador"),
        "{}",
        agent_page.text
    );
    assert!(!agent_page.text.contains("/settings/inboxes"));
}

#[tokio::test]
async fn members_see_only_the_conversations_their_role_allows() {
    // Arrange: Bruno is in the inbox; Carla is not; Davi only sees what is his.
    let desk = Desk::new("Loja Aurora", false).await;
    let app = &desk.app;
    let mine = desk.conversation("Maria Silva", "oi").await;
    let other = desk.conversation("João Pereira", "olá").await;
    let carla = app
        .add_member(&desk.account, "Carla", Role::Agent, None)
        .await;
    let role = app
        .api(
            Method::POST,
            &desk.account.api("/custom_roles"),
            &desk.account.admin,
            Some(json!({"name": "Só as minhas", "permissions": ["conversation_participating_manage"]})),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("role");
    let davi = app
        .add_member(&desk.account, "Davi", Role::Agent, Some(CustomRoleId(role)))
        .await;
    app.add_to_inbox(&desk.account, desk.inbox, &davi).await;
    app.api(
        Method::POST,
        &desk
            .account
            .api(&format!("/conversations/{mine}/assignments")),
        &desk.account.admin,
        Some(json!({"assignee_id": davi.id})),
    )
    .await;
    // Act + Assert
    let bruno = desk.browser(&desk.agent).await;
    let bruno_list = bruno.get(&desk.page("")).await.text;
    assert_eq!(row_ids(&bruno_list).len(), 2);
    assert_eq!(tab_count(&bruno_list, "all"), 2);
    let carla_browser = desk.browser(&carla).await;
    let carla_list = carla_browser.get(&desk.page("")).await.text;
    assert!(row_ids(&carla_list).is_empty());
    assert_eq!(tab_count(&carla_list, "all"), 0);
    assert_eq!(
        carla_browser
            .get(&desk.page(&format!("/conversations/{mine}")))
            .await
            .status,
        404
    );
    assert_eq!(
        carla_browser
            .get(&desk.page(&format!("/conversations/{mine}/row")))
            .await
            .status,
        204
    );
    let davi_browser = desk.browser(&davi).await;
    assert_eq!(
        row_ids(&davi_browser.get(&desk.page("")).await.text),
        vec![mine]
    );
    assert_eq!(
        davi_browser
            .get(&desk.page(&format!("/conversations/{other}")))
            .await
            .status,
        404
    );
    // Contacts are not his to manage: no link, and the page is refused.
    let davi_page = davi_browser.get(&desk.page("")).await.text;
    assert!(!davi_page.contains(&format!("{}\"", desk.page("/contacts"))));
    let refused = davi_browser.get(&desk.page("/contacts")).await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.text.contains("Acesso não permitido"),
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn another_accounts_conversation_is_not_found() {
    // Arrange
    let desk = Desk::new("Loja Aurora", false).await;
    let id = desk.conversation("Maria Silva", "oi").await;
    let other = desk.app.create_account("Outra").await;
    let outsider = desk.browser(&other.admin).await;
    // Act + Assert: neither through their own account nor through ours.
    assert_eq!(
        outsider
            .get(&other.page(&format!("/conversations/{id}")))
            .await
            .status,
        404
    );
    let through_ours = outsider
        .get(&desk.page(&format!("/conversations/{id}")))
        .await;
    assert_eq!(through_ours.status, 404);
    assert!(!through_ours.text.contains("Maria Silva"));
    let post = outsider
        .post_form(
            &other.page(&format!("/conversations/{id}/status")),
            &[("status", "resolved")],
        )
        .await;
    assert_eq!(post.status, 404);
    assert_eq!(desk.conversation_json(id).await["status"], "open");
}

#[tokio::test]
async fn an_expired_session_sends_htmx_and_pages_back_through_the_login() {
    // Arrange: a browser that never signed in (as after the session expired).
    let desk = Desk::new("Loja Aurora", false).await;
    let id = desk.conversation("Maria Silva", "oi").await;
    let browser = desk.app.browser();
    let current = format!(
        "{}{}",
        desk.app.address,
        desk.page(&format!("/conversations/{id}?status=all"))
    );
    // Act
    let fragment = browser
        .get_with(
            &desk.page(&format!("/conversations/{id}/row")),
            &[("hx-request", "true"), ("hx-current-url", current.as_str())],
        )
        .await;
    let page = browser
        .get(&desk.page(&format!("/conversations/{id}")))
        .await;
    // Assert: htmx is told to load the login page, which returns to where the agent was.
    assert_eq!(fragment.status, 200);
    let expected = format!(
        "/login?next={}",
        url::form_urlencoded::byte_serialize(
            desk.page(&format!("/conversations/{id}?status=all"))
                .as_bytes()
        )
        .collect::<String>()
    );
    assert_eq!(fragment.header("hx-redirect"), Some(expected.as_str()));
    assert_eq!(page.status, 303);
    assert!(
        page.header("location")
            .unwrap_or_default()
            .starts_with("/login?next=")
    );
}
