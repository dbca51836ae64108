//! The service model's patterns, rewritten so that every regular-expression
//! engine that reads the spec reads them the same way.
//!
//! The model writes some patterns with classes whose meaning depends on the
//! engine: `\P{C}` (no control, format, private-use or unassigned
//! character) is a Unicode property that ECMA-262 knows only with the `u`
//! flag, which JSON Schema does not set; `\s` and `\S` are whitespace in
//! every engine, but a different whitespace in each (Python's includes
//! U+001C..U+001F, ECMA-262's U+FEFF, Rust's U+0085). The portable form
//! spells each such class out as ranges of `\uXXXX` escapes, taken from the
//! Unicode tables of `regex-syntax` (the parser behind the `regex` crate),
//! and the server checks values with the portable form too, so the spec and
//! the server agree exactly.
//!
//! Every range is in the Basic Multilingual Plane: ECMA-262 without `u`
//! sees a character beyond it as two UTF-16 surrogates, Python and
//! `regress` as one code point. `\P{C}` therefore becomes a negated class of
//! the BMP's `C` characters other than the surrogates, which all three
//! engines read alike: any character outside the BMP passes, where AWS would
//! still refuse the few that are format, private-use or unassigned.

use regex_syntax::hir::{Class, HirKind};

/// `source` with `\P{C}`, `\s` and `\S` spelled out as explicit ranges.
///
/// Panics on a class this rewrite does not know how to spell portably (a
/// negated class inside brackets, another Unicode class): the model's
/// patterns are constants, and a test rewrites every one of them.
pub fn rewrite(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut in_brackets = false;
    let mut rest = source;
    while let Some(c) = rest.chars().next() {
        if let Some(tail) = rest.strip_prefix(r"\P{C}") {
            assert!(!in_brackets, "\\P{{C}} inside brackets in {source:?}");
            out.push_str("[^");
            out.push_str(&ranges(r"\p{C}"));
            out.push(']');
            rest = tail;
        } else if let Some(tail) = rest.strip_prefix(r"\s") {
            let whitespace = ranges(r"\s");
            if in_brackets {
                out.push_str(&whitespace);
            } else {
                out.push('[');
                out.push_str(&whitespace);
                out.push(']');
            }
            rest = tail;
        } else if let Some(tail) = rest.strip_prefix(r"\S") {
            assert!(!in_brackets, "\\S inside brackets in {source:?}");
            out.push_str("[^");
            out.push_str(&ranges(r"\s"));
            out.push(']');
            rest = tail;
        } else if c == '\\' {
            let escaped = rest[1..].chars().next().expect("a pattern does not end in a backslash");
            assert!(
                escaped.is_ascii_punctuation(),
                "\\{escaped} in {source:?} is not portable; spell it out here"
            );
            out.push('\\');
            out.push(escaped);
            rest = &rest[1 + escaped.len_utf8()..];
        } else {
            match c {
                '[' => in_brackets = true,
                ']' => in_brackets = false,
                _ => {}
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The Basic Multilingual Plane's part of the class `class`, as the inside
/// of a bracket expression: `\uXXXX` and `\uXXXX-\uXXXX` items.
fn ranges(class: &str) -> String {
    let hir = regex_syntax::parse(class).expect("a valid class");
    let HirKind::Class(Class::Unicode(class)) = hir.kind() else {
        panic!("{class:?} is not a Unicode class");
    };
    let mut out = String::new();
    for range in class.iter() {
        let start = u32::from(range.start());
        if start > 0xFFFF {
            break;
        }
        let end = u32::from(range.end()).min(0xFFFF);
        out.push_str(&format!("\\u{start:04X}"));
        if end > start {
            out.push_str(&format!("-\\u{end:04X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_match(pattern: &str, value: &str) -> bool {
        regex::Regex::new(&format!("^(?:{pattern})$")).unwrap().is_match(value)
    }

    #[test]
    fn plain_patterns_are_unchanged() {
        for p in
            [r"[a-z][a-z0-9\-]{0,48}[a-z0-9]", r"[0-9]{12}", r"[A-Za-z0-9][A-Za-z0-9._\-:]{1,99}"]
        {
            assert_eq!(rewrite(p), p);
        }
    }

    #[test]
    fn only_escapes_every_engine_reads_alike_remain() {
        for p in [r"\P{C}+", r"\S+", r"[^#/\s]+"] {
            let portable = rewrite(p);
            assert!(!portable.contains(r"\P") && !portable.contains(r"\s"), "{portable}");
            assert!(!portable.contains(r"\S") && !portable.contains(r"\p"), "{portable}");
            assert!(portable.is_ascii(), "{portable}");
        }
    }

    #[test]
    fn the_rewrite_means_what_the_model_means_in_the_bmp() {
        // Every BMP scalar value, one at a time: the portable pattern agrees
        // with the model's wherever the engines agree on what a character is.
        for model in [r"\P{C}", r"\S", r"[^#/\s]"] {
            let [model_re, portable_re] = [model.to_string(), rewrite(model)]
                .map(|p| regex::Regex::new(&format!("^(?:{p})$")).unwrap());
            for c in (0u32..=0xFFFF).filter_map(char::from_u32) {
                let s = c.to_string();
                assert_eq!(
                    model_re.is_match(&s),
                    portable_re.is_match(&s),
                    "{model} on U+{:04X}",
                    c as u32
                );
            }
        }
    }

    #[test]
    fn beyond_the_bmp_everything_passes_p_c() {
        let portable = rewrite(r"\P{C}+");
        for c in ['\u{1F600}', '\u{10000}', '\u{E0001}', '\u{F0000}'] {
            assert!(full_match(&portable, &c.to_string()), "U+{:X}", c as u32);
        }
        for c in ['\u{0}', '\u{7F}', '\u{AD}', '\u{200B}', '\u{FEFF}', '\u{E000}', '\u{0378}'] {
            assert!(!full_match(&portable, &c.to_string()), "U+{:04X}", c as u32);
        }
    }
}
