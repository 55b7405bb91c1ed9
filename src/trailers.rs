//! TEMPORARY placeholder until branch `subject` merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TrailerKind {
    ReviewedBy,
    AckedBy,
    TestedBy,
    ReportedBy,
    SuggestedBy,
    CoDevelopedBy,
    SignedOffBy,
    NackedBy,
    Fixes,
    Link,
    Closes,
    Cc,
    Other,
}
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Person {
    pub name: String,
    pub addr: String,
}
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Trailer {
    pub kind: TrailerKind,
    pub name: String,
    pub value: String,
    pub person: Option<Person>,
}
pub fn parse_trailers(_t: &str) -> Vec<Trailer> {
    Vec::new()
}
impl Person {
    pub fn matches(&self, _n: &str, a: &str) -> bool {
        self.addr.eq_ignore_ascii_case(a)
    }
}
