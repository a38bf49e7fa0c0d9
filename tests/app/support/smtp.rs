//! A real SMTP server on 127.0.0.1:0 (mailin-embedded, in its own threads) that keeps every
//! message it receives, for the e-mail tests.

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server, SslConfig};

/// One received message.
#[derive(Clone, Debug)]
pub struct Mail {
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The raw message (headers and body).
    pub raw: Vec<u8>,
}

impl Mail {
    /// The decoded subject.
    pub fn subject(&self) -> String {
        let parsed = mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a MIME message");
        parsed.subject().unwrap_or_default().to_owned()
    }

    /// The decoded plain-text body.
    pub fn text(&self) -> String {
        let parsed = mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a MIME message");
        parsed.body_text(0).unwrap_or_default().into_owned()
    }

    /// The decoded HTML body, if any.
    pub fn html(&self) -> Option<String> {
        let parsed = mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a MIME message");
        (parsed.html_body_count() > 0).then(|| parsed.body_html(0).unwrap_or_default().into_owned())
    }
}

#[derive(Clone)]
struct Sink {
    received: Arc<Mutex<Vec<Mail>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        self.to.clear();
        self.data.clear();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.to.push(to.to_owned());
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = Mail {
            to: std::mem::take(&mut self.to),
            raw: std::mem::take(&mut self.data),
        };
        self.received.lock().expect("lock").push(mail);
        response::OK
    }
}

/// The running server.
#[derive(Clone)]
pub struct SmtpServer {
    /// Where it listens.
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpServer {
    /// Starts a server on a free loopback port.
    pub fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP");
        let addr = listener.local_addr().expect("addr");
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = Sink {
            received: received.clone(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = Server::new(sink);
        server
            .with_name("smtp.test")
            .with_ssl(SslConfig::None)
            .expect("no TLS")
            .with_num_threads(2)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(e) = server.serve() {
                eprintln!("test SMTP server stopped: {e}");
            }
        });
        SmtpServer { addr, received }
    }

    /// The configuration that sends to this server.
    pub fn config(&self) -> atende::mail::SmtpConfig {
        atende::mail::SmtpConfig {
            host: self.addr.ip().to_string(),
            port: Some(self.addr.port()),
            tls: atende::mail::SmtpTls::None,
            user: None,
            password: None,
            from: "Atende <atende@test.local>".into(),
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Mail> {
        self.received.lock().expect("lock").clone()
    }

    /// Waits (at most `timeout`) until `n` messages arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= n || tokio::time::Instant::now() >= deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
