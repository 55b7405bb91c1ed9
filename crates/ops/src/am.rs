//! `putt am` and the TUI's export: a revision as an mbox for `git am`, with
//! the trailers reviewers sent, under the options the user's flags and the
//! config's `[apply]` give.

use std::path::{Path, PathBuf};

pub use putt_store::apply::{
    AmOptions, AmOutput, AmPatch, AmWarning, DEFAULT_LINK, LeftOutWhy, cover_path, file_name,
};

use putt_core::series::{Revision, Series};
use putt_store::apply;
use putt_store::config::Config;
use putt_store::index::Index;

use crate::error::{Error, Result};

/// What the user asked for, flag by flag; the config's `[apply]` adds its
/// own `add_sob` and `add_link`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AmFlags {
    /// The applier's `Signed-off-by:` last.
    pub add_sob: bool,
    /// `Link:` to each patch.
    pub add_link: bool,
    /// An incomplete revision: the patches that arrived.
    pub partial: bool,
    /// Trailers naming someone other than their sender, or holding hidden
    /// characters, too.
    pub all_trailers: bool,
    /// No collected trailers: the patches as sent.
    pub no_trailers: bool,
    /// The cover letter too, apart.
    pub cover: bool,
}

/// The options for [`apply::am_revision`]; `repo` is where git's identity
/// is read when the config has no `[identity]` (the tree applied to, or
/// the current directory).
pub fn options(config: &Config, flags: &AmFlags, repo: Option<&Path>) -> Result<AmOptions> {
    let conf = &config.apply;
    let signoff = if flags.add_sob || conf.add_sob {
        let me = match &config.identity {
            Some(id) => Some(format!("{} <{}>", id.name, id.email)),
            None => apply::git_signer(repo),
        };
        Some(me.ok_or(Error::NoSigner)?)
    } else {
        None
    };
    let link = (flags.add_link || conf.add_link).then(|| {
        conf.link
            .clone()
            .unwrap_or_else(|| apply::DEFAULT_LINK.into())
    });
    Ok(AmOptions {
        cover: flags.cover,
        signoff,
        link,
        partial: flags.partial,
        all_trailers: flags.all_trailers,
        no_trailers: flags.no_trailers,
    })
}

/// The mbox of `rev` of `series`.
pub fn mbox(
    index: &Index,
    config: &Config,
    series: &Series,
    rev: &Revision,
    flags: &AmFlags,
    repo: Option<&Path>,
) -> Result<AmOutput> {
    let opts = options(config, flags, repo)?;
    Ok(apply::am_revision(index, series, rev, &opts)?)
}

/// What [`write`] wrote where.
#[derive(Debug, Clone)]
pub struct Written {
    pub mbox: PathBuf,
    /// The cover letter's file, when one was asked for and there is one.
    pub cover: Option<PathBuf>,
}

/// Writes an mbox at `path` (default: `NAME.mbx` here), and the cover
/// letter beside it as `NAME.cover` when it has one.
pub fn write(out: &AmOutput, path: Option<&Path>) -> Result<Written> {
    let path = path.map_or_else(
        || PathBuf::from(format!("{}.mbx", out.name)),
        Path::to_path_buf,
    );
    putt_store::files::write(&path, &out.mbox)?;
    let cover = match &out.cover {
        Some(bytes) => {
            let p = apply::cover_path(&path);
            putt_store::files::write(&p, bytes)?;
            Some(p)
        }
        None => None,
    };
    Ok(Written { mbox: path, cover })
}
