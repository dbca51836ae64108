//! The examples the API reference shows, from the files the tests run
//! (`examples/`): one place, so the page cannot show a command that was not
//! run. Each file has a `setup` part and one `example: <operationId>` part
//! per operation, marked by comment lines.

/// The aws CLI examples, run by `tests/real-clients/test_docs.py`.
const AWS_CLI: &str = include_str!("examples/aws-cli.sh");
/// The curl examples, run by the same test.
const CURL: &str = include_str!("examples/curl.sh");
/// The Rust client's examples, `include!`d and run by the integration test `docs`.
const RUST: &str = include_str!("examples/rust.rs");

/// One language's examples: what to run first, then each operation's.
#[derive(Debug)]
pub struct Examples {
    pub setup: String,
    pub by_operation: Vec<(String, String)>,
}

impl Examples {
    pub fn get(&self, operation_id: &str) -> Option<&str> {
        self.by_operation.iter().find(|(op, _)| op == operation_id).map(|(_, text)| text.as_str())
    }
}

/// The three languages, in the order the page shows them: a label and the
/// examples.
pub fn all() -> [(&'static str, Examples); 3] {
    [
        ("aws CLI", split(AWS_CLI, "# ", 0)),
        ("curl", split(CURL, "# ", 0)),
        // The Rust examples sit in the body of one function: four spaces deep.
        ("Rust", split(RUST, "// ", 4)),
    ]
}

/// Splits a file at its marker comments (`<comment>setup`,
/// `<comment>example: <operationId>`, and `<comment>end`, which closes the
/// last example), removing `indent` leading spaces from each line. What
/// precedes `setup` is the file's own commentary and is not shown.
fn split(text: &str, comment: &str, indent: usize) -> Examples {
    let mut setup: Option<Vec<&str>> = None;
    let mut by_operation: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        let line =
            line.get(indent..).filter(|_| line.starts_with(&" ".repeat(indent))).unwrap_or(line);
        let marker = line.strip_prefix(comment);
        if let Some(op) = marker.and_then(|m| m.strip_prefix("example: ")) {
            by_operation.push((op.trim().to_string(), Vec::new()));
        } else if marker == Some("setup") {
            setup = Some(Vec::new());
        } else if marker == Some("end") {
            break;
        } else if let Some((_, lines)) = by_operation.last_mut() {
            lines.push(line);
        } else if let Some(lines) = setup.as_mut() {
            lines.push(line);
        }
    }
    let join = |lines: &[&str]| lines.join("\n").trim_end().to_string();
    Examples {
        setup: join(setup.as_deref().unwrap_or_default()),
        by_operation: by_operation.iter().map(|(op, lines)| (op.clone(), join(lines))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_a_setup_and_the_same_operations_in_the_same_order() {
        let [(_, cli), (_, curl), (_, rust)] = all();
        let ops =
            |e: &Examples| e.by_operation.iter().map(|(op, _)| op.clone()).collect::<Vec<_>>();
        assert_eq!(ops(&cli), ops(&curl));
        assert_eq!(ops(&cli), ops(&rust));
        assert!(cli.by_operation.len() > 20, "{:?}", ops(&cli));
        for e in [&cli, &curl, &rust] {
            assert!(!e.setup.is_empty());
            assert!(e.by_operation.iter().all(|(_, text)| !text.is_empty()));
        }
        assert!(rust.setup.contains("\nuse codeartifact_client"), "{}", rust.setup);
        assert!(rust.get("DeleteDomain").unwrap().starts_with("let deleted"));
        assert!(!rust.get("DeleteDomain").unwrap().contains("Ok(())"));
    }

    #[test]
    fn markers_split_and_indentation_is_removed() {
        let e = split(
            "// intro\n    // setup\n    a\n    // example: One\n    b\n      c\n    // end\n}\n",
            "// ",
            4,
        );
        assert_eq!(e.setup, "a");
        assert_eq!(e.by_operation, vec![("One".to_string(), "b\n  c".to_string())]);
    }
}
