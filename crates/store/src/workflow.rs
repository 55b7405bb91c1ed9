//! The workflow as a list or view sees it: for each series revision its
//! triage state, which rules match and how its checks went, and queries
//! that filter series by them (`is:ready`, `check:fail`). It ties the
//! config's rules ([`crate::rules`]), the triage state
//! ([`crate::state`]) and the check results ([`crate::check`]) together;
//! the CLI and the TUI ask this one place.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::check::{CheckRecord, CheckStatus, CheckStore};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::maintainers::Maintainers;
use crate::query::{Field, Query, QueryError, Value};
use crate::rules::{Facts, Rule, RuleSet};
use crate::series::gather::{SeriesPage, series_for_ast, series_page_ast};
use crate::series::{Revision, Series};
use crate::state::{StateStore, TriageState};

/// Rules, states and check results, ready to be asked about series.
pub struct Workflow {
    pub rules: RuleSet,
    /// The user's addresses, lower-cased (`me` in rules).
    pub me: Vec<String>,
    pub state: Option<StateStore>,
    pub checks: Option<CheckStore>,
    /// Names of the configured checks.
    pub check_names: Vec<String>,
    /// Unix seconds: "now" for `age` and `quiet`.
    pub now: i64,
}

/// One check's result as a series shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CheckSummary {
    pub check: String,
    pub status: CheckStatus,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<std::path::PathBuf>,
    pub run: String,
}

impl From<CheckRecord> for CheckSummary {
    fn from(r: CheckRecord) -> CheckSummary {
        CheckSummary {
            check: r.check,
            status: r.status,
            summary: r.summary,
            output: r.output,
            run: r.run,
        }
    }
}

/// What the workflow says about one revision.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RevisionInfo {
    pub state: TriageState,
    /// Whether the user set the state (else it is automatic).
    pub state_explicit: bool,
    /// Names of the rules that match, in config order.
    pub rules: Vec<String>,
    /// Rules with `hide = true` among them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hidden_by: Vec<String>,
    /// The worst of its checks' statuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckStatus>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckSummary>,
}

impl Workflow {
    /// The workflow of `config`, with the state and check results in the
    /// data dir (read only: nothing is created).
    pub fn load(config: &Config, now: chrono::DateTime<chrono::Utc>) -> Result<Workflow> {
        let data_dir = crate::config::Dirs::data_dir();
        let state = if crate::db::Db::exists(&data_dir) {
            Some(StateStore::open(&data_dir)?)
        } else {
            None
        };
        let checks = CheckStore::open_existing(&data_dir)?;
        Workflow::new(config, state, checks, now)
    }

    /// The workflow of `config` over the given stores.
    pub fn new(
        config: &Config,
        state: Option<StateStore>,
        checks: Option<CheckStore>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Workflow> {
        Ok(Workflow {
            rules: rules_of(config)?,
            me: config
                .identity
                .iter()
                .flat_map(|i| std::iter::once(&i.email).chain(i.alternates.iter()))
                .map(|a| a.trim().to_ascii_lowercase())
                .collect(),
            state,
            checks,
            check_names: config.checks.iter().map(|c| c.name.clone()).collect(),
            now: now.timestamp(),
        })
    }

    /// The triage state of a revision, and whether the user set it.
    pub fn state_of(&self, series: &Series, rev: &Revision) -> (TriageState, bool) {
        match &self.state {
            Some(s) => (s.state_of(series, rev), s.explicit(rev).is_some()),
            None if rev.superseded => (TriageState::Superseded, false),
            None => (TriageState::New, false),
        }
    }

    /// A revision's check results, in check name order.
    pub fn check_results(&self, rev: &Revision) -> Vec<CheckRecord> {
        self.checks
            .as_ref()
            .map(|c| c.for_revision(rev.root_message_id()))
            .unwrap_or_default()
    }

    /// Whether any check ever ran (a list shows a check column only then).
    pub fn checks_ran(&self) -> bool {
        self.checks.as_ref().is_some_and(|c| !c.is_empty())
    }

    /// The check column of a list: the worst status of a revision's checks.
    pub fn check_status(&self, rev: &Revision) -> Option<CheckStatus> {
        self.checks
            .as_ref()
            .and_then(|c| c.status_of(rev.root_message_id()))
    }

    /// Every rule's outcome for a revision, in rule order. `index` is used
    /// to read the patches when a rule needs the files they touch.
    pub fn rule_outcomes(&self, index: &Index, series: &Series, rev: &Revision) -> Vec<bool> {
        let checks = self.check_pairs(rev);
        let files = |r: &Revision| files_touched(index, r);
        let facts = self.facts(series, rev, &checks, &files);
        self.rules.evaluate(&facts)
    }

    /// The names of the rules matching a revision.
    pub fn matching_rules(&self, index: &Index, series: &Series, rev: &Revision) -> Vec<String> {
        self.rule_outcomes(index, series, rev)
            .into_iter()
            .zip(self.rules.rules())
            .filter(|(v, _)| *v)
            .map(|(_, r)| r.name.clone())
            .collect()
    }

    /// Everything about one revision.
    pub fn revision_info(&self, index: &Index, series: &Series, rev: &Revision) -> RevisionInfo {
        let (state, state_explicit) = self.state_of(series, rev);
        let rules = self.matching_rules(index, series, rev);
        let hidden_by = rules
            .iter()
            .filter(|n| self.rules.get(n).is_some_and(|r| r.hide))
            .cloned()
            .collect();
        let results = self.check_results(rev);
        RevisionInfo {
            state,
            state_explicit,
            rules,
            hidden_by,
            check: CheckStatus::worst(results.iter().map(|r| r.status)),
            checks: results.into_iter().map(CheckSummary::from).collect(),
        }
    }

    /// Whether a hiding rule matches the series' newest revision.
    pub fn is_hidden(&self, index: &Index, series: &Series) -> bool {
        if !self.rules.rules().iter().any(|r| r.hide) {
            return false;
        }
        let outcomes = self.rule_outcomes(index, series, series.latest());
        outcomes
            .iter()
            .zip(self.rules.rules())
            .any(|(v, r)| *v && r.hide)
    }

    fn check_pairs(&self, rev: &Revision) -> Vec<(String, CheckStatus)> {
        self.check_results(rev)
            .into_iter()
            .map(|r| (r.check, r.status))
            .collect()
    }

    fn facts<'a>(
        &'a self,
        series: &'a Series,
        rev: &'a Revision,
        checks: &'a [(String, CheckStatus)],
        files: &'a dyn Fn(&Revision) -> Vec<String>,
    ) -> Facts<'a> {
        let mut f = Facts::new(series, rev, self.now);
        f.me = &self.me;
        f.state = self.state_of(series, rev).0;
        f.checks = checks;
        f.files = files;
        f
    }

    /// Parses a series query: message terms for the index, `is:`/`check:`
    /// terms for [`SeriesQuery::matches`].
    pub fn parse_query(
        &self,
        query: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<SeriesQuery, QueryError> {
        let ast = crate::query::parse(query, now)?;
        SeriesQuery::split(ast, self)
    }

    /// Every series with a message matching the query's message terms and
    /// whose newest revision passes its series terms, newest first. Series
    /// a hiding rule matches are left out unless `show_hidden` or the query
    /// names that rule; the list says how many.
    pub fn series_for_query(
        &self,
        index: &Index,
        query: &SeriesQuery,
        max_hits: usize,
        show_hidden: bool,
    ) -> Result<SeriesList> {
        let mut out = SeriesList::default();
        for s in series_for_ast(index, &query.messages, max_hits)? {
            match self.verdict(index, query, &s, show_hidden) {
                Verdict::Keep => out.series.push(s),
                Verdict::Hidden => out.hidden += 1,
                Verdict::Filtered => {}
            }
        }
        Ok(out)
    }

    /// The `n` newest series of [`Workflow::series_for_query`]'s list. When
    /// the query's message terms are none or only a date lower bound
    /// (`d:2.weeks.ago..`), the newest revision of every series in the list
    /// opens with a matching patch or cover letter, so paging through the
    /// newest matches can stop once `n` series are newer than every match
    /// not yet read: `putt series -n 20` on a million messages reads a few
    /// hundred of them instead of grouping 200,000. Other queries get the
    /// whole list, cut. `hidden` counts what the pages read had hidden.
    pub fn newest_series(
        &self,
        index: &Index,
        query: &SeriesQuery,
        n: usize,
        max_hits: usize,
        show_hidden: bool,
    ) -> Result<SeriesList> {
        if n == 0 || !newest_first_is_exact(&query.messages) {
            let mut list = self.series_for_query(index, query, max_hits, show_hidden)?;
            if n > 0 {
                list.series.truncate(n);
            }
            return Ok(list);
        }
        let mut kept: HashMap<String, Series> = HashMap::new();
        let mut hidden: HashSet<String> = HashSet::new();
        let (mut offset, mut hits) = (0, (8 * n).clamp(64, 4096));
        loop {
            let page = series_page_ast(index, &query.messages, offset, hits, true)?;
            offset += page.hits;
            for s in page.series {
                match self.verdict(index, query, &s, show_hidden) {
                    Verdict::Keep => {
                        kept.insert(s.id.clone(), s);
                    }
                    Verdict::Hidden => {
                        hidden.insert(s.id);
                    }
                    Verdict::Filtered => {}
                }
            }
            let settled = page
                .oldest
                .is_some_and(|d| kept.values().filter(|s| s.date() > d).count() >= n);
            if settled || !page.more || offset >= max_hits {
                break;
            }
            hits = (hits * 2).min(16_384);
        }
        let mut series: Vec<Series> = kept.into_values().collect();
        series.sort_by(|a, b| b.date().cmp(&a.date()).then_with(|| a.id.cmp(&b.id)));
        series.truncate(n);
        Ok(SeriesList {
            series,
            hidden: hidden.len(),
        })
    }

    /// One page of a filtered series list ([`crate::series::gather::series_page`]
    /// with the series terms applied and hidden series left out). A page
    /// whose series all fail the filter is followed by the next ones (up to
    /// 16 pages), so a list does not stall on an empty page.
    pub fn series_page(
        &self,
        index: &Index,
        query: &SeriesQuery,
        offset: usize,
        hits: usize,
        patches_only: bool,
    ) -> Result<SeriesPage> {
        let mut out = SeriesPage::default();
        let mut offset = offset;
        for _ in 0..16 {
            let page = series_page_ast(index, &query.messages, offset, hits, patches_only)?;
            out.hits += page.hits;
            out.more = page.more;
            offset += page.hits;
            for s in page.series {
                match self.verdict(index, query, &s, false) {
                    Verdict::Keep => out.series.push(s),
                    Verdict::Hidden => out.hidden.push(s.id),
                    Verdict::Filtered => {}
                }
            }
            if !out.series.is_empty() || !out.more {
                break;
            }
        }
        Ok(out)
    }

    fn verdict(
        &self,
        index: &Index,
        query: &SeriesQuery,
        s: &Series,
        show_hidden: bool,
    ) -> Verdict {
        let rev = s.latest();
        let outcomes = self.rule_outcomes(index, s, rev);
        let passes = match &query.series {
            None => true,
            Some(q) => self.eval_series(q, s, rev, &outcomes),
        };
        let hidden = outcomes
            .iter()
            .zip(self.rules.rules())
            .any(|(v, r)| *v && r.hide && !query.names_rule(&r.name));
        match (passes, hidden && !show_hidden) {
            (false, _) => Verdict::Filtered,
            (true, true) => Verdict::Hidden,
            (true, false) => Verdict::Keep,
        }
    }

    fn eval_series(&self, q: &Query, s: &Series, rev: &Revision, outcomes: &[bool]) -> bool {
        match q {
            Query::All => true,
            Query::And(v) => v.iter().all(|x| self.eval_series(x, s, rev, outcomes)),
            Query::Or(v) => v.iter().any(|x| self.eval_series(x, s, rev, outcomes)),
            Query::Not(x) => !self.eval_series(x, s, rev, outcomes),
            Query::Term { field, value, .. } => {
                let text = value_text(value).to_ascii_lowercase();
                match field {
                    Field::Is => match self
                        .rules
                        .rules()
                        .iter()
                        .position(|r| r.name.eq_ignore_ascii_case(&text))
                    {
                        Some(i) => outcomes.get(i).copied().unwrap_or(false),
                        None => self.state_of(s, rev).0.name() == text,
                    },
                    Field::Check => {
                        let (name, status) = match text.rsplit_once(':') {
                            Some((n, st)) => (Some(n.to_string()), st.to_string()),
                            None => (None, text.clone()),
                        };
                        let Ok(status) = CheckStatus::parse(&status) else {
                            return false;
                        };
                        self.check_results(rev).iter().any(|r| {
                            name.as_ref()
                                .is_none_or(|n| r.check.eq_ignore_ascii_case(n))
                                && r.status == status
                        })
                    }
                    _ => true,
                }
            }
        }
    }
}

/// The configured rules, parsed, with the MAINTAINERS file they use.
pub fn rules_of(config: &Config) -> Result<RuleSet> {
    let path = config
        .path
        .clone()
        .unwrap_or_else(crate::config::Dirs::config_file);
    let mut rules: Vec<Rule> = Vec::new();
    for r in &config.rules {
        let earlier: Vec<&str> = rules.iter().map(|x| x.name.as_str()).collect();
        let rule = Rule::parse(&r.name, &r.when, r.hide, &earlier).map_err(|e| Error::Config {
            path: path.clone(),
            message: format!("[[rule]] `{}`: when:\n{}", r.name, e.render(&r.when)),
        })?;
        rules.push(rule);
    }
    let maintainers = match &config.workflow.maintainers {
        Some(p) if rules.iter().any(|r| r.needs().maintainers) => {
            let text = std::fs::read(p).map_err(|e| Error::io(p, e))?;
            Some(Arc::new(Maintainers::parse(&String::from_utf8_lossy(
                &text,
            ))))
        }
        _ => None,
    };
    Ok(RuleSet::new(rules, maintainers))
}

/// The files a revision's patches touch (read from the archives).
pub fn files_touched(index: &Index, rev: &Revision) -> Vec<String> {
    let mut files = Vec::new();
    for p in &rev.patches {
        let Ok(copies) = index.by_message_id(&p.mail.message_id) else {
            continue;
        };
        let Some(m) = copies
            .iter()
            .find(|c| c.blob == p.mail.blob)
            .or(copies.first())
        else {
            continue;
        };
        let Ok(raw) = index.raw_message(m) else {
            continue;
        };
        let msg = crate::mail::Message::parse(&raw);
        for f in &msg.diff.files {
            for path in [&f.old_path, &f.new_path].into_iter().flatten() {
                if !files.contains(path) {
                    files.push(path.clone());
                }
            }
        }
    }
    files
}

fn value_text(v: &Value) -> &str {
    match v {
        Value::Word { text, .. } | Value::Phrase(text) => text,
        Value::DateRange { .. } => "",
    }
}

/// The byte range of the first `is:`/`check:` term in a query, if any.
pub fn first_series_term(q: &Query) -> Option<Range<usize>> {
    match q {
        Query::All => None,
        Query::And(v) | Query::Or(v) => v.iter().find_map(first_series_term),
        Query::Not(x) => first_series_term(x),
        Query::Term { field, span, .. } => field.is_series_level().then(|| span.clone()),
    }
}

/// Whether a query has a message-level term (anything but `is:`/`check:`).
fn first_message_term(q: &Query) -> Option<Range<usize>> {
    match q {
        Query::All => None,
        Query::And(v) | Query::Or(v) => v.iter().find_map(first_message_term),
        Query::Not(x) => first_message_term(x),
        Query::Term { field, span, .. } => (!field.is_series_level()).then(|| span.clone()),
    }
}

/// A series query split in two: what the index answers (which messages)
/// and what the workflow answers (`is:`, `check:`, on the newest revision).
/// Whether every series a query lists has its newest revision's first
/// message among the query's matches: true for no terms and for date lower
/// bounds, which every later message also meets.
fn newest_first_is_exact(q: &Query) -> bool {
    match q {
        Query::All => true,
        Query::Term {
            field: Field::Date,
            value: Value::DateRange { to: None, .. },
            ..
        } => true,
        Query::And(v) => v.iter().all(newest_first_is_exact),
        _ => false,
    }
}

/// A filtered series list: what it shows, and how many series a rule
/// with `hide = true` left out (`putt series` says so; `-a` shows them).
#[derive(Debug, Clone, Default)]
pub struct SeriesList {
    pub series: Vec<Series>,
    pub hidden: usize,
}

/// Whether a list shows a series.
enum Verdict {
    Keep,
    /// It passes the query, but a hiding rule leaves it out.
    Hidden,
    /// It does not pass the query's series terms.
    Filtered,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesQuery {
    pub messages: Query,
    pub series: Option<Query>,
    /// Rule names the query mentions with `is:` (their series are shown
    /// even when the rule hides them).
    pub named: Vec<String>,
}

impl SeriesQuery {
    /// Splits a parsed query. Series terms must be ANDed with the rest
    /// (alone, or in a group of only series terms); their names must be
    /// rules, states, checks and statuses that exist.
    pub fn split(ast: Query, wf: &Workflow) -> Result<SeriesQuery, QueryError> {
        let parts = match ast {
            Query::And(v) => v,
            other => vec![other],
        };
        let mut messages = Vec::new();
        let mut series = Vec::new();
        for p in parts {
            match (first_series_term(&p), first_message_term(&p)) {
                (None, _) => messages.push(p),
                (Some(_), None) => series.push(p),
                (Some(span), Some(_)) => {
                    return Err(QueryError {
                        message: "is: and check: test a series: AND them with the rest, they cannot be ORed with message terms".into(),
                        span,
                    });
                }
            }
        }
        let mut named = Vec::new();
        for s in &series {
            validate(s, wf, &mut named)?;
        }
        let join = |mut v: Vec<Query>| match v.len() {
            0 => None,
            1 => v.pop(),
            _ => Some(Query::And(v)),
        };
        Ok(SeriesQuery {
            messages: join(messages).unwrap_or(Query::All),
            series: join(series),
            named,
        })
    }

    /// A query of message terms only.
    pub fn messages(query: Query) -> SeriesQuery {
        SeriesQuery {
            messages: query,
            series: None,
            named: Vec::new(),
        }
    }

    fn names_rule(&self, name: &str) -> bool {
        self.named.iter().any(|n| n.eq_ignore_ascii_case(name))
    }
}

fn validate(q: &Query, wf: &Workflow, named: &mut Vec<String>) -> Result<(), QueryError> {
    match q {
        Query::All => Ok(()),
        Query::And(v) | Query::Or(v) => v.iter().try_for_each(|x| validate(x, wf, named)),
        Query::Not(x) => validate(x, wf, named),
        Query::Term { field, value, span } => {
            let text = value_text(value).to_ascii_lowercase();
            let err = |message: String| QueryError {
                message,
                span: span.clone(),
            };
            match field {
                Field::Is => {
                    if let Some(r) = wf
                        .rules
                        .rules()
                        .iter()
                        .find(|r| r.name.eq_ignore_ascii_case(&text))
                    {
                        named.push(r.name.clone());
                        return Ok(());
                    }
                    if TriageState::ALL.iter().any(|s| s.name() == text) {
                        return Ok(());
                    }
                    let rules: Vec<&str> =
                        wf.rules.rules().iter().map(|r| r.name.as_str()).collect();
                    Err(err(format!(
                        "no rule or state `{text}`: rules are {}; states are {}",
                        if rules.is_empty() {
                            "none (add [[rule]] to the config)".to_string()
                        } else {
                            rules.join(", ")
                        },
                        TriageState::ALL.map(|s| s.name()).join(", ")
                    )))
                }
                Field::Check => {
                    let (name, status) = match text.rsplit_once(':') {
                        Some((n, st)) => (Some(n), st),
                        None => (None, text.as_str()),
                    };
                    CheckStatus::parse(status).map_err(err)?;
                    if let Some(n) = name
                        && !wf.check_names.iter().any(|c| c.eq_ignore_ascii_case(n))
                    {
                        return Err(err(format!(
                            "no check `{n}` in the config{}",
                            if wf.check_names.is_empty() {
                                String::new()
                            } else {
                                format!(" (there is {})", wf.check_names.join(", "))
                            }
                        )));
                    }
                    Ok(())
                }
                _ => Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wf(config: &str) -> Workflow {
        let cfg = Config::parse(config, std::path::Path::new("/c/config.toml")).expect("config");
        Workflow::new(&cfg, None, None, chrono::Utc::now()).expect("workflow")
    }

    #[test]
    fn series_terms_split_off_and_are_checked() {
        let w = wf(
            "[[rule]]\nname = \"ready\"\nwhen = \"review >= 2\"\nhide = false\n\n[[check]]\nname = \"build\"\ncommand = \"true\"\n",
        );
        let q = w
            .parse_query("dfn:kbuild is:ready NOT check:fail", chrono::Utc::now())
            .expect("parses");
        assert!(first_series_term(&q.messages).is_none());
        assert_eq!(q.named, ["ready"]);
        assert!(q.series.is_some());
        let q = w
            .parse_query("s:x (is:ready OR is:reviewing)", chrono::Utc::now())
            .expect("group");
        assert!(q.series.is_some());
        let e = w
            .parse_query("s:x OR is:ready", chrono::Utc::now())
            .expect_err("mixed");
        assert!(e.message.contains("AND them"), "{e}");
        let e = w
            .parse_query("is:redy", chrono::Utc::now())
            .expect_err("typo");
        assert!(e.message.contains("rules are ready"), "{e}");
        assert_eq!(e.span, 0..7);
        let e = w
            .parse_query("check:biuld:fail", chrono::Utc::now())
            .expect_err("typo");
        assert!(e.message.contains("there is build"), "{e}");
        assert!(
            w.parse_query("check:build:fail check:ok", chrono::Utc::now())
                .is_ok()
        );
    }
}
