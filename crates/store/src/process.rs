//! Running the user's commands (checks, event hooks) so that they can be
//! stopped whole: each runs in a process group of its own, and a time limit
//! or a cancel ends the group (TERM, then KILL after a grace period), not
//! just the shell, so a `make -j` under `sh -c` does not live on.

use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// Time between TERM and KILL.
pub const GRACE: Duration = Duration::from_secs(2);

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Exited with this status.
    Exited(i32),
    /// Killed by this signal (not by us).
    Signaled(i32),
    /// Killed by us: past its time limit.
    TimedOut,
    /// Killed by us: asked to stop.
    Cancelled,
}

/// Starts `cmd` in a new process group (on Unix).
pub fn spawn(cmd: &mut Command) -> std::io::Result<Child> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    cmd.spawn()
}

/// Sends TERM (or KILL with `hard`) to the process group `pgid`; a group
/// that is gone is not an error.
pub fn signal_group(pgid: u32, hard: bool) {
    #[cfg(unix)]
    {
        use rustix::process::{Pid, Signal, kill_process_group};
        if let Some(pid) = i32::try_from(pgid).ok().and_then(Pid::from_raw) {
            let sig = if hard { Signal::KILL } else { Signal::TERM };
            let _ = kill_process_group(pid, sig);
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (pgid, hard);
    }
}

/// Whether any process of group `pgid` is alive.
pub fn group_alive(pgid: u32) -> bool {
    #[cfg(unix)]
    {
        use rustix::process::{Pid, test_kill_process_group};
        i32::try_from(pgid)
            .ok()
            .and_then(Pid::from_raw)
            .is_some_and(|p| test_kill_process_group(p).is_ok())
    }
    #[cfg(not(unix))]
    {
        let _ = pgid;
        false
    }
}

/// Waits for `child` until it exits, `limit` passes or `cancel()` says so;
/// in the last two cases its group is stopped (TERM, [`GRACE`], KILL).
/// Whatever of the group outlives the main process is killed too.
pub fn wait(
    child: &mut Child,
    limit: Option<Duration>,
    cancel: &dyn Fn() -> bool,
) -> std::io::Result<Ended> {
    let started = Instant::now();
    let pgid = child.id();
    let mut pause = Duration::from_millis(2);
    let stopped_because = loop {
        if let Some(status) = child.try_wait()? {
            signal_group(pgid, true);
            return Ok(ended(status));
        }
        if cancel() {
            break Ended::Cancelled;
        }
        if limit.is_some_and(|l| started.elapsed() >= l) {
            break Ended::TimedOut;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    };
    signal_group(pgid, false);
    let term_sent = Instant::now();
    while term_sent.elapsed() < GRACE {
        if child.try_wait()?.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    signal_group(pgid, true);
    let _ = child.kill();
    child.wait()?;
    Ok(stopped_because)
}

fn ended(status: ExitStatus) -> Ended {
    if let Some(code) = status.code() {
        return Ended::Exited(code);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return Ended::Signaled(sig);
        }
    }
    Ended::Exited(-1)
}
