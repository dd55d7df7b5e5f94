//! A local SMTP sink for tests: a tokio TCP server speaking enough SMTP (EHLO/HELO, MAIL,
//! RCPT, DATA, RSET, NOOP, QUIT) to capture the messages the shop sends, decoded (subject and
//! body in UTF-8, whatever transfer encoding the sender chose).

#![allow(dead_code, clippy::unwrap_used)] // test helpers fail the test by unwrapping

use base64::Engine;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message received.
#[derive(Debug, Clone)]
pub struct Mail {
    /// `MAIL FROM`.
    pub from: String,
    /// `RCPT TO`, each.
    pub to: Vec<String>,
    /// The decoded subject.
    pub subject: String,
    /// The decoded text.
    pub body: String,
    /// The message as received.
    pub raw: String,
}

impl Mail {
    /// The first link in the body that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.body
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .map(|w| w.trim_end_matches(['.', ',', ')']).to_owned())
    }
}

/// The sink: its port and what it received.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    /// How many more messages to refuse with a temporary failure (451).
    refusing: Arc<std::sync::atomic::AtomicUsize>,
}

impl SmtpSink {
    /// Listens on a free loopback port.
    pub async fn start() -> SmtpSink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let refusing = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (store, refuse) = (mails.clone(), refusing.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, store.clone(), refuse.clone()));
            }
        });
        SmtpSink {
            port,
            mails,
            refusing,
        }
    }

    /// Refuses the next `n` messages with a temporary failure (`451` to `MAIL FROM`, as a
    /// relay that is briefly unavailable answers), then accepts again.
    pub fn refuse_next(&self, n: usize) {
        self.refusing.store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// The URL to give the shop (`--smtp-url`): no TLS, no login.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// The first message to `to` whose subject or body matches `pred`, waiting up to 15 s.
    pub async fn wait_for(&self, to: &str, pred: impl Fn(&Mail) -> bool) -> Option<Mail> {
        for _ in 0..150 {
            if let Some(m) = self
                .mails()
                .into_iter()
                .find(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)) && pred(m))
            {
                return Some(m);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }
}

fn angle(arg: &str) -> String {
    let a = arg.split_once(':').map_or(arg, |(_, r)| r).trim();
    a.trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or("")
        .to_owned()
}

async fn session(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<Mail>>>,
    refusing: Arc<std::sync::atomic::AtomicUsize>,
) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    if write.write_all(b"220 sink ESMTP ready\r\n").await.is_err() {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut data: Option<String> = None;
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(buf) = data.as_mut() {
            if line == "." {
                let raw = data.take().unwrap();
                let (subject, body) = decode(&raw);
                store.lock().unwrap().push(Mail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    subject,
                    body,
                    raw,
                });
                let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
            } else {
                // Dot-stuffing: a line starting with a dot was sent with one more.
                buf.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
                buf.push('\n');
            }
            continue;
        }
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 sink\r\n",
            "MAIL"
                if refusing
                    .fetch_update(
                        std::sync::atomic::Ordering::SeqCst,
                        std::sync::atomic::Ordering::SeqCst,
                        |n| n.checked_sub(1),
                    )
                    .is_ok() =>
            {
                b"451 4.3.0 try again later\r\n"
            }
            "MAIL" => {
                from = angle(&line);
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" => {
                to.push(angle(&line));
                b"250 2.1.5 OK\r\n"
            }
            "DATA" => {
                data = Some(String::new());
                b"354 end with <CRLF>.<CRLF>\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 2.0.0 bye\r\n").await;
                return;
            }
            "RSET" => {
                from.clear();
                to.clear();
                b"250 2.0.0 OK\r\n"
            }
            _ => b"250 OK\r\n",
        };
        if write.write_all(answer).await.is_err() {
            return;
        }
    }
}

/// The subject and the body of a raw message, decoded.
fn decode(raw: &str) -> (String, String) {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
    // Unfold the headers.
    let mut headers: Vec<String> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.push_str(line.trim_start_matches(['\t']));
            }
        } else {
            headers.push(line.to_owned());
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|h| {
                h.len() > name.len()
                    && h[..name.len()].eq_ignore_ascii_case(name)
                    && h.as_bytes()[name.len()] == b':'
            })
            .map(|h| h[name.len() + 1..].trim().to_owned())
    };
    let subject = header("Subject").map(|s| words(&s)).unwrap_or_default();
    let body = match header("Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "base64" => String::from_utf8_lossy(
            &base64::engine::general_purpose::STANDARD
                .decode(body.split_whitespace().collect::<String>())
                .unwrap_or_default(),
        )
        .into_owned(),
        "quoted-printable" => quoted_printable(body),
        _ => body.to_owned(),
    };
    (subject, body.replace("\r\n", "\n"))
}

/// RFC 2047 encoded words (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`), joined.
fn words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while !rest.is_empty() {
        if let Some(start) = rest.find("=?") {
            let before = &rest[..start];
            if !(last_was_word && before.trim().is_empty()) {
                out.push_str(before);
            }
            let inner = &rest[start + 2..];
            let parts: Vec<&str> = inner.splitn(3, '?').collect();
            if parts.len() == 3
                && let Some(end) = parts[2].find("?=")
            {
                let text = &parts[2][..end];
                let bytes = if parts[1].eq_ignore_ascii_case("b") {
                    base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .unwrap_or_default()
                } else {
                    quoted_printable(&text.replace('_', " ")).into_bytes()
                };
                out.push_str(&String::from_utf8_lossy(&bytes));
                let consumed = start + 2 + parts[0].len() + 1 + parts[1].len() + 1 + end + 2;
                rest = &rest[consumed..];
                last_was_word = true;
                continue;
            }
            out.push_str(&rest[..start + 2]);
            rest = &rest[start + 2..];
            last_was_word = false;
        } else {
            out.push_str(rest);
            break;
        }
    }
    out
}

fn quoted_printable(text: &str) -> String {
    let mut bytes = Vec::new();
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.trim_end_matches('\r');
        let (line, soft) = match line.strip_suffix('=') {
            Some(l) => (l, true),
            None => (line, false),
        };
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'='
                && let Some(hex) = line.get(i + 1..i + 3)
                && let Ok(v) = u8::from_str_radix(hex, 16)
            {
                bytes.push(v);
                i += 3;
            } else {
                bytes.push(b[i]);
                i += 1;
            }
        }
        if !soft && lines.peek().is_some() {
            bytes.push(b'\n');
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn decodes_what_senders_encode() {
    assert_eq!(
        words("=?utf-8?b?w6l0w6k=?= =?utf-8?b?IGNoYXVk?="),
        "été chaud"
    );
    assert_eq!(words("=?utf-8?q?caf=C3=A9_noir?="), "café noir");
    assert_eq!(words("plain"), "plain");
    assert_eq!(quoted_printable("caf=C3=A9 =\nnoir\nfin"), "café noir\nfin");
}
