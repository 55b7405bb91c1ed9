//! RFC 822 details: dates with zones, encoded words, quoting of display
//! names, header folding, quoted-printable, and the Message-ID and
//! attribution styles of the mailers kernel people use. Parsers trip over
//! exactly these, so they are reproduced rather than simplified.

use std::fmt::Write as _;

use crate::rng::{Rng, push_hex};
use crate::world::{Client, Person};

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Broken-down civil time.
pub struct Tm {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    pub wday: usize,
}

/// Days since 1970-01-01 to (y, m, d), Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (y, m, d) to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Local time at `unix` in a zone `tz` minutes east of UTC.
pub fn tm(unix: i64, tz: i32) -> Tm {
    let t = unix + i64::from(tz) * 60;
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Tm {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        min: (secs / 60 % 60) as u32,
        sec: (secs % 60) as u32,
        wday: days.rem_euclid(7) as usize,
    }
}

pub fn tz_str(tz: i32) -> String {
    let sign = if tz < 0 { '-' } else { '+' };
    let a = tz.abs();
    format!("{sign}{:02}{:02}", a / 60, a % 60)
}

/// `Mon, 1 Jan 2024 12:34:56 +0100`
pub fn rfc2822(unix: i64, tz: i32) -> String {
    let t = tm(unix, tz);
    format!(
        "{}, {} {} {} {:02}:{:02}:{:02} {}",
        WEEKDAYS[t.wday],
        t.day,
        MONTHS[t.month as usize - 1],
        t.year,
        t.hour,
        t.min,
        t.sec,
        tz_str(tz)
    )
}

/// `20240101123456` in UTC, as git send-email puts in Message-IDs.
pub fn compact(unix: i64) -> String {
    let t = tm(unix, 0);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year, t.month, t.day, t.hour, t.min, t.sec
    )
}

/// `2024-01-01`
pub fn ymd(unix: i64) -> String {
    let t = tm(unix, 0);
    format!("{:04}-{:02}-{:02}", t.year, t.month, t.day)
}

/// The "On ..., X wrote:" line each client writes above a quote.
pub fn attribution(client: Client, who: &Person, sent: i64) -> String {
    let t = tm(sent, who.tz);
    match client {
        Client::Mutt | Client::Bot => {
            let (h12, ampm) = match t.hour {
                0 => (12, "AM"),
                1..=11 => (t.hour, "AM"),
                12 => (12, "PM"),
                _ => (t.hour - 12, "PM"),
            };
            format!(
                "On {}, {} {:02}, {} at {:02}:{:02}:{:02}{} {}, {} wrote:",
                WEEKDAYS[t.wday],
                MONTHS[t.month as usize - 1],
                t.day,
                t.year,
                h12,
                t.min,
                t.sec,
                ampm,
                tz_str(who.tz),
                who.name
            )
        }
        Client::Gmail => format!(
            "On {}, {} {} {} at {:02}:{:02}, {} <{}> wrote:",
            WEEKDAYS[t.wday],
            t.day,
            MONTHS[t.month as usize - 1],
            t.year,
            t.hour,
            t.min,
            who.name,
            who.email
        ),
        Client::Thunderbird => format!(
            "On {}/{}/{} {:02}:{:02}, {} wrote:",
            t.month,
            t.day,
            t.year % 100,
            t.hour,
            t.min,
            who.name
        ),
        Client::Gnus => format!("{} <{}> writes:", who.name, who.email),
    }
}

pub fn user_agent(client: Client) -> Option<&'static str> {
    match client {
        Client::Mutt => Some("User-Agent: Mutt/2.2.12 (2023-09-09)"),
        Client::Thunderbird => Some("User-Agent: Mozilla Thunderbird"),
        Client::Gnus => Some("User-Agent: Gnus/5.13 (Gnus v5.13)"),
        Client::Gmail | Client::Bot => None,
    }
}

const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn push_b62(out: &mut String, rng: &mut Rng, n: usize) {
    for _ in 0..n {
        out.push(char::from(B62[rng.below(62) as usize]));
    }
}

fn domain_of(email: &str) -> &str {
    email.rsplit_once('@').map_or("localhost", |(_, d)| d)
}

/// A reply's Message-ID in the style of the sender's client.
pub fn reply_msgid(client: Client, who: &Person, sent: i64, rng: &mut Rng) -> String {
    let mut s = String::with_capacity(64);
    match client {
        Client::Mutt => {
            s.push('Z');
            push_b62(&mut s, rng, 15);
            s.push('@');
            s.push_str(domain_of(&who.email));
        }
        Client::Gmail => {
            s.push_str(if rng.chance(0.5) { "CA+" } else { "CAH" });
            push_b62(&mut s, rng, 46);
            s.push_str("@mail.gmail.com");
        }
        Client::Thunderbird => {
            rng.hex(&mut s, 8);
            for n in [4, 4, 4, 12] {
                s.push('-');
                rng.hex(&mut s, n);
            }
            s.push('@');
            s.push_str(domain_of(&who.email));
        }
        Client::Gnus => {
            s.push_str("87");
            for _ in 0..10 {
                s.push(char::from(
                    b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.below(36) as usize],
                ));
            }
            s.push_str(".fsf@");
            s.push_str(domain_of(&who.email));
        }
        Client::Bot => {
            let _ = write!(s, "{}.", &compact(sent)[..12]);
            rng.hex(&mut s, 8);
            s.push_str("-lkp@");
            s.push_str(domain_of(&who.email));
        }
    }
    s
}

/// git send-email: `20240101123456.12345-3-name@example.org`
pub fn send_email_msgid(who: &Person, sent: i64, pid: u32, n: u32) -> String {
    let local = who.email.split('@').next().unwrap_or("x");
    format!(
        "{}.{pid}-{n}-{local}@{}",
        compact(sent),
        domain_of(&who.email)
    )
}

/// b4: `20240101-slug-v2-3-0123456789ab@example.org`
pub fn b4_msgid(who: &Person, first_sent: i64, slug: &str, ver: u16, n: u32, hash: u64) -> String {
    let mut s = format!("{}-{slug}-v{ver}-{n}-", &compact(first_sent)[..8]);
    push_hex(&mut s, hash, 12);
    s.push('@');
    s.push_str(domain_of(&who.email));
    s
}

/// A display name as it must appear in a header: RFC 2047 encoded when not
/// ASCII, quoted when it holds specials such as '.'.
pub fn header_name(name: &str, b_encoding: bool) -> String {
    if !name.is_ascii() {
        return encoded_word(name, b_encoding);
    }
    if name.chars().any(|c| "()<>[]:;@\\,.\"".contains(c)) {
        return format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""));
    }
    name.to_string()
}

pub fn encoded_word(s: &str, b_encoding: bool) -> String {
    if b_encoding {
        format!("=?utf-8?b?{}?=", base64(s.as_bytes()))
    } else {
        let mut out = String::from("=?UTF-8?q?");
        for &b in s.as_bytes() {
            if b.is_ascii_alphanumeric() || b"!*+-/".contains(&b) {
                out.push(char::from(b));
            } else {
                let _ = write!(out, "={b:02X}");
            }
        }
        out.push_str("?=");
        out
    }
}

pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `Name <addr>` for a header.
pub fn mailbox(p: &Person, email: &str) -> String {
    format!(
        "{} <{email}>",
        header_name(&p.name, p.sender == crate::world::Sender::B4)
    )
}

/// Write `Name: v1, v2, ...` folded at 78 columns after commas, the way
/// mailers fold long address lists.
pub fn address_header(out: &mut String, name: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str(name);
    out.push_str(": ");
    let mut col = name.len() + 2;
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
            col += 1;
            if col + 1 + it.len() > 78 {
                out.push_str("\n\t");
                col = 8;
            } else {
                out.push(' ');
                col += 1;
            }
        }
        out.push_str(it);
        col += it.len();
    }
    out.push('\n');
}

/// Write an unstructured header folded at whitespace beyond 78 columns.
pub fn text_header(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str(": ");
    let mut col = name.len() + 2;
    for (i, word) in value.split(' ').enumerate() {
        if i > 0 {
            if col + 1 + word.len() > 78 {
                out.push_str("\n ");
                col = 1;
            } else {
                out.push(' ');
                col += 1;
            }
        }
        out.push_str(word);
        col += word.len();
    }
    out.push('\n');
}

/// Quoted-printable (RFC 2045): '=' and 8-bit bytes escaped, trailing
/// blanks protected, lines soft-broken to at most 76 columns.
pub fn quoted_printable(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 8);
    for line in body.split_inclusive('\n') {
        let (text, nl) = match line.strip_suffix('\n') {
            Some(t) => (t, true),
            None => (line, false),
        };
        let bytes = text.as_bytes();
        let mut col = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let mut enc = [0u8; 3];
            let piece: &[u8] = if b == b'='
                || b >= 0x80
                || (b < 0x20 && b != b'\t')
                || ((b == b' ' || b == b'\t') && last)
            {
                const H: &[u8; 16] = b"0123456789ABCDEF";
                enc = [b'=', H[usize::from(b >> 4)], H[usize::from(b & 15)]];
                &enc
            } else {
                enc[0] = b;
                &enc[..1]
            };
            // Leave room for the soft break '=' unless this is the last piece.
            let limit = if last { 76 } else { 75 };
            if col + piece.len() > limit {
                out.push_str("=\n");
                col = 0;
            }
            for &c in piece {
                out.push(char::from(c));
            }
            col += piece.len();
        }
        if nl {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        // 2024-01-01T12:34:56Z was a Monday.
        assert_eq!(rfc2822(1_704_112_496, 60), "Mon, 1 Jan 2024 13:34:56 +0100");
        assert_eq!(
            rfc2822(1_704_112_496, -330),
            "Mon, 1 Jan 2024 07:04:56 -0530"
        );
        assert_eq!(compact(1_704_112_496), "20240101123456");
        assert_eq!(days_from_civil(2024, 1, 1), 19_723);
        let t = tm(days_from_civil(2028, 2, 29) * 86_400, 0);
        assert_eq!((t.year, t.month, t.day), (2028, 2, 29));
    }

    #[test]
    fn names() {
        assert_eq!(header_name("David S. Miller", false), "\"David S. Miller\"");
        assert_eq!(header_name("Jörg", false), "=?UTF-8?q?J=C3=B6rg?=");
        assert_eq!(header_name("Jörg", true), "=?utf-8?b?SsO2cmc=?=");
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn qp_lines_are_short_and_reversible_enough() {
        let body = format!("{}=x\nJörg Rödel \n", "a".repeat(200));
        let qp = quoted_printable(&body);
        assert!(qp.lines().all(|l| l.len() <= 76), "{qp}");
        assert!(qp.contains("=3Dx") && qp.contains("J=C3=B6rg") && qp.contains("R=C3=B6del=20"));
        assert!(qp.is_ascii());
    }
}
