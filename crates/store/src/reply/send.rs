//! Handing a finished mail to the outside: the user's sendmail-style
//! command, or, when none is configured, an mbox in the data dir that any
//! mail client (or `git send-email --dry-run`) can pick up later.
//!
//! A failed send is reported with the command's exit status and what it
//! wrote on stderr; nothing is deleted here, so the caller keeps the draft.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::Draft;
use crate::config::SendConfig;
use crate::error::{Error, Result};

/// At most this much of a failing command's output is kept for the error.
const MAX_STDERR: usize = 4096;

/// Where mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendOptions {
    /// Run with `sh -c`, the message on stdin (`msmtp -t`, `sendmail -t -oi`).
    pub command: Option<String>,
    /// Appended to when there is no command.
    pub outbox: PathBuf,
}

impl SendOptions {
    /// `[send] command`, else `<data dir>/outbox.mbox`.
    pub fn new(config: &SendConfig, data_dir: &Path) -> SendOptions {
        SendOptions {
            command: config
                .command
                .as_ref()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
            outbox: data_dir.join("outbox.mbox"),
        }
    }
}

/// What became of a mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum SendOutcome {
    /// The send command took it and exited 0.
    Sent { message_id: String, command: String },
    /// No send command: appended to the outbox mbox.
    Queued { message_id: String, path: PathBuf },
}

impl SendOutcome {
    /// One line for a status bar or the terminal.
    pub fn describe(&self) -> String {
        match self {
            SendOutcome::Sent {
                message_id,
                command,
            } => format!("sent <{message_id}> with `{command}`"),
            SendOutcome::Queued { message_id, path } => format!(
                "no [send] command configured: <{message_id}> appended to {}",
                path.display()
            ),
        }
    }
}

/// Sends a draft: checks it, writes it as RFC 5322 and hands it over.
pub fn send(draft: &Draft, opts: &SendOptions) -> Result<SendOutcome> {
    let bytes = draft.to_bytes()?;
    match &opts.command {
        Some(command) => {
            run_command(command, &bytes)?;
            Ok(SendOutcome::Sent {
                message_id: draft.message_id.clone(),
                command: command.clone(),
            })
        }
        None => {
            append_mbox(&opts.outbox, &bytes, &draft.from.addr, draft.date)?;
            Ok(SendOutcome::Queued {
                message_id: draft.message_id.clone(),
                path: opts.outbox.clone(),
            })
        }
    }
}

/// Runs `command` with `message` on stdin; success is exit status 0 after
/// reading the whole message.
fn run_command(command: &str, message: &[u8]) -> Result<()> {
    let failed = |status: String, stderr: String| Error::Send {
        command: command.to_string(),
        status,
        stderr,
        draft: None,
    };
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("could not start `sh`: {e}"), String::new()))?;
    // Feed stdin from a thread: a command that writes a lot before reading
    // would otherwise deadlock against us.
    let stdin = child.stdin.take();
    let message = message.to_vec();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        match stdin {
            Some(mut s) => s.write_all(&message),
            None => Ok(()),
        }
    });
    let out = child
        .wait_with_output()
        .map_err(|e| failed(format!("could not wait for it: {e}"), String::new()))?;
    let written = writer
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("the thread feeding it panicked")));
    let mut text = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if text.is_empty() {
        text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    }
    if text.len() > MAX_STDERR {
        let cut = (0..=MAX_STDERR)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push_str(" [...]");
    }
    if !out.status.success() {
        let status = match out.status.code() {
            Some(code) => format!("exit status {code}"),
            None => format!("killed: {}", out.status),
        };
        return Err(failed(status, text));
    }
    if let Err(e) = written {
        return Err(failed(
            format!("exit status 0 but it did not read the whole message ({e})"),
            text,
        ));
    }
    Ok(())
}

/// Appends one message to an mboxrd file: a `From ` separator line, the
/// message with `From ` lines escaped (`>From `, `>>From ` ...), a blank
/// line; synced before returning so a crash cannot lose it.
pub fn append_mbox(
    path: &Path,
    message: &[u8],
    envelope_from: &str,
    date: DateTime<FixedOffset>,
) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let mut out = Vec::with_capacity(message.len() + 128);
    // A file someone else wrote may not end in a blank line yet.
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len > 0 {
        let mut tail = [0u8; 2];
        let n = len.min(2) as usize;
        file.seek(SeekFrom::End(-(n as i64)))
            .and_then(|_| file.read_exact(&mut tail[..n]))
            .map_err(|e| Error::io(path, e))?;
        let tail = &tail[..n];
        if tail != b"\n\n" {
            out.push(b'\n');
            if !tail.ends_with(b"\n") {
                out.push(b'\n');
            }
        }
    }
    out.extend_from_slice(&mbox_entry(message, envelope_from, date));
    file.write_all(&out).map_err(|e| Error::io(path, e))?;
    file.sync_all().map_err(|e| Error::io(path, e))?;
    Ok(())
}

/// One mboxrd entry: the `From ` line, the message with `From ` lines
/// escaped, a closing blank line.
pub fn mbox_entry(message: &[u8], envelope_from: &str, date: DateTime<FixedOffset>) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    let sender = if super::encode::valid_addr(envelope_from) {
        envelope_from
    } else {
        "MAILER-DAEMON"
    };
    let when = date
        .with_timezone(&chrono::Utc)
        .format("%a %b %e %H:%M:%S %Y");
    crate::mbox::push_mboxrd(&mut out, &format!("From {sender} {when}\n"), message);
    out
}
