//! Mail for tests, with pinned headers: a plain mail, a patch body.

/// 2024-01-01 00:00:00 UTC.
pub const T0: i64 = 1_704_067_200;

/// A plain mail with pinned headers.
pub fn mail(
    mid: &str,
    from: &str,
    subject: &str,
    minutes: i64,
    refs: &[&str],
    body: &str,
) -> String {
    let date = chrono::DateTime::from_timestamp(T0 + minutes * 60, 0)
        .expect("valid time")
        .to_rfc2822();
    let mut m = format!(
        "From: {from}\nTo: list@example.org\nSubject: {subject}\nDate: {date}\nMessage-ID: <{mid}>\n"
    );
    if let Some(p) = refs.last() {
        m.push_str(&format!("In-Reply-To: <{p}>\n"));
        let all: Vec<String> = refs.iter().map(|r| format!("<{r}>")).collect();
        m.push_str(&format!("References: {}\n", all.join(" ")));
    }
    m.push_str("List-Id: <test.example.org>\n\n");
    m.push_str(body);
    if !body.ends_with('\n') {
        m.push('\n');
    }
    m
}

/// A patch body touching `path` with one changed line.
pub fn patch_body(message: &str, path: &str, old: &str, new: &str) -> String {
    format!(
        "{message}\n\nSigned-off-by: A U Thor <author@example.org>\n---\n {path} | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\ndiff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n@@ -1,3 +1,3 @@ int func(void)\n context one\n-{old}\n+{new}\n context two\n-- \n2.43.0\n"
    )
}

/// Time of minute `m` after T0.
pub fn at(minutes: i64) -> i64 {
    T0 + minutes * 60
}
