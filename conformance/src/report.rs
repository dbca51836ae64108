//! The results of a run: a table per operation and check for people, a
//! summary line, and JUnit XML (quick-junit, from the nextest project) for
//! CI systems.

use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, Report as Junit, TestCase, TestCaseStatus, TestSuite};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// What differed: expected, then what came.
    Fail(String),
    /// Why the check was not made.
    Skip(String),
}

#[derive(Debug, Clone)]
pub struct CheckResult {
    pub operation: String,
    pub check: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub results: Vec<CheckResult>,
}

impl Report {
    pub fn push(&mut self, operation: &str, check: impl Into<String>, outcome: Outcome) {
        self.results.push(CheckResult {
            operation: operation.to_string(),
            check: check.into(),
            outcome,
        });
    }

    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.results.iter().filter(|r| matches!(r.outcome, Outcome::Fail(_)))
    }

    fn count(&self, f: fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.outcome)).count()
    }

    pub fn summary(&self) -> String {
        format!(
            "{} checks: {} passed, {} failed, {} skipped",
            self.results.len(),
            self.count(|o| *o == Outcome::Pass),
            self.count(|o| matches!(o, Outcome::Fail(_))),
            self.count(|o| matches!(o, Outcome::Skip(_))),
        )
    }

    /// The operations with at least one result.
    pub fn operations(&self) -> std::collections::BTreeSet<&str> {
        self.results.iter().map(|r| r.operation.as_str()).collect()
    }

    /// One line per check, grouped by operation, then the summary.
    pub fn table(&self) -> String {
        let mut results: Vec<&CheckResult> = self.results.iter().collect();
        results.sort_by(|a, b| a.operation.cmp(&b.operation));
        let op_width = results.iter().map(|r| r.operation.len()).max().unwrap_or(9).max(9);
        let check_width = results.iter().map(|r| r.check.len()).max().unwrap_or(5).clamp(5, 60);
        let mut out = String::new();
        let _ = writeln!(out, "{:op_width$}  {:check_width$}  RESULT", "OPERATION", "CHECK");
        let mut last = "";
        for r in results {
            let op = if r.operation == last { "" } else { r.operation.as_str() };
            last = &r.operation;
            let result = match &r.outcome {
                Outcome::Pass => "PASS".to_string(),
                Outcome::Fail(why) => format!("FAIL  {why}"),
                Outcome::Skip(why) => format!("SKIP  {why}"),
            };
            let _ = writeln!(out, "{op:op_width$}  {:check_width$}  {result}", r.check);
        }
        let _ = writeln!(out, "{}", self.summary());
        out
    }

    /// JUnit XML: a test suite per operation, a test case per check.
    pub fn junit(&self) -> Result<String, String> {
        let mut junit = Junit::new("codeartifact-conformance");
        let mut names: Vec<&str> = self.operations().into_iter().collect();
        names.sort();
        for name in names {
            let mut suite = TestSuite::new(name);
            for r in self.results.iter().filter(|r| r.operation == name) {
                let status = match &r.outcome {
                    Outcome::Pass => TestCaseStatus::success(),
                    Outcome::Fail(why) => {
                        let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                        s.set_message(why.clone());
                        s
                    }
                    Outcome::Skip(why) => {
                        let mut s = TestCaseStatus::skipped();
                        s.set_message(why.clone());
                        s
                    }
                };
                suite.add_test_case(TestCase::new(r.check.clone(), status));
            }
            junit.add_test_suite(suite);
        }
        junit.to_string().map_err(|e| format!("failed to write JUnit XML: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_and_junit_show_each_outcome() {
        let mut r = Report::default();
        r.push("ListDomains", "success", Outcome::Pass);
        r.push(
            "ListDomains",
            "maxResults maximum+1",
            Outcome::Fail("expected 400, got 200".into()),
        );
        r.push("CreateDomain", "success", Outcome::Skip("needs --allow-writes".into()));
        let table = r.table();
        assert!(table.contains("FAIL  expected 400, got 200"), "{table}");
        assert!(table.contains("SKIP  needs --allow-writes"), "{table}");
        assert!(table.ends_with("3 checks: 1 passed, 1 failed, 1 skipped\n"), "{table}");
        let xml = r.junit().unwrap();
        assert!(xml.contains("<failure message=\"expected 400, got 200\""), "{xml}");
        assert!(xml.contains("<skipped"), "{xml}");
    }
}
