//! Input validation with AWS's messages.
//!
//! AWS authenticates before it validates, so the query string is kept raw by
//! the [`AwsQuery`](crate::AwsQuery) extractor and validated here, after the
//! signature check, into a typed request. Every failing constraint of every
//! member is reported in one ValidationException, in the words AWS uses:
//! `2 validation errors detected: Value 'x' at 'domain' failed to satisfy
//! constraint: Member must have length greater than or equal to 2; ...`.

use std::sync::OnceLock;

use percent_encoding::percent_decode_str;
use regex::Regex;

use crate::error::AwsError;

/// The decoded `name=value` pairs of a query string, in the order sent.
#[derive(Clone, Debug, Default)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Decodes a query string the way SigV4 reads it: `%XX` escapes only,
    /// so `+` is a plus sign, and what is validated is what was signed.
    ///
    /// Decoding never fails: bytes that are not UTF-8 become U+FFFD, and the
    /// value then fails its member's pattern with a message that shows it.
    pub fn parse(raw: &str) -> Self {
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let pairs = raw
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(name), decode(value))
            })
            .collect();
        Self { pairs }
    }

    fn values(&self, wire_name: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(k, _)| k == wire_name).map(|(_, v)| v.as_str()).collect()
    }
}

/// A typed request that can be validated out of a query string.
pub trait FromQuery: Sized {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError>;
}

/// An operation's input, made from the request's query and body together.
/// Every handler makes its input this way, after authentication; a query
/// with no body to read ignores the body, as AWS does (it is still signed).
pub trait FromWire: Sized {
    fn from_wire(query: &QueryParams, body: &[u8]) -> Result<Self, AwsError>;
}

/// [`FromWire`] for inputs that live in the query alone.
macro_rules! from_query_alone {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::validation::FromWire for $t {
            fn from_wire(
                query: &$crate::validation::QueryParams,
                _body: &[u8],
            ) -> Result<Self, $crate::error::AwsError> {
                <$t as $crate::validation::FromQuery>::from_query(query)
            }
        }
    )*};
}
pub(crate) use from_query_alone;

/// A JSON request body as `T`. An empty body is an empty object: clients
/// send nothing, or `{}`, when no member is set. Anything that is not a
/// JSON object of `T`'s shape is a SerializationException, as on AWS.
pub fn json_body<T: serde::de::DeserializeOwned>(mut body: &[u8]) -> Result<T, AwsError> {
    let serialization =
        |why: String| AwsError::new(crate::error::ErrorCode::SerializationException, why);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => body = b"{}",
        // serde reads a struct from a JSON array too (its members in order),
        // so `[]` would pass for an empty object: only an object is one.
        Some(b'{') => {}
        Some(_) => {
            return Err(serialization(
                "failed to read the request body: expected a JSON object".to_string(),
            ))
        }
    }
    serde_json::from_slice(body)
        .map_err(|e| serialization(format!("failed to read the request body: {e}")))
}

/// A pattern from the service model, compiled once on first use.
///
/// AWS applies model patterns to the whole value, so the compiled form is
/// anchored at both ends. `source` is the pattern as the model writes it,
/// which the error messages show, as AWS's do; [`ModelPattern::portable`]
/// is the same pattern with its engine-dependent classes spelled out, which
/// the spec states and the server checks (see [`crate::portable`]).
#[derive(Debug)]
pub struct ModelPattern {
    pub source: &'static str,
    portable: OnceLock<String>,
    compiled: OnceLock<Regex>,
}

impl ModelPattern {
    pub const fn new(source: &'static str) -> Self {
        Self { source, portable: OnceLock::new(), compiled: OnceLock::new() }
    }

    /// The pattern as every engine reads it alike: ECMA-262 (without the
    /// `u` flag), Python's `re`, `regress` and the `regex` crate.
    pub fn portable(&self) -> &str {
        self.portable.get_or_init(|| crate::portable::rewrite(self.source))
    }

    pub fn is_full_match(&self, value: &str) -> bool {
        self.compiled
            .get_or_init(|| {
                Regex::new(&format!("^(?:{})$", self.portable())).expect("model patterns are valid")
            })
            .is_match(value)
    }
}

/// One constraint from the service model, checked against a string value.
#[derive(Clone, Copy, Debug)]
pub enum Constraint {
    MinLength(usize),
    MaxLength(usize),
    Pattern(&'static ModelPattern),
}

impl Constraint {
    pub(crate) fn check(self, value: &str) -> Result<(), String> {
        let holds = match self {
            Constraint::MinLength(n) => value.chars().count() >= n,
            Constraint::MaxLength(n) => value.chars().count() <= n,
            Constraint::Pattern(pattern) => pattern.is_full_match(value),
        };
        if holds {
            Ok(())
        } else {
            Err(self.text())
        }
    }

    /// The constraint in AWS's words.
    fn text(self) -> String {
        match self {
            Constraint::MinLength(n) => {
                format!("Member must have length greater than or equal to {n}")
            }
            Constraint::MaxLength(n) => {
                format!("Member must have length less than or equal to {n}")
            }
            Constraint::Pattern(pattern) => {
                format!("Member must satisfy regular expression pattern: {}", pattern.source)
            }
        }
    }
}

/// The constraints of a list's members or a map's keys or values, as AWS
/// states them when one of them fails: all of them, in brackets, maximum
/// length first, e.g. `[Member must have length less than or equal to 255,
/// Member must have length greater than or equal to 1, Member must satisfy
/// regular expression pattern: [^#/\s]+]`.
fn bracketed(constraints: &[Constraint]) -> String {
    let rank = |c: &Constraint| match c {
        Constraint::MaxLength(_) => 0,
        Constraint::MinLength(_) => 1,
        Constraint::Pattern(_) => 2,
    };
    let mut ordered = constraints.to_vec();
    ordered.sort_by_key(rank);
    let texts: Vec<String> = ordered.into_iter().map(Constraint::text).collect();
    format!("[{}]", texts.join(", "))
}

/// The constraint `n` violates, if it lies outside `range`.
fn range_violation(n: i64, range: &std::ops::RangeInclusive<i64>) -> Option<String> {
    if n < *range.start() {
        return Some(format!("Member must have value greater than or equal to {}", range.start()));
    }
    if n > *range.end() {
        return Some(format!("Member must have value less than or equal to {}", range.end()));
    }
    None
}

fn is_decimal_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Collects every violation while a request's members are read, then either
/// yields the request or one ValidationException listing them all.
#[derive(Debug)]
pub struct Validator<'q> {
    query: &'q QueryParams,
    errors: Vec<String>,
}

impl<'q> Validator<'q> {
    pub fn new(query: &'q QueryParams) -> Self {
        Self { query, errors: Vec::new() }
    }

    /// A validator for a request that has no query members.
    pub fn without_query() -> Validator<'static> {
        static NONE: QueryParams = QueryParams { pairs: Vec::new() };
        Validator::new(&NONE)
    }

    fn violation(&mut self, value: Option<&str>, member: &str, constraint: &str) {
        let value = match value {
            Some(v) => format!("'{v}'"),
            None => "null".to_string(),
        };
        self.errors.push(format!(
            "Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// The single value of query parameter `wire_name`, reported under the
    /// model's `member` name. A repeated parameter is a violation: AWS's
    /// members are single-valued and picking one would hide a client bug.
    fn single(&mut self, wire_name: &str, member: &str) -> Option<&'q str> {
        let values = self.query.values(wire_name);
        match values.as_slice() {
            [] => None,
            [one] => Some(one),
            many => {
                let shown = format!("[{}]", many.join(", "));
                self.violation(Some(&shown), member, "Member must have a single value");
                None
            }
        }
    }

    /// A string member from the query. `None` when absent or invalid (the
    /// violation is recorded); a required member that is absent is a
    /// violation too.
    pub fn string(
        &mut self,
        wire_name: &str,
        member: &str,
        required: bool,
        constraints: &[Constraint],
    ) -> Option<String> {
        let repeated_before = self.errors.len();
        let value = self.single(wire_name, member);
        if value.is_none() && self.errors.len() > repeated_before {
            return None;
        }
        if !self.check(member, value, required, constraints) {
            return None;
        }
        value.map(str::to_string)
    }

    /// Checks a member that is already read (from a JSON body, say): true
    /// when it satisfies every constraint, or is absent and optional.
    pub fn check(
        &mut self,
        member: &str,
        value: Option<&str>,
        required: bool,
        constraints: &[Constraint],
    ) -> bool {
        let Some(value) = value else {
            if required {
                self.violation(None, member, "Member must not be null");
            }
            return !required;
        };
        let before = self.errors.len();
        for constraint in constraints {
            if let Err(text) = constraint.check(value) {
                self.violation(Some(value), member, &text);
            }
        }
        self.errors.len() == before
    }

    /// A string member from the query whose value must be one of `allowed`.
    pub fn enumeration(
        &mut self,
        wire_name: &str,
        member: &str,
        required: bool,
        allowed: &[&str],
    ) -> Option<String> {
        let value = self.string(wire_name, member, required, &[])?;
        if allowed.contains(&value.as_str()) {
            return Some(value);
        }
        let set = format!("Member must satisfy enum value set: [{}]", allowed.join(", "));
        self.violation(Some(&value), member, &set);
        None
    }

    /// A string member already read (from a JSON body) whose value must be
    /// one of `allowed`: true when it is, or is absent and optional.
    pub fn check_enum(
        &mut self,
        member: &str,
        value: Option<&str>,
        required: bool,
        allowed: &[&str],
    ) -> bool {
        if !self.check(member, value, required, &[]) {
            return false;
        }
        match value {
            Some(v) if !allowed.contains(&v) => {
                let set = format!("Member must satisfy enum value set: [{}]", allowed.join(", "));
                self.violation(Some(v), member, &set);
                false
            }
            _ => true,
        }
    }

    /// A list of strings already read (from a JSON body): at most `max`
    /// members, each satisfying `each`. As AWS reports it, the value shown
    /// is the whole list (`[1.0, 2.0]`), and members that fail make one
    /// violation that states every member constraint: `Member must satisfy
    /// constraint: [...]`. True when the list is valid, or absent and
    /// optional.
    pub fn check_list(
        &mut self,
        member: &str,
        values: Option<&[String]>,
        required: bool,
        max: usize,
        each: &[Constraint],
    ) -> bool {
        let Some(values) = values else {
            return self.check(member, None, required, &[]);
        };
        let before = self.errors.len();
        let shown = format!("[{}]", values.join(", "));
        if values.len() > max {
            let text = format!("Member must have length less than or equal to {max}");
            self.violation(Some(&shown), member, &text);
        }
        if values.iter().any(|v| each.iter().any(|c| c.check(v).is_err())) {
            let text = format!("Member must satisfy constraint: {}", bracketed(each));
            self.violation(Some(&shown), member, &text);
        }
        self.errors.len() == before
    }

    /// A map of strings already read (from a JSON body) whose keys must
    /// satisfy `keys` and whose values must satisfy `values`. As AWS reports
    /// it, the value shown is the whole map (`{1.0=r1, 2.0=r2}`), with one
    /// violation for the keys (`Map keys must satisfy constraint: [...]`)
    /// and one for the values (`Map value must satisfy constraint: [...]`).
    /// True when the map is valid or absent.
    pub fn check_map(
        &mut self,
        member: &str,
        map: Option<&std::collections::BTreeMap<String, String>>,
        keys: &[Constraint],
        values: &[Constraint],
    ) -> bool {
        let Some(map) = map else {
            return true;
        };
        let before = self.errors.len();
        let pairs: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let shown = format!("{{{}}}", pairs.join(", "));
        let fails = |s: &String, cs: &[Constraint]| cs.iter().any(|c| c.check(s).is_err());
        if map.keys().any(|k| fails(k, keys)) {
            let text = format!("Map keys must satisfy constraint: {}", bracketed(keys));
            self.violation(Some(&shown), member, &text);
        }
        if map.values().any(|v| fails(v, values)) {
            let text = format!("Map value must satisfy constraint: {}", bracketed(values));
            self.violation(Some(&shown), member, &text);
        }
        self.errors.len() == before
    }

    /// A number already read (from a JSON body) that must lie in `range`.
    pub fn check_range(
        &mut self,
        member: &str,
        value: Option<i64>,
        range: std::ops::RangeInclusive<i64>,
    ) {
        if let Some(text) = value.and_then(|n| range_violation(n, &range)) {
            self.violation(value.map(|n| n.to_string()).as_deref(), member, &text);
        }
    }

    /// A list already read (from a JSON body) with at most `max` members.
    pub fn check_length(&mut self, member: &str, len: usize, max: usize) {
        if len > max {
            let text = format!("Member must have length less than or equal to {max}");
            self.violation(Some(&format!("[{len} members]")), member, &text);
        }
    }

    /// An optional integer member with an inclusive range, plus any extra
    /// service rule (`rule` returns the violated constraint's text).
    pub fn integer(
        &mut self,
        wire_name: &str,
        member: &str,
        range: std::ops::RangeInclusive<i64>,
        rule: impl Fn(i64) -> Option<String>,
    ) -> Option<i64> {
        let value = self.single(wire_name, member)?;
        let number = match value.parse::<i64>() {
            Ok(n) => n,
            // An integer too long for 64 bits is out of range, not malformed.
            Err(_) if is_decimal_integer(value) => {
                if value.starts_with('-') {
                    i64::MIN
                } else {
                    i64::MAX
                }
            }
            Err(_) => {
                self.violation(Some(value), member, "Member must be an integer");
                return None;
            }
        };
        // The message shows the value as sent, not as clamped.
        if let Some(text) = range_violation(number, &range) {
            self.violation(Some(value), member, &text);
            return None;
        }
        if let Some(text) = rule(number) {
            self.violation(Some(value), member, &text);
            return None;
        }
        Some(number)
    }

    /// An optional boolean member from the query: `true` or `false`, as AWS
    /// clients write booleans in a query string. Anything else is a
    /// violation, in the words [`Self::integer`] uses for a value of the
    /// wrong type.
    pub fn boolean(&mut self, wire_name: &str, member: &str) -> Option<bool> {
        match self.single(wire_name, member)? {
            "true" => Some(true),
            "false" => Some(false),
            other => {
                self.violation(Some(other), member, "Member must be a boolean");
                None
            }
        }
    }

    /// The request built by `build` when no violation was recorded.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, AwsError> {
        let n = self.errors.len();
        if n == 0 {
            if let Some(value) = build() {
                return Ok(value);
            }
            return Err(AwsError::internal());
        }
        let noun = if n == 1 { "error" } else { "errors" };
        Err(AwsError::validation(format!(
            "{n} validation {noun} detected: {}",
            self.errors.join("; ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static DOMAIN: ModelPattern = ModelPattern::new(r"[a-z][a-z0-9\-]{0,48}[a-z0-9]");

    fn domain(raw: &str) -> Result<String, AwsError> {
        let q = QueryParams::parse(raw);
        let mut v = Validator::new(&q);
        let d = v.string(
            "domain",
            "domain",
            true,
            &[Constraint::MinLength(2), Constraint::MaxLength(50), Constraint::Pattern(&DOMAIN)],
        );
        v.finish(|| d)
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Page {
        #[allow(dead_code)]
        max_results: Option<u32>,
    }

    #[test]
    fn a_body_is_a_json_object_or_nothing() {
        for ok in [&b""[..], b"  \n", b"{}", b" {\"maxResults\": 5}"] {
            assert!(json_body::<Page>(ok).is_ok(), "{:?}", String::from_utf8_lossy(ok));
        }
        // serde alone would read a struct from an array of its members.
        for refused in [&b"[]"[..], b"[5]", b" [null]", b"5", b"null", b"\"x\""] {
            let err = json_body::<Page>(refused).unwrap_err();
            assert_eq!(err.code, crate::error::ErrorCode::SerializationException);
        }
    }

    #[test]
    fn accepts_a_valid_value() {
        assert_eq!(domain("domain=my-domain").unwrap(), "my-domain");
    }

    #[test]
    fn lists_every_failing_constraint() {
        let err = domain("domain=x").unwrap_err();
        assert_eq!(
            err.message,
            "2 validation errors detected: \
             Value 'x' at 'domain' failed to satisfy constraint: \
             Member must have length greater than or equal to 2; \
             Value 'x' at 'domain' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [a-z][a-z0-9\\-]{0,48}[a-z0-9]"
        );
    }

    #[test]
    fn missing_and_repeated_are_violations() {
        let err = domain("other=1").unwrap_err();
        assert_eq!(
            err.message,
            "1 validation error detected: Value null at 'domain' failed to satisfy constraint: \
             Member must not be null"
        );
        let err = domain("domain=ab&domain=cd").unwrap_err();
        assert!(err
            .message
            .starts_with("1 validation error detected: Value '[ab, cd]' at 'domain'"));
    }

    #[test]
    fn plus_is_a_plus_sign() {
        let q = QueryParams::parse("domain=a+b%20c&empty&x=%E2%9C%93");
        assert_eq!(q.values("domain"), ["a+b c"]);
        assert_eq!(q.values("empty"), [""]);
        assert_eq!(q.values("x"), ["\u{2713}"]);
    }

    #[test]
    fn pattern_is_anchored() {
        assert!(domain("domain=ab%21").is_err());
        assert!(domain("domain=Ab").is_err());
    }

    #[test]
    fn integers_report_type_and_range() {
        let check = |raw: &str| {
            let q = QueryParams::parse(raw);
            let mut v = Validator::new(&q);
            let n = v.integer("n", "number", 0..=10, |n| (n == 5).then(|| "not five".into()));
            v.finish(|| Some(n))
        };
        assert_eq!(check("").unwrap(), None);
        assert_eq!(check("n=7").unwrap(), Some(7));
        assert!(check("n=abc").unwrap_err().message.contains("Member must be an integer"));
        assert!(check("n=-1").unwrap_err().message.contains("greater than or equal to 0"));
        assert!(check("n=11").unwrap_err().message.contains("less than or equal to 10"));
        let huge = check("n=99999999999999999999").unwrap_err().message;
        assert!(huge.contains("less than or equal to 10"), "{huge}");
        let tiny = check("n=-99999999999999999999").unwrap_err().message;
        assert!(tiny.contains("greater than or equal to 0"), "{tiny}");
        assert!(check("n=5").unwrap_err().message.contains("not five"));
    }

    #[test]
    fn booleans_are_true_or_false() {
        let check = |raw: &str| {
            let q = QueryParams::parse(raw);
            let mut v = Validator::new(&q);
            let b = v.boolean("flag", "theFlag");
            v.finish(|| Some(b))
        };
        assert_eq!(check("").unwrap(), None);
        assert_eq!(check("flag=true").unwrap(), Some(true));
        assert_eq!(check("flag=false").unwrap(), Some(false));
        for bad in ["flag=TRUE", "flag=1", "flag=", "flag=yes"] {
            let message = check(bad).unwrap_err().message;
            let value = bad.trim_start_matches("flag=");
            assert_eq!(
                message,
                format!(
                    "1 validation error detected: Value '{value}' at 'theFlag' failed to \
                     satisfy constraint: Member must be a boolean"
                ),
                "{bad}"
            );
        }
        let repeated = check("flag=true&flag=false").unwrap_err().message;
        assert!(repeated.contains("Value '[true, false]' at 'theFlag'"), "{repeated}");
    }
}
