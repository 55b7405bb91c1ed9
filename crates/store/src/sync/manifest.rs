//! `manifest.js.gz`: the list of git repositories a public-inbox (or
//! grokmirror) server offers, with a fingerprint of each one's refs.
//!
//! lore serves one per inbox at `URL/manifest.js.gz`. It tells which epochs
//! exist without probing them one by one, and an epoch whose fingerprint
//! equals ours has not changed, so `putt sync` skips it without a fetch
//! (what grokmirror does for kernel.org's mirrors).

use std::collections::BTreeMap;
use std::io::Read;

use serde::Deserialize;

use crate::error::{Error, Result};

/// A manifest larger than this is not a per-inbox manifest.
const MAX_BYTES: u64 = 64 << 20;

/// What a manifest says about one inbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// v2 epochs by number, with their fingerprints when given.
    pub epochs: BTreeMap<u32, Option<String>>,
    /// The inbox is a v1 repository (its fingerprint when given).
    pub v1: Option<Option<String>>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    fingerprint: Option<String>,
}

impl Manifest {
    /// Fetches `URL/manifest.js.gz` for the inbox at `url` (http or https).
    /// `Ok(None)` when the server has none (404) or it does not list this
    /// inbox: the caller probes instead.
    pub fn fetch(url: &str) -> Result<Option<Manifest>> {
        let url = url.trim_end_matches('/');
        let manifest_url = format!("{url}/manifest.js.gz");
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("putt/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(30))
            .timeout(std::time::Duration::from_secs(300))
            .build()
            .map_err(|e| Error::remote(&manifest_url, error_chain(&e)))?;
        let response = client
            .get(&manifest_url)
            .send()
            .map_err(|e| Error::remote(&manifest_url, error_chain(&e)))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(Error::remote(&manifest_url, format!("HTTP {status}")));
        }
        let mut body = Vec::new();
        response
            .take(MAX_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| Error::remote(&manifest_url, e))?;
        if body.len() as u64 > MAX_BYTES {
            return Err(Error::remote(&manifest_url, "manifest larger than 64 MiB"));
        }
        let path = url_path(url);
        let m = Manifest::parse(&body, &path).map_err(|e| Error::remote(&manifest_url, e))?;
        Ok((!m.is_empty()).then_some(m))
    }

    /// Reads a manifest (gzipped or plain JSON) and picks the entries of the
    /// inbox at URL path `path` (`/linux-kbuild`); empty when it has none. A server mounted under a
    /// prefix (`/lore/linux-kbuild`) may list keys without it, so leading
    /// components are dropped until something matches, as `lei` does.
    pub fn parse(bytes: &[u8], path: &str) -> std::result::Result<Manifest, String> {
        let json = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(bytes)
                .take(MAX_BYTES * 8)
                .read_to_end(&mut out)
                .map_err(|e| format!("gunzip: {e}"))?;
            out
        } else {
            bytes.to_vec()
        };
        let entries: BTreeMap<String, Entry> =
            serde_json::from_slice(&json).map_err(|e| format!("not a manifest: {e}"))?;
        let mut path = path.trim_end_matches('/').to_string();
        loop {
            let found = Manifest::entries_under(&entries, &path);
            if !found.is_empty() {
                return Ok(found);
            }
            // `/a/b` -> `/b`; stop once nothing is left to drop.
            match path.get(1..).and_then(|rest| rest.find('/')) {
                Some(i) => path = path[i + 1..].to_string(),
                None => break,
            }
        }
        // A server-wide manifest without this inbox: the caller probes.
        Ok(Manifest::default())
    }

    /// Whether the manifest says nothing about the inbox.
    pub fn is_empty(&self) -> bool {
        self.epochs.is_empty() && self.v1.is_none()
    }

    fn entries_under(entries: &BTreeMap<String, Entry>, path: &str) -> Manifest {
        let mut m = Manifest::default();
        let prefix = format!("{path}/git/");
        for (key, entry) in entries {
            if key == path || key.strip_suffix(".git") == Some(path) {
                m.v1 = Some(entry.fingerprint.clone());
            } else if let Some(n) = key
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".git"))
                .and_then(|n| n.parse::<u32>().ok())
            {
                m.epochs.insert(n, entry.fingerprint.clone());
            }
        }
        m
    }
}

/// `https://host/a/b` -> `/a/b`.
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => rest[i..].to_string(),
        None => String::new(),
    }
}

/// An error with its causes, `a: b: c`, for one line of output.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gz(text: &str) -> Vec<u8> {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text.as_bytes()).expect("gzip");
        enc.finish().expect("gzip")
    }

    const LORE: &str = r#"{
      "/linux-kbuild/git/0.git": {"fingerprint": "aa", "modified": 1, "reference": null, "description": "x [epoch 0]"},
      "/linux-kbuild/git/1.git": {"fingerprint": "bb", "modified": 2, "reference": null},
      "/other/git/0.git": {"fingerprint": "cc"}
    }"#;

    #[test]
    fn epochs_of_the_inbox_with_fingerprints() {
        let m = Manifest::parse(&gz(LORE), "/linux-kbuild").expect("parses");
        assert_eq!(m.v1, None);
        assert_eq!(
            m.epochs.into_iter().collect::<Vec<_>>(),
            vec![(0, Some("aa".into())), (1, Some("bb".into()))]
        );
    }

    #[test]
    fn a_mount_prefix_missing_from_the_keys_is_dropped() {
        let m = Manifest::parse(LORE.as_bytes(), "/lore/linux-kbuild/").expect("parses");
        assert_eq!(m.epochs.len(), 2);
    }

    #[test]
    fn v1_inbox_is_its_own_key() {
        let m = Manifest::parse(br#"{"/meta": {"fingerprint": null}}"#, "/meta").expect("parses");
        assert_eq!(m.v1, Some(None));
        assert!(m.epochs.is_empty());
    }

    #[test]
    fn an_inbox_not_listed_is_empty_and_garbage_an_error() {
        let m = Manifest::parse(&gz(LORE), "/netdev").expect("parses");
        assert!(m.is_empty());
        let err = Manifest::parse(b"<html>", "/x").expect_err("not json");
        assert!(err.contains("not a manifest"), "{err}");
    }

    #[test]
    fn url_path_of_urls() {
        assert_eq!(
            url_path("https://lore.kernel.org/linux-kbuild"),
            "/linux-kbuild"
        );
        assert_eq!(url_path("http://127.0.0.1:8080"), "");
    }
}
