//! TEMPORARY placeholder until branch `subject` merges.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SubjectInfo {
    pub reply: bool,
    pub forward: bool,
    pub patch: bool,
    pub pull: bool,
    pub rfc: bool,
    pub resend: bool,
    pub version: u32,
    pub version_inferred: bool,
    pub counter: u32,
    pub total: u32,
    pub counter_inferred: bool,
    pub prefixes: Vec<String>,
    pub normalized: String,
}
pub fn parse_subject(s: &str) -> SubjectInfo {
    SubjectInfo {
        normalized: s.to_string(),
        version: 1,
        counter: 1,
        total: 1,
        ..Default::default()
    }
}
