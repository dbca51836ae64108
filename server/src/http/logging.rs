//! What reaches the server's log.
//!
//! **Credentials in URLs never do.** dropshot logs every request's whole
//! URI, query included, and a client may put a credential there: a
//! presigned request's `X-Amz-Signature` and `X-Amz-Security-Token`, a
//! `?token=`, a password. In the values of the keys that hold URLs (`uri`,
//! `url`), a password in the authority and the value of every query
//! parameter whose name can carry a credential become `REDACTED`. Errors
//! that would carry a URL under another key are logged without it.
//!
//! **A request is one line at info** ([`super::access`]): dropshot's
//! "request completed", with what the handler decided added to it and the
//! client's address in place of the gate's hop. dropshot's "accepted
//! connection", which names the hop, is dropped; the gate logs connections
//! at debug.
//!
//! Records below the level are dropped before any of this; others pass
//! through untouched, at the cost of comparing their keys, unless a URL in
//! them must be redacted.

use std::fmt;
use std::sync::Arc;

use slog::{Drain, Key, OwnedKVList, Record, RecordStatic, Serializer, KV};

use super::access::AccessLog;

/// What a credential's value is replaced with.
const REDACTED: &str = "REDACTED";

/// The keys whose values are URLs.
const URL_KEYS: &[&str] = &["uri", "url"];

/// A logger whose URLs are redacted before `inner` sees them, and whose
/// request lines carry what `access` holds for them.
pub fn logger(inner: slog::Logger, access: Arc<AccessLog>) -> slog::Logger {
    slog::Logger::root(Redacting { inner, access }.fuse(), slog::o!())
}

struct Redacting {
    inner: slog::Logger,
    access: Arc<AccessLog>,
}

impl Drain for Redacting {
    type Ok = ();
    type Err = slog::Never;

    fn log(&self, record: &Record, values: &OwnedKVList) -> Result<(), slog::Never> {
        // What the logger below would drop costs nothing here either.
        if !Drain::is_enabled(&self.inner, record.level()) || is_dropshots(record, CONNECTION_LINE)
        {
            return Ok(());
        }
        if REQUEST_LINES.iter().any(|line| is_dropshots(record, line)) {
            return self.log_request_line(record, values);
        }
        let mut finder = Finder { found: false };
        let _ = record.kv().serialize(record, &mut finder);
        let _ = values.serialize(record, &mut finder);
        if !finder.found {
            return Drain::log(&self.inner, record, values);
        }
        let mut all = Collect { redact: true, all: Vec::new() };
        let _ = record.kv().serialize(record, &mut all);
        let _ = values.serialize(record, &mut all);
        self.log_rebuilt(record, all.all)
    }
}

impl Redacting {
    /// dropshot's line for a request, with the handler's outcome added and
    /// the client's address in place of the hop's.
    fn log_request_line(&self, record: &Record, values: &OwnedKVList) -> Result<(), slog::Never> {
        let mut own = Collect { redact: true, all: Vec::new() };
        let _ = record.kv().serialize(record, &mut own);
        let mut context = Collect { redact: true, all: Vec::new() };
        let _ = values.serialize(record, &mut context);
        let (mut own, mut context) = (own.all, context.all);
        if let Some(hop) = value(&mut context, "remote_addr") {
            if let Some(client) = hop.parse().ok().and_then(|hop| self.access.client(hop)) {
                *hop = client.to_string();
            }
        }
        let outcome = value(&mut context, "req_id").and_then(|id| self.access.take(id));
        if let Some(outcome) = outcome {
            // dropshot adds the message sent, twice.
            if outcome.message.is_some() {
                own.retain(|(k, _)| !DROPSHOTS_MESSAGES.contains(&k.as_ref()));
            }
            let added = [
                ("principal", outcome.principal),
                ("decision", outcome.decision.map(|d| d.as_str().to_string())),
                ("error", outcome.error.map(str::to_string)),
                ("message", outcome.message),
            ];
            own.extend(added.into_iter().filter_map(|(k, v)| Some((Key::from(k), v?))));
        }
        own.append(&mut context);
        self.log_rebuilt(record, own)
    }

    /// `record` with these values, as text, in this order; the logger's
    /// context values become the record's own.
    fn log_rebuilt(&self, record: &Record, all: Vec<(Key, String)>) -> Result<(), slog::Never> {
        let statics =
            RecordStatic { location: record.location(), tag: record.tag(), level: record.level() };
        let kv = Rebuilt(all);
        let empty = OwnedKVList::from(slog::o!());
        Drain::log(&self.inner, &Record::new(&statics, record.msg(), slog::BorrowedKV(&kv)), &empty)
    }
}

/// The value of `key` among `all`.
fn value<'a>(all: &'a mut [(Key, String)], key: &str) -> Option<&'a mut String> {
    all.iter_mut().find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// The error messages dropshot adds to a failed request's line.
const DROPSHOTS_MESSAGES: &[&str] = &["error_message_internal", "error_message_external"];

/// dropshot's "accepted connection", which would name the gate's hop.
const CONNECTION_LINE: &str = "accepted connection";

/// dropshot's lines for a request's end: completed, or cancelled because
/// the client left (the last one only with handlers detached, which this
/// server does not do).
const REQUEST_LINES: &[&str] = &[
    "request completed",
    "request handling cancelled (client disconnected)",
    "request completed after handler was already cancelled",
];

fn is_dropshots(record: &Record, message: &str) -> bool {
    record.module().starts_with("dropshot") && record.msg().as_str() == Some(message)
}

/// The URL with the password of its authority (`user:password@host`) and
/// the values of credential-carrying query parameters replaced, or `None`
/// when it has neither.
pub fn redacted(url: &str) -> Option<String> {
    let without_password = redacted_password(url);
    let url = without_password.as_deref().unwrap_or(url);
    let Some((before, query)) = url.split_once('?') else {
        return without_password;
    };
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let mut changed = false;
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if carries_credential(name) => {
                changed = true;
                format!("{name}={REDACTED}")
            }
            _ => pair.to_string(),
        })
        .collect();
    if !changed {
        return without_password;
    }
    let mut out = format!("{before}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    Some(out)
}

/// `scheme://user:password@host...` with the password replaced.
fn redacted_password(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let (userinfo, host) = authority.rsplit_once('@')?;
    let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
    Some(format!("{scheme}://{user}:{REDACTED}@{host}{path}"))
}

/// Whether a query parameter's name (percent-encoded or not, any case)
/// can carry a credential: SigV4's query parameters (`X-Amz-*`), an
/// Azure SAS signature (`sig`), and any name that says token, secret,
/// password, signature, credential, auth or key.
fn carries_credential(name: &str) -> bool {
    let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy().to_ascii_lowercase();
    name.starts_with("x-amz-")
        || name == "sig"
        || ["token", "secret", "passw", "signature", "credential", "auth", "key"]
            .iter()
            .any(|word| name.contains(word))
}

/// Whether any URL value names a credential.
struct Finder {
    found: bool,
}

impl Serializer for Finder {
    fn emit_arguments(&mut self, key: Key, val: &fmt::Arguments) -> slog::Result {
        if !self.found && URL_KEYS.contains(&key.as_ref()) {
            self.found = redacted(&val.to_string()).is_some();
        }
        Ok(())
    }
}

/// Every key and value as text, URLs redacted if `redact`.
struct Collect {
    redact: bool,
    all: Vec<(Key, String)>,
}

impl Serializer for Collect {
    fn emit_arguments(&mut self, key: Key, val: &fmt::Arguments) -> slog::Result {
        let text = val.to_string();
        let text = match self.redact && URL_KEYS.contains(&key.as_ref()) {
            true => redacted(&text).unwrap_or(text),
            false => text,
        };
        self.all.push((key, text));
        Ok(())
    }
}

struct Rebuilt(Vec<(Key, String)>);

impl KV for Rebuilt {
    fn serialize(&self, _record: &Record, serializer: &mut dyn Serializer) -> slog::Result {
        // Serializers emit in reverse, as slog stores key-values; emit in
        // reverse to keep the original order.
        for (key, value) in self.0.iter().rev() {
            serializer.emit_str(key.clone(), value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_queries_are_redacted() {
        assert_eq!(
            redacted("/v1/domains?token=abc&domain=demo").as_deref(),
            Some("/v1/domains?token=REDACTED&domain=demo")
        );
        let presigned = "/v1/x?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F2&\
                         X-Amz-Signature=f00&X-Amz-Security-Token=s3cr3t&max-results=5";
        let out = redacted(presigned).unwrap();
        for secret in ["f00", "s3cr3t", "AKIA"] {
            assert!(!out.contains(secret), "{out}");
        }
        assert!(out.ends_with("&max-results=5"), "{out}");
        assert_eq!(redacted("/p?PASSWORD=x#frag").as_deref(), Some("/p?PASSWORD=REDACTED#frag"));
        assert_eq!(redacted("/p?%74oken=x").as_deref(), Some("/p?%74oken=REDACTED"));
        assert_eq!(redacted("/v1/domains?domain=demo&duration=900"), None);
        assert_eq!(
            redacted("http://aws:t0k3n@registry.example/simple/?q=1").as_deref(),
            Some("http://aws:REDACTED@registry.example/simple/?q=1")
        );
        assert_eq!(
            redacted("http://svc.example/x?sv=1&sig=abc").as_deref(),
            Some("http://svc.example/x?sv=1&sig=REDACTED")
        );
        assert_eq!(redacted("http://registry.example/simple/"), None);
        assert_eq!(redacted("/v1/domains"), None);
    }

    /// A drain that keeps what it is given, as text.
    struct Keep(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl Drain for Keep {
        type Ok = ();
        type Err = slog::Never;
        fn log(&self, record: &Record, values: &OwnedKVList) -> Result<(), slog::Never> {
            let mut all = Collect { redact: false, all: Vec::new() };
            let _ = record.kv().serialize(record, &mut all);
            let _ = values.serialize(record, &mut all);
            let line = all.all.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>();
            self.0.lock().unwrap().push(format!("{} {}", record.msg(), line.join(" ")));
            Ok(())
        }
    }

    #[test]
    fn the_logger_redacts_context_and_record_values_and_keeps_the_rest() {
        let kept = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let inner = slog::Logger::root(Keep(kept.clone()).fuse(), slog::o!());
        let log = logger(inner, Arc::new(AccessLog::new(true)));
        let request = log.new(slog::o!("uri" => "/v1/a?token=t0ps3cret", "method" => "GET"));
        slog::info!(request, "request completed"; "response_code" => 200);
        slog::info!(log, "plain"; "url" => "http://x/?q=1");
        let kept = kept.lock().unwrap();
        assert!(!kept[0].contains("t0ps3cret"), "{}", kept[0]);
        assert!(kept[0].contains("uri=/v1/a?token=REDACTED"), "{}", kept[0]);
        assert!(kept[0].contains("method=GET") && kept[0].contains("response_code=200"));
        assert!(kept[1].contains("url=http://x/?q=1"), "{}", kept[1]);
    }
}
