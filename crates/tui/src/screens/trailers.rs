//! The trailer summary of a revision: per patch, every collected trailer
//! with where it came from (the patch, a reply, the cover letter, carried
//! from an earlier revision), and the suspicious ones (naming someone else
//! than their sender) set apart. Built from the series model on the UI
//! thread: it is a few hundred lines at most and needs no I/O.

use crate::ui::pager::PagerLine;
use crate::ui::{clean, date, person_name};
use putt_core::series::{CollectedTrailer, Revision, Series, Via};

/// The summary's lines.
pub fn lines(series: &Series, rev: &Revision) -> Vec<PagerLine> {
    let mut out = Vec::new();
    let c = rev.counts();
    out.push(
        PagerLine::new("count.acked", format!("Acked {}", c.acked))
            .push("normal", "  ")
            .push("count.reviewed", format!("Reviewed {}", c.reviewed))
            .push("normal", "  ")
            .push("count.tested", format!("Tested {}", c.tested))
            .push("normal", "  ")
            .push(
                if c.nacked > 0 { "nak" } else { "normal" },
                format!("Nacked {}", c.nacked),
            )
            .push(
                "list.dim",
                format!(
                    "   (people, over {} of {} patches)",
                    rev.received(),
                    rev.total
                ),
            ),
    );
    if !rev.missing.is_empty() {
        out.push(PagerLine::new(
            "state.waiting",
            format!(
                "Missing: {}",
                rev.missing
                    .iter()
                    .map(|n| format!("{n}/{}", rev.total))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    out.push(PagerLine::blank());
    if !rev.cover_trailers.is_empty() {
        out.push(PagerLine::new(
            "header.name",
            "Cover letter (these apply to every patch)",
        ));
        for t in &rev.cover_trailers {
            out.extend(trailer_lines(t, false, rev.version));
        }
        out.push(PagerLine::blank());
    }
    for p in &rev.patches {
        let mut head = PagerLine::new("header.name", clean(&p.mail.subject));
        if p.inherited {
            head = head.push("list.dim", "  (unchanged, from an earlier revision)");
        }
        out.push(head);
        let mut any = false;
        for t in &p.own_trailers {
            out.push(
                PagerLine::new("trailer", format!("  {}: {}", t.name, clean(&t.value)))
                    .push("list.dim", "  (in the patch)"),
            );
            any = true;
        }
        for t in p.trailers.iter().filter(|t| t.via != Via::Cover) {
            out.extend(trailer_lines(t, false, rev.version));
            any = true;
        }
        for t in &p.someone_else {
            out.extend(trailer_lines(t, true, rev.version));
            any = true;
        }
        if !any {
            out.push(PagerLine::new("list.dim", "  (none)"));
        }
    }
    if rev.patches.is_empty() {
        out.push(PagerLine::new(
            "list.dim",
            format!("No patches of {} arrived.", clean(&series.subject)),
        ));
    }
    out
}

fn trailer_lines(t: &CollectedTrailer, suspicious: bool, version: u32) -> Vec<PagerLine> {
    let via = match t.via {
        Via::Patch => "in the patch".to_string(),
        Via::Reply => "reply".to_string(),
        Via::Cover => "reply to the cover".to_string(),
        Via::Carried if t.version != version => format!("carried from v{}", t.version),
        Via::Carried => "carried".to_string(),
    };
    let sender = clean(person_name(&t.sender));
    if suspicious {
        vec![
            PagerLine::new(
                "trailer.suspicious",
                format!("? {}: {}", t.trailer.name, clean(&t.trailer.value)),
            ),
            PagerLine::new(
                "trailer.suspicious",
                format!(
                    "      sent by {sender} {}: names someone else, not applied",
                    date(t.date)
                ),
            ),
        ]
    } else {
        vec![
            PagerLine::new(
                "trailer",
                format!("  {}: {}", t.trailer.name, clean(&t.trailer.value)),
            ),
            PagerLine::new(
                "list.dim",
                format!("      {via} · {sender} · {}", date(t.date)),
            ),
        ]
    }
}
