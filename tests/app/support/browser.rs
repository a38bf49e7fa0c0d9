//! A browser-like client: a cookie jar, no automatic redirects, and form posts.

use reqwest::header::HeaderMap;

use super::accounts::TestUser;
use super::{TestApp, TestResponse, read};

/// A cookie-keeping client bound to one application.
pub struct Browser {
    client: reqwest::Client,
    address: String,
}

impl TestApp {
    /// A fresh browser (empty cookie jar) speaking pt-BR unless told otherwise.
    pub fn browser(&self) -> Browser {
        let mut headers = HeaderMap::new();
        headers.insert("accept-language", "pt-BR,pt;q=0.9".parse().expect("header"));
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client");
        Browser {
            client,
            address: self.address.clone(),
        }
    }
}

impl Browser {
    /// `GET path`.
    pub async fn get(&self, path: &str) -> TestResponse {
        read(
            self.client
                .get(format!("{}{}", self.address, path))
                .send()
                .await
                .expect("get"),
        )
        .await
    }

    /// `GET path` with extra headers (htmx requests).
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        let mut request = self.client.get(format!("{}{}", self.address, path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        read(request.send().await.expect("get")).await
    }

    /// `POST path` with a multipart body (file uploads), as a same-origin page would.
    pub async fn post_multipart(
        &self,
        path: &str,
        form: reqwest::multipart::Form,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = self
            .client
            .post(format!("{}{}", self.address, path))
            .header("origin", &self.address)
            .header("sec-fetch-site", "same-origin")
            .multipart(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        read(request.send().await.expect("post")).await
    }

    /// `POST path` with a form body, as a same-origin page would.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> TestResponse {
        let response = self
            .client
            .post(format!("{}{}", self.address, path))
            .header("origin", &self.address)
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await
            .expect("post");
        read(response).await
    }

    /// `POST path` with extra headers (cross-site attempts).
    pub async fn post_form_with(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = self
            .client
            .post(format!("{}{}", self.address, path))
            .form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        read(request.send().await.expect("post")).await
    }

    /// Signs in and asserts it worked.
    pub async fn sign_in(&self, user: &TestUser) -> TestResponse {
        let response = self
            .post_form(
                "/login",
                &[("email", &user.email), ("password", &user.password)],
            )
            .await;
        assert_eq!(response.status, 303, "sign-in failed: {}", response.text);
        response
    }
}

/// One server-sent event.
#[derive(Clone, Debug)]
pub struct SseMessage {
    /// `id:` field.
    pub id: Option<String>,
    /// `event:` field (`message` when absent).
    pub event: String,
    /// `data:` field.
    pub data: String,
}

impl SseMessage {
    /// The data as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).expect("JSON data")
    }
}

/// A connected event stream.
pub struct SseStream {
    messages: tokio::sync::mpsc::UnboundedReceiver<Option<SseMessage>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SseStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SseStream {
    /// The next event within `timeout`; `None` on timeout or when the stream ended.
    pub async fn next(&mut self, timeout: std::time::Duration) -> Option<SseMessage> {
        tokio::time::timeout(timeout, self.messages.recv())
            .await
            .ok()
            .flatten()
            .flatten()
    }

    /// The next event named `event` within `timeout`, skipping others.
    pub async fn next_named(
        &mut self,
        event: &str,
        timeout: std::time::Duration,
    ) -> Option<SseMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let message = self.next(left).await?;
            if message.event == event {
                return Some(message);
            }
        }
    }

    /// Waits for the end of the stream (the server closed it); false on timeout.
    pub async fn ended(&mut self, timeout: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout(
                deadline.saturating_duration_since(tokio::time::Instant::now()),
                self.messages.recv(),
            )
            .await
            {
                Ok(None) | Ok(Some(None)) => return true,
                Ok(Some(Some(_))) => continue,
                Err(_) => return false,
            }
        }
    }
}

impl Browser {
    /// Opens `path` as an event stream (with `Last-Event-ID` when given).
    pub async fn sse(&self, path: &str, last_event_id: Option<&str>) -> SseStream {
        use futures_util::StreamExt;
        let mut request = self
            .client
            .get(format!("{}{}", self.address, path))
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.expect("sse request");
        assert_eq!(response.status(), 200, "event stream refused");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap_or_default()
                .starts_with("text/event-stream")
        );
        let (sender, messages) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let mut body = response.bytes_stream();
            let mut buffer = String::new();
            while let Some(Ok(chunk)) = body.next().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    let (mut id, mut event, mut data) = (None, "message".to_owned(), Vec::new());
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            id = Some(v.trim().to_owned());
                        } else if let Some(v) = line.strip_prefix("event:") {
                            event = v.trim().to_owned();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data.push(v.trim_start().to_owned());
                        }
                    }
                    if !data.is_empty() {
                        let _ = sender.send(Some(SseMessage {
                            id,
                            event,
                            data: data.join("\n"),
                        }));
                    }
                }
            }
            let _ = sender.send(None);
        });
        SseStream { messages, task }
    }
}
