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
//! **Each connection is logged once, with the client's address.** dropshot
//! sees only the gate's loopback hop ([`super::gate`]), so its own
//! "accepted connection" line would name the hop; the gate logs the
//! connection instead, with the client's address and the hop's, which
//! dropshot's request lines carry as `remote_addr`. dropshot's line is
//! dropped here.
//!
//! Records below the level are dropped before any of this; others pass
//! through untouched, at the cost of comparing their keys, unless a URL in
//! them must be redacted.

use std::fmt;

use slog::{Drain, Key, OwnedKVList, Record, RecordStatic, Serializer, KV};

/// What a credential's value is replaced with.
const REDACTED: &str = "REDACTED";

/// The keys whose values are URLs.
const URL_KEYS: &[&str] = &["uri", "url"];

/// A logger whose URLs are redacted before `inner` sees them.
pub fn logger(inner: slog::Logger) -> slog::Logger {
    slog::Logger::root(Redacting(inner).fuse(), slog::o!())
}

struct Redacting(slog::Logger);

impl Drain for Redacting {
    type Ok = ();
    type Err = slog::Never;

    fn log(&self, record: &Record, values: &OwnedKVList) -> Result<(), slog::Never> {
        // What the logger below would drop costs nothing here either.
        if !Drain::is_enabled(&self.0, record.level()) || is_dropshots_connection_line(record) {
            return Ok(());
        }
        let mut finder = Finder { found: false };
        let _ = record.kv().serialize(record, &mut finder);
        let _ = values.serialize(record, &mut finder);
        if !finder.found {
            return Drain::log(&self.0, record, values);
        }
        // Rebuilt with every value as text and the URLs redacted; the
        // logger's context values become the record's own, in order.
        let mut all = Collect { redact: true, all: Vec::new() };
        let _ = record.kv().serialize(record, &mut all);
        let _ = values.serialize(record, &mut all);
        let statics =
            RecordStatic { location: record.location(), tag: record.tag(), level: record.level() };
        let kv = Rebuilt(all.all);
        let empty = OwnedKVList::from(slog::o!());
        Drain::log(&self.0, &Record::new(&statics, record.msg(), slog::BorrowedKV(&kv)), &empty)
    }
}

/// dropshot's "accepted connection", which would name the gate's hop.
fn is_dropshots_connection_line(record: &Record) -> bool {
    record.module().starts_with("dropshot") && record.msg().as_str() == Some("accepted connection")
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
        let log = logger(inner);
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
