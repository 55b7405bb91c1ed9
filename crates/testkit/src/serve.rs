//! Real git servers on loopback for the sync tests, started and stopped by
//! the test: `git daemon` for git://, and a small HTTP server that runs
//! `git http-backend` (CGI) under the URLs lore uses (`/LIST/N` for epoch N,
//! `/LIST/manifest.js.gz`), and can cut a pack off halfway on purpose.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Whether `git daemon` and `git http-backend` are installed; prints why not.
pub fn available() -> bool {
    let exec_path = Command::new("git").arg("--exec-path").output();
    let Ok(out) = exec_path else {
        eprintln!("skipped: git is not installed");
        return false;
    };
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    for tool in ["git-daemon", "git-http-backend"] {
        if !dir.join(tool).is_file() {
            eprintln!(
                "skipped: {tool} is missing from {} (install git's full package)",
                dir.display()
            );
            return false;
        }
    }
    true
}

fn git(args: &[&str], dir: &Path) -> String {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Epoch numbers of the v2 inbox at `inbox`.
pub fn epochs(inbox: &Path) -> Vec<u32> {
    let mut out: Vec<u32> = std::fs::read_dir(inbox.join("git"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .strip_suffix(".git")?
                        .parse::<u32>()
                        .ok()
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn wait_for_port(port: u16, child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        if child.try_wait().ok().flatten().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// `git daemon` serving `served/` (see [`link_epochs`]); killed on drop.
pub struct GitDaemon {
    child: Child,
    pub port: u16,
}

impl GitDaemon {
    pub fn start(served: &Path) -> GitDaemon {
        std::fs::create_dir_all(served).expect("mkdir served");
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new("git")
                .arg("daemon")
                .args([
                    "--reuseaddr",
                    "--export-all",
                    "--informative-errors",
                    "--listen=127.0.0.1",
                ])
                .arg(format!("--port={port}"))
                .arg(format!("--base-path={}", served.display()))
                .arg(served)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start git daemon");
            if wait_for_port(port, &mut child) {
                return GitDaemon { child, port };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("git daemon did not start");
    }

    /// `git://127.0.0.1:PORT/LIST`.
    pub fn url(&self, list: &str) -> String {
        format!("git://127.0.0.1:{}/{list}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes `served/LIST/N` name `inbox/git/N.git` for every epoch, so
/// `git daemon` answers `git://.../LIST/N` the way lore does.
pub fn link_epochs(served: &Path, list: &str, inbox: &Path) {
    let dir = served.join(list);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for n in epochs(inbox) {
        let link = dir.join(n.to_string());
        if !link.exists() {
            std::os::unix::fs::symlink(inbox.join(format!("git/{n}.git")), &link).expect("symlink");
        }
    }
}

/// What the HTTP server does; tests flip these while it runs.
pub struct HttpState {
    /// Inboxes live at `root/LIST/git/N.git` (v2) or `root/LIST` (v1).
    root: PathBuf,
    /// Serve `/LIST/manifest.js.gz` (else 404, so clients probe).
    pub manifest: AtomicBool,
    /// Send only the first half of every pack, then hang up.
    pub cut_pack: AtomicBool,
    /// `METHOD /path?query` of every request, in order.
    pub log: Mutex<Vec<String>>,
}

/// `git http-backend` behind a tiny HTTP/1.1 server; stops on drop.
pub struct HttpServer {
    pub port: u16,
    pub state: Arc<HttpState>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HttpServer {
    pub fn start(root: &Path) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let state = Arc::new(HttpState {
            root: root.to_path_buf(),
            manifest: AtomicBool::new(true),
            cut_pack: AtomicBool::new(false),
            log: Mutex::new(Vec::new()),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = state.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let state = state.clone();
                            std::thread::spawn(move || {
                                let _ = handle(stream, &state);
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        HttpServer {
            port,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/LIST`.
    pub fn url(&self, list: &str) -> String {
        format!("http://127.0.0.1:{}/{list}", self.port)
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.log.lock().expect("log").clone()
    }

    pub fn clear_log(&self) {
        self.state.log.lock().expect("log").clear();
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn handle(stream: TcpStream, state: &HttpState) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if let Some(len) = header("content-length").and_then(|l| l.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    } else if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    state
        .log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(format!("{method} {target}"));
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut out = stream;
    let segments: Vec<&str> = path.trim_start_matches('/').splitn(3, '/').collect();
    let list = segments.first().copied().unwrap_or_default();
    if segments.get(1) == Some(&"manifest.js.gz") {
        if state.manifest.load(Ordering::Relaxed) {
            let body = manifest(&state.root, list);
            return respond(
                &mut out,
                "200 OK",
                &[("Content-Type", "application/gzip")],
                &body,
                false,
            );
        }
        return respond(&mut out, "404 Not Found", &[], b"no manifest\n", false);
    }
    let epoch = segments.get(1).and_then(|s| s.parse::<u32>().ok());
    let path_info = match epoch {
        Some(n) if state.root.join(format!("{list}/git/{n}.git")).is_dir() => {
            format!("/{list}/git/{n}.git/{}", segments.get(2).unwrap_or(&""))
        }
        Some(_) => String::new(),
        None if state.root.join(list).join("HEAD").is_file() => path.to_string(),
        None => String::new(),
    };
    if path_info.is_empty() {
        return respond(
            &mut out,
            "404 Not Found",
            &[],
            b"no such repository\n",
            false,
        );
    }
    // Only a response carrying a pack is cut: with protocol v2, listing
    // refs is a POST to the same endpoint.
    let cut = method == "POST"
        && path.ends_with("/git-upload-pack")
        && find(&body, b"command=ls-refs").is_none()
        && state.cut_pack.load(Ordering::Relaxed);
    cgi(
        &mut out, state, &method, &path_info, query, &headers, body, cut,
    )
}

#[allow(clippy::too_many_arguments)]
fn cgi(
    out: &mut TcpStream,
    state: &HttpState,
    method: &str,
    path_info: &str,
    query: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
    cut: bool,
) -> std::io::Result<()> {
    let mut cmd = Command::new("git");
    cmd.arg("http-backend")
        .env("GIT_PROJECT_ROOT", &state.root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PATH_INFO", path_info)
        .env("REQUEST_METHOD", method)
        .env("QUERY_STRING", query)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("CONTENT_LENGTH", body.len().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in headers {
        match k.as_str() {
            "content-type" => {
                cmd.env("CONTENT_TYPE", v);
            }
            "git-protocol" => {
                cmd.env("GIT_PROTOCOL", v);
            }
            _ => {
                cmd.env(
                    format!("HTTP_{}", k.to_ascii_uppercase().replace('-', "_")),
                    v,
                );
            }
        }
    }
    let mut child = cmd.spawn()?;
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let mut output = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_end(&mut output)?;
    let _ = writer.join();
    let _ = child.wait();
    let split = find(&output, b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| find(&output, b"\n\n").map(|i| (i, 2)));
    let Some((end, sep)) = split else {
        return respond(out, "502 Bad Gateway", &[], b"bad cgi output\n", false);
    };
    let head = String::from_utf8_lossy(&output[..end]).into_owned();
    let mut status = "200 OK".to_string();
    let mut fwd: Vec<(String, String)> = Vec::new();
    for l in head.lines() {
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("status") {
                status = v.trim().to_string();
            } else {
                fwd.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    let fwd: Vec<(&str, &str)> = fwd.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    respond(out, &status, &fwd, &output[end + sep..], cut)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Writes a response; with `cut`, only half the body, then hangs up as a
/// server dying mid-transfer would.
fn respond(
    out: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    cut: bool,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    out.write_all(head.as_bytes())?;
    if cut {
        out.write_all(&body[..body.len() / 2])?;
        out.flush()?;
        let _ = out.shutdown(Shutdown::Both);
        return Ok(());
    }
    out.write_all(body)?;
    out.flush()
}

/// A grokmirror manifest of the inbox `list` under `root`, gzipped, with
/// each epoch's fingerprint (SHA-1 of `git show-ref`), as public-inbox
/// writes it.
pub fn manifest(root: &Path, list: &str) -> Vec<u8> {
    use sha1::Digest;
    let mut entries = BTreeMap::new();
    for n in epochs(&root.join(list)) {
        let dir = root.join(format!("{list}/git/{n}.git"));
        let refs = git(&["show-ref"], &dir);
        let digest = sha1::Sha1::digest(refs.as_bytes());
        let fingerprint: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        entries.insert(
            format!("/{list}/git/{n}.git"),
            serde_json::json!({
                "description": format!("{list} [epoch {n}]"),
                "fingerprint": fingerprint,
                "modified": 1_704_067_200,
                "owner": null,
                "reference": null,
            }),
        );
    }
    let json = serde_json::to_vec(&entries).expect("json");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&json).expect("gzip");
    gz.finish().expect("gzip")
}

/// `git rev-parse REF` in a bare repository.
pub fn rev_parse(git_dir: &Path, r: &str) -> String {
    git(&["rev-parse", r], git_dir).trim().to_string()
}

/// `git fsck` passes: every ref points at objects that are all there.
pub fn fsck(git_dir: &Path) {
    git(&["fsck", "--no-dangling", "--no-progress"], git_dir);
}
