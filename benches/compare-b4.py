#!/usr/bin/env python3
"""Compare `putt am` with `b4 am` on the series of a real public-inbox archive.

For each revision picked, both tools write an am-ready mbox from the same
mail; each mbox is read back the way `git am` reads it (`git mailsplit`,
`git mailinfo -u`, the commit message cleaned up as `git am` does) and the
two are compared patch by patch: the same patches in the same order (author,
subject, date, commit message, diff), the same trailers in the same order.

Every difference is put in a class that says why the tools differ (CLASSES
below). Each commit message is set against the message as sent (git
mailinfo of the patch mail): putt must only add lines; what b4 moves, drops
or rewrites is named; each trailer one tool adds and the other does not is
traced to the message it came from (b4 runs with -d, whose log names each
trailer's origin; putt's `series show --json` names each collected
trailer's message and how it got there) and classed by where that message
sits (a reply to a later revision, another series, a patch inside a reply
...). The figures are printed, with an example Message-ID per class.

Usage (from the repository root; b4 in a virtualenv: `python3 -m venv V &&
V/bin/pip install b4`):

    cargo build --release
    python3 benches/compare-b4.py --putt target/release/putt \\
        --inbox /path/to/linux-kbuild --b4-python V/bin/python \\
        --work /tmp/cmp-b4 [--others 300] [--seed 1] [--jobs 2] [--sob-link]

`--index-dir DIR` reuses a putt index (made or brought up to date).
`--only KEY` (`SERIES:VERSION`, repeatable; report in WORK/report-only.json)
reruns single cases, `--max N` takes N cases at random; `--keep` keeps the
files of identical cases too (those that differ are always kept under
WORK/cases: both mboxes, the thread, b4's log); `--reuse` takes b4's output
from an earlier run in WORK and runs only putt again (after a change to
putt). The summary goes to stdout and every case, with what differs, to
WORK/report.json. linux-kbuild (31,699 messages, 926 revisions) takes about
45 minutes on two cores, 2 with `--reuse`.

What is compared (the choices that make the two comparable):

- Which revisions: every complete revision of more than one patch that
  received trailers (on a patch or on the cover letter), plus `--others`
  complete revisions picked at random (seeded) among the rest (single
  patches, series without review). Left out: pull requests, revisions whose
  version number appears twice in one series (`-v N` cannot name one of
  them to either tool), incomplete revisions (putt refuses them without
  `--partial`; b4 writes them with a warning).
- The same mail: b4 gets the thread of the revision (every message of the
  thread putt finds, the `t.mbox.gz` lore would serve) as a maildir (`-m`;
  exact bytes, no mbox `From ` escaping), read in arrival order (the
  archive's commit order, as public-inbox serves a thread: b4 collects
  follow-up trailers in the order it reads the messages), and the
  revision's cover letter (or first patch) as MSGID, with `-v N`. Online, b4 also asks lore for
  `patchid:` matches of the revision's patches to carry trailers from
  earlier revisions in other threads; this script answers that query from
  the same archive (putt's `patchid:` search, whole threads), so b4 does what
  it would do against lore, without the network. `--pure-offline` runs
  b4 with `--offline-mode` instead (then b4 carries nothing from other
  threads, and putt does).
- The same options: b4's defaults against putt's (`b4 am` adds the
  trailers sent in reply, leaves out those whose address is not their
  sender's, adds no `Link:` and no sign-off). `--sob-link` runs `b4 am -l -s`
  against `putt am -l -s` with the same identity (a throw-away git config)
  and b4's `linkmask` set to putt's default template
  (`https://patch.msgid.link/%s`, b4's default too). b4 runs with its
  attestation (DKIM) checks off: they make network queries and change only
  what b4 prints, never the mbox.
"""

import argparse
import collections
import difflib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

# ---------------------------------------------------------------------------
# Difference classes: the key, then why the tools differ. A case can be in
# several classes (one per kind of difference it shows).

CLASSES = {
    "identical": "the same commits: author, date, subject, message, diff, in the same order",
    # Runs that did not give two mboxes.
    "putt-failed": "putt am failed",
    "b4-failed": "b4 am wrote no mbox: it finds no such revision in the thread (patches "
                 "sent unthreaded, which putt joins to their cover by author, version and "
                 "time; a [RFC/RFT,V2 0/3] subject b4 cannot read)",
    # Which patches.
    "patches-putt-only": "patches in putt's mbox only (b4 gave their slot to another patch, "
                         "or split the posting by per-patch [v2] tags)",
    "patches-b4-only": "patches in b4's mbox only: b4 fills a revision's slots by version "
                       "number and takes another series' patch sent in the same thread",
    "patch-order": "the same patches in another order",
    # What git am takes from the mail.
    "attached-patch": "the mail carries the patch as an attachment: b4 takes the diff (and "
                      "a whole format-patch mail's commit) from the attachment, putt reads "
                      "the mail as git am does (the text part's message, every diff in it)",
    "second-inbody-from": "the mail has two in-body From: lines: git am (and putt) take the "
                          "first as the author and keep the second in the message; b4's mbox "
                          "makes git am take the second",
    "author": "another author",
    "subject": "another subject",
    "date": "another date",
    "diff": "another diff: b4 does not undo format=flowed space-stuffing, so its patch "
            "does not apply; putt's is git mailinfo's",
    "diff-bytes": "the same diff to git patch-id --verbatim with other bytes: a signature "
                  "part (S/MIME, PGP) after the diff, kept by git mailinfo (and putt), "
                  "dropped by b4; git apply ignores it",
    "notes": "other notes below the --- line (not in the commit): b4 drops the blank lines "
             "after ---, escapes From lines",
    # What b4 does to the message as sent (putt only adds trailer lines).
    "putt-edits-message": "putt changed a line of the message as sent (must not happen)",
    "b4-moves-notes": "b4 moves notes out of the trailer block ([ note ], [1]: URL lines "
                      "among the sign-offs) above it, behind a blank line; putt leaves the "
                      "block as sent",
    "b4-reorders-trailers": "b4 reorders trailers the patch already has",
    "b4-rewrites-trailer": "b4 rewrites a trailer the patch has: Cc: <addr> as Cc: addr, "
                           "drops a (powerpc) scope, mangles a # comment",
    "b4-drops-line": "b4 drops a line of the message it does not take for a trailer "
                     "(Fixes: Fixes: ...)",
    "b4-escapes-from": "b4 writes >From for a message line starting From (the commit changes)",
    "blank-lines": "only blank lines differ: the last paragraph mixes prose and a sign-off, "
                   "so git sees no trailer block there and putt starts one after a blank "
                   "line (as git interpret-trailers and git am -s do); b4 splits the "
                   "sign-off off the prose",
    # Trailers added.
    "trailer-order": "the same trailers added in another order",
    "trailer-written-differently": "one trailer written two ways: putt writes the usual "
                                   "name (Reviewed-by for Reviewed-By, Nacked-by for "
                                   "NAKed-by), one space before a # note, keeps a (scope)",
    "b4-only:from-a-later-revision": "b4 carries a trailer given to a later revision back "
                                     "to this one (same patch-id); putt never carries back",
    "b4-only:from-an-earlier-revision": "b4 carries from an earlier revision, putt does not",
    "b4-only:from-a-series-putt-keeps-apart": "b4 carries by patch-id from a series of the "
                                              "same author that putt does not link as a "
                                              "revision (its subject changed)",
    "b4-only:from-another-authors-series": "b4 carries by patch-id from the same patch "
                                           "posted in another author's series",
    "b4-only:trailer-of-a-patch-in-a-reply": "b4 takes the trailers of a patch someone sent "
                                             "inside a reply (its Signed-off-by, Link:)",
    "b4-only:footnote-link": "b4 takes a footnote link (Link: URL [1]) in a reply for a trailer",
    "b4-only:putt-reads-no-trailer-there": "b4 takes prose or pasted output for a trailer "
                                           "(Again: Tested-by:, Acked:, a comma in the "
                                           "address, b4's own output quoted)",
    "b4-only:someone-else": "b4 applies a trailer naming someone else than its sender, "
                            "picked up from a reply between the follow-up and the patch",
    "b4-only:same-person-already-in-patch": "b4 adds a second trailer of a kind and address "
                                            "the patch already has, written otherwise",
    "b4-only:second-copy": "b4 adds a second trailer of a kind and address putt already adds",
    "b4-only:no-origin": "b4 adds a line its log gives no origin for",
    "b4-only:signed-off-by-from-a-reply": "b4 adds a Signed-off-by: sent in a reply; putt "
                                          "never does (only those handling the patch sign "
                                          "it off, in the patch)",
    "b4-only:other": "b4 adds a trailer from a reply to this revision that putt does not apply",
    "putt-only:carried-from-a-reply-to-a-reply": "putt carries a cover letter trailer sent "
                                                 "as a reply to a reply; b4's patch-id lookup "
                                                 "stops at that reply and finds no patch under it",
    "putt-only:carried": "putt carries a trailer from an earlier revision, b4 does not",
    "putt-only:cover-letter-sent-as-a-reply": "the cover letter was sent in reply to the "
                                              "older revision: b4 walks past it and gives its "
                                              "trailers to the older revision",
    "putt-only:cover-through-a-missing-message": "a reply between the follow-up and the "
                                                 "cover is not in the archive: b4 follows "
                                                 "In-Reply-To only, putt References too",
    "putt-only:cover": "putt applies a cover letter trailer, b4 does not",
    "putt-only:reply-no-space-after-colon": "the reviewer wrote Reviewed-by:Name (no space): "
                                            "git and putt take it, b4 wants a space",
    "putt-only:reply": "putt applies a trailer from a reply, b4 does not",
    "putt-only:other": "putt adds a trailer it has no record of collecting",
    "other": "a difference not classed (or the harness failed)",
}


# ---------------------------------------------------------------------------
# putt and the archive

class Putt:
    def __init__(self, exe, inboxes, index_dir, config, orders=None):
        self.base = [exe, "--quiet", "--config", config, "--index-dir", index_dir]
        for i in inboxes:
            self.base += ["--inbox", i]
        self.inboxes = inboxes
        self.catfiles = {}
        self.orders = orders if orders is not None else {}

    def run(self, *args, check=True, env=None):
        p = subprocess.run(self.base + list(args), capture_output=True, env=env)
        if check and p.returncode != 0:
            raise RuntimeError(
                f"putt {' '.join(args)}: exit {p.returncode}: {p.stderr.decode(errors='replace')}"
            )
        return p

    def json_lines(self, *args):
        out = self.run(*args).stdout.decode()
        return [json.loads(l) for l in out.splitlines() if l.strip()]

    def raw(self, inbox, epoch, blob):
        """The raw bytes of a message from its epoch's git repository."""
        key = (inbox, epoch)
        cat = self.catfiles.get(key)
        if cat is None:
            path = next(p for p in self.inboxes if os.path.basename(p.rstrip("/")) == inbox)
            gitdir = os.path.join(path, "git", f"{epoch}.git")
            cat = subprocess.Popen(
                ["git", "--git-dir", gitdir, "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            self.catfiles[key] = cat
        cat.stdin.write(blob.encode() + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            raise RuntimeError(f"blob {blob} not in {inbox} epoch {epoch}")
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)
        return data

    def arrival(self, inbox, epoch, blob):
        """Where a message sits in its archive (epoch, commit number): the
        order public-inbox serves a thread in (t.mbox.gz), the order b4
        reads follow-ups, and so their trailers, in."""
        key = f"{inbox}/{epoch}"
        if key not in self.orders:
            path = next(p for p in self.inboxes if os.path.basename(p.rstrip("/")) == inbox)
            log = subprocess.run(
                ["git", "--git-dir", os.path.join(path, "git", f"{epoch}.git"), "log",
                 "--reverse", "--format=", "--raw", "--no-abbrev"],
                capture_output=True, check=True).stdout.decode()
            order = {}
            for line in log.splitlines():
                f = line.split()
                if len(f) >= 4 and f[3] not in order:
                    order[f[3]] = len(order)
            self.orders[key] = order
        return (epoch, self.orders[key].get(blob, 1 << 62))

    def thread_refs(self, msgid):
        """The messages (putt's JSON) of the thread holding msgid, in arrival order."""
        found = [l["message"] for l in self.json_lines("thread", msgid, "--json") if l.get("message")]
        found.sort(key=lambda m: self.arrival(m["inbox"], m["epoch"], m["blob"]))
        return found

    def raw_of(self, msgid):
        """The raw bytes of one message."""
        m = next(m for m in self.thread_refs(msgid) if m["message_id"] == msgid)
        return self.raw(m["inbox"], m["epoch"], m["blob"])

    def thread(self, msgid):
        """The raw messages of the thread holding msgid, in arrival order."""
        return [(m["message_id"], self.raw(m["inbox"], m["epoch"], m["blob"]))
                for m in self.thread_refs(msgid)]


def write_maildir(path, messages):
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    for i, (_, raw) in enumerate(messages):
        with open(os.path.join(path, "cur", f"{i:06d}.putt:2,S"), "wb") as f:
            f.write(raw)


# ---------------------------------------------------------------------------
# b4, run with lore's patchid: search answered from the archive

SHIM = "b4-shim"


def b4_shim(argv):
    """Runs `b4 ARGS` in this (b4's) interpreter, lore's search answered by putt."""
    import email.parser
    from email.message import EmailMessage

    import b4
    import b4.command

    putt = Putt(
        os.environ["CMP_PUTT"],
        json.loads(os.environ["CMP_INBOXES"]),
        os.environ["CMP_INDEX"],
        os.environ["CMP_CONFIG"],
        json.load(open(os.environ["CMP_ARRIVAL"])),
    )
    log = os.environ.get("CMP_SEARCH_LOG")

    def search(query, nocache=False, message=None, full_threads=True):
        ids = re.findall(r"patchid:([0-9a-f]{40})", query)
        if not ids or re.sub(r"patchid:[0-9a-f]{40}|\s+|OR", "", query):
            raise RuntimeError(f"the shim answers patchid: queries only: {query}")
        seen, found = set(), []
        hits = putt.json_lines("search", " OR ".join(f"patchid:{i}" for i in ids), "-n", "100000", "--json")
        for hit in hits:
            if hit["message_id"] in seen:
                continue
            todo = putt.thread_refs(hit["message_id"]) if full_threads else [hit]
            for m in todo:
                if m["message_id"] not in seen:
                    seen.add(m["message_id"])
                    found.append(m)
        # Lore's order is not known here; arrival order, as for threads.
        found.sort(key=lambda m: putt.arrival(m["inbox"], m["epoch"], m["blob"]))
        msgs = [
            email.parser.BytesParser(policy=b4.emlpolicy, _class=EmailMessage).parsebytes(
                putt.raw(m["inbox"], m["epoch"], m["blob"])
            )
            for m in found
        ]
        if log:
            with open(log, "a") as f:
                f.write(json.dumps({"query": query, "hits": len(hits), "messages": len(msgs)}) + "\n")
        return msgs or None

    def local_messages(path):
        # A maildir read in the order of its file names (the thread's
        # arrival order); mailbox.Maildir would list them in directory order.
        cur = os.path.join(path, "cur")
        return [
            email.parser.BytesParser(policy=b4.emlpolicy, _class=EmailMessage).parsebytes(
                open(os.path.join(cur, f), "rb").read()
            )
            for f in sorted(os.listdir(cur))
        ]

    b4.get_pi_search_results = search
    b4.get_msgs_from_mailbox_or_maildir = local_messages
    sys.argv = ["b4"] + argv
    b4.command.cmd()


# ---------------------------------------------------------------------------
# Reading an am mbox the way git am does

def git(args, input=None, cwd=None):
    p = subprocess.run(["git"] + args, input=input, capture_output=True, cwd=cwd)
    if p.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {p.stderr.decode(errors='replace')}")
    return p.stdout


def stripspace(text):
    """git am's clean-up of a commit message (strbuf_stripspace, no comments)."""
    out, blank = [], False
    for line in text.split("\n"):
        line = line.rstrip()
        if not line:
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(line)
    return "\n".join(out) + "\n" if out else ""


def read_am(mbox_path, tmp):
    """The commits `git am` would make from an mbox: dicts with mid, author,
    email, date, subject, message (the whole commit message), patch."""
    d = tempfile.mkdtemp(dir=tmp)
    n = int(git(["mailsplit", "-o" + d, mbox_path]).decode().strip() or 0)
    out = []
    for i in range(1, n + 1):
        path = os.path.join(d, f"{i:04d}")
        raw = open(path, "rb").read()
        head = raw.split(b"\n\n", 1)[0].decode(errors="replace")
        m = re.search(r"^Message-Id:\s*<([^>]+)>", head, re.I | re.M)
        info = git(
            ["-c", "i18n.commitEncoding=UTF-8", "mailinfo", "-u", os.path.join(d, "m"), os.path.join(d, "p")],
            input=raw,
        ).decode(errors="replace")
        fields = dict(
            (k, v) for k, _, v in (l.partition(": ") for l in info.splitlines()) if k
        )
        msg = open(os.path.join(d, "m"), "rb").read().decode(errors="replace")
        subject = fields.get("Subject", "")
        out.append(
            {
                "mid": m.group(1) if m else None,
                "author": fields.get("Author", ""),
                "email": fields.get("Email", ""),
                "date": fields.get("Date", ""),
                "subject": subject,
                "message": stripspace(subject + "\n\n" + msg),
                "patch": open(os.path.join(d, "p"), "rb").read(),
            }
        )
    shutil.rmtree(d)
    return out


def patch_id(patch, tmp):
    out = git(["patch-id", "--verbatim"], input=patch, cwd=tmp).split()
    return out[0].decode() if out else None


def when(date):
    import email.utils

    try:
        return email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return date


# ---------------------------------------------------------------------------
# One case

def run_case(ctx, case):
    key = case["key"]
    work = os.path.join(ctx.work, "cases", key.replace(":", "-v"))
    b4out = os.path.join(work, "b4")
    reuse = ctx.args.reuse and os.path.isfile(os.path.join(work, "b4.log"))
    if not reuse:
        shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work, exist_ok=True)
    result = {"key": key, "series": case["series"], "version": case["version"],
              "msgid": case["msgid"], "patches": case["total"], "classes": [], "details": []}
    try:
        # putt
        pmbox = os.path.join(work, "putt.mbx")
        flags = ["-s", "-l"] if ctx.args.sob_link else []
        p = ctx.putt.run("am", case["series"], "-v", str(case["version"]), "-o", pmbox, *flags,
                         check=False, env=ctx.env)
        if p.returncode != 0 or not os.path.exists(pmbox):
            result["classes"].append("putt-failed")
            result["details"].append(p.stderr.decode(errors="replace").strip()[-500:])
            return result
        # b4
        if not reuse:
            run_b4(ctx, case, work, b4out)
        mbx = [f for f in os.listdir(b4out) if f.endswith(".mbx")] if os.path.isdir(b4out) else []
        if len(mbx) != 1:
            result["classes"].append("b4-failed")
            log = open(os.path.join(work, "b4.log"), "rb").read()
            result["details"].append(log.decode(errors="replace").strip()[-500:])
            return result
        ours = read_am(pmbox, work)
        theirs = read_am(os.path.join(b4out, mbx[0]), work)
        ctx.origins = {t["mid"]: org for t, org in zip(theirs, b4_origins(work))}
        compare(ctx, case, ours, theirs, result, work)
    except Exception as e:  # a crash in the harness is a finding too
        result["classes"].append("other")
        result["details"].append(f"harness: {type(e).__name__}: {e}")
    if not result["classes"]:
        result["classes"].append("identical")
    if not ctx.args.keep and result["classes"] == ["identical"]:
        shutil.rmtree(work, ignore_errors=True)
    return result


def run_b4(ctx, case, work, b4out):
    """b4 am on the thread of the case, written to b4out, its output to b4.log."""
    maildir = os.path.join(work, "thread")
    shutil.rmtree(maildir, ignore_errors=True)
    write_maildir(maildir, ctx.putt.thread(case["msgid"]))
    # -d: the log names the message each trailer came from ("origin:").
    cmd = [ctx.args.b4_python, os.path.abspath(__file__), SHIM, "-d"]
    if ctx.args.pure_offline:
        cmd.append("--offline-mode")
    cmd += ["am", "-m", maildir, "-o", b4out, "-v", str(case["version"])]
    if ctx.args.sob_link:
        cmd += ["-l", "-s"]
    cmd.append(case["msgid"])
    env = dict(ctx.env, CMP_SEARCH_LOG=os.path.join(work, "searches.jsonl"))
    b = subprocess.run(cmd, capture_output=True, env=env)
    with open(os.path.join(work, "b4.log"), "wb") as f:
        f.write(b.stdout + b.stderr)


def split_patch(patch):
    """(notes, diff) of what git mailinfo leaves as the patch: the notes are
    the text before the first `diff `/`--- `/`Index: ` line (diffstat
    included), the diff the rest, trailing blank lines left out (b4 drops
    them, putt keeps the mail's, git apply ignores them)."""
    lines = patch.rstrip(b"\n").split(b"\n")
    for i, line in enumerate(lines):
        if line.startswith((b"diff ", b"--- ", b"Index: ")):
            return b"\n".join(lines[:i]), b"\n".join(lines[i:])
    return b"\n".join(lines), b""


def compare(ctx, case, ours, theirs, result, tmp):
    classes, details = set(), result["details"]
    o_mids = [o["mid"] for o in ours]
    t_mids = [t["mid"] for t in theirs]
    subj = {m["mid"]: m["subject"] for m in ours + theirs}
    if o_mids != t_mids:
        extra_o = [m for m in o_mids if m not in t_mids]
        extra_t = [m for m in t_mids if m not in o_mids]
        if extra_o:
            classes.add("patches-putt-only")
        if extra_t:
            classes.add("patches-b4-only")
        if not extra_o and not extra_t:
            classes.add("patch-order")
        details.append({"patches": {"putt": [f"<{m}> {subj[m]}" for m in o_mids],
                                    "b4": [f"<{m}> {subj[m]}" for m in t_mids]}})
    by_mid = {t["mid"]: t for t in theirs}
    for i, o in enumerate(ours, 1):
        t = by_mid.get(o["mid"])
        if t is None:
            continue
        where = f"{i}/{len(ours)} <{o['mid']}>"
        if o == dict(t, patch=o["patch"]) and split_patch(o["patch"]) == split_patch(t["patch"]):
            continue
        raw = ctx.putt.raw_of(o["mid"])
        if re.search(rb"(?im)^content-disposition:\s*attachment|^content-type:\s*text/x-(patch|diff)", raw):
            # b4 takes the patch from the attachment (and, when it is a
            # whole format-patch mail, the commit too); putt reads the mail
            # as git am does: the text part's message, the text part's and
            # the attachment's diff.
            classes.add("attached-patch")
            details.append({"where": where, "class": "attached-patch", "lines": []})
            continue
        if (o["author"], o["email"]) != (t["author"], t["email"]):
            first = next((l for l in o["message"].split("\n")[1:] if l.strip()), "")
            if re.match(r"(?i)^from:", first) and t["email"].lower() in first.lower():
                # The mail's second in-body From: (see putt's apply/mbox.rs).
                classes.add("second-inbody-from")
                details.append({"where": where, "class": "second-inbody-from", "lines": [first]})
                o = dict(o, author=t["author"], email=t["email"],
                         message=o["message"].replace(first + "\n\n", "", 1))
            else:
                classes.add("author")
                details.append(f"{where} author: putt {o['author']} <{o['email']}>, b4 {t['author']} <{t['email']}>")
        (on, od), (tn, td) = split_patch(o["patch"]), split_patch(t["patch"])
        if od != td:
            same = od and patch_id(od + b"\n", tmp) == patch_id(td + b"\n", tmp)
            classes.add("diff-bytes" if same else "diff")
            details.append({"where": where, "diff": {"putt": tail_diff(od, td), "b4": tail_diff(td, od)}})
        elif on != tn:
            classes.add("notes")
            details.append({"where": where, "notes": {"putt": on.decode(errors="replace"),
                                                      "b4": tn.decode(errors="replace")}})
        if o["message"] == t["message"]:
            continue
        orig = original_message(ctx, o["mid"], tmp)
        messages(ctx, case, o, t, orig, classes, details, where)
    result["classes"] = sorted(classes)


def tail_diff(a, b):
    """a from the first line where it differs from b, shortened."""
    al, bl = a.split(b"\n"), b.split(b"\n")
    i = 0
    while i < min(len(al), len(bl)) and al[i] == bl[i]:
        i += 1
    return f"line {i + 1}: " + b"\n".join(al[i:i + 4]).decode(errors="replace")[:400]


TRAILER_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)\s*:\s*(\S.*)$")


NAMES = {"naked-by": "nacked-by", "nak-by": "nacked-by", "nack-by": "nacked-by",
         "nak": "nacked-by", "nack": "nacked-by"}


def norm_trailer(line):
    """A trailer line compared loosely: the name without case (NAK spellings
    as one), then the address of a person, else the value without a
    `# note`, white space and case."""
    name, _, value = line.partition(":")
    name = name.strip().lower()
    name = NAMES.get(name, name)
    addr = re.search(r"<([^<>@\s]+@[^<>\s]+)>", value) or re.match(r"\s*([^<>@\s]+@[^<>\s]+)", value)
    if addr:
        return f"{name}: <{addr.group(1).lower()}>"
    value = value.split(" #")[0]
    return name + ": " + " ".join(value.split()).lower()


def original_message(ctx, mid, tmp):
    """The commit message git am makes of the patch as sent (mailinfo -u
    --scissors, as both tools run it)."""
    raw = ctx.putt.raw_of(mid)
    d = tempfile.mkdtemp(dir=tmp)
    info = git(["-c", "i18n.commitEncoding=UTF-8", "mailinfo", "-u", "--scissors",
                os.path.join(d, "m"), os.path.join(d, "p")],
               input=raw.replace(b"\r\n", b"\n")).decode(errors="replace")
    subject = next((l[9:] for l in info.splitlines() if l.startswith("Subject: ")), "")
    msg = open(os.path.join(d, "m"), "rb").read().decode(errors="replace")
    shutil.rmtree(d)
    return stripspace(subject + "\n\n" + msg)


class Edits:
    """What a tool did to the original message: lines added (in order),
    removed, moved (removed in one place, added in another) and rewritten
    (a removed line and an added one that say the same trailer)."""

    def __init__(self, orig, new):
        a = [l for l in orig.split("\n") if l.strip()]
        b = [l for l in new.split("\n") if l.strip()]
        added, removed = [], []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if tag in ("replace", "delete"):
                removed += a[i1:i2]
            if tag in ("replace", "insert"):
                added += b[j1:j2]
        moved = list((collections.Counter(added) & collections.Counter(removed)).elements())
        for m in moved:
            added.remove(m)
            removed.remove(m)
        rewritten = []
        for r in list(removed):
            twin = next((x for x in added if x != r and (
                norm_trailer(x) == norm_trailer(r) or x == ">" + r)), None)
            if twin is not None:
                rewritten.append((r, twin))
                removed.remove(r)
                added.remove(twin)
        self.added, self.removed, self.moved, self.rewritten = added, removed, moved, rewritten
        self.blank_lines = orig != new and not (added or removed or moved or rewritten)


def b4_origins(work):
    """b4's log (-d): per patch (in mbox order), the trailers it added with
    the message each came from."""
    log = open(os.path.join(work, "b4.log"), encoding="utf-8", errors="replace").read().split("\n")
    start = max((i for i, l in enumerate(log) if l.startswith("Analyzing trailer_map")), default=0)
    start = next((i for i in range(start, len(log)) if log[i] == "---"), len(log))
    out, cur = [], None
    for i in range(start + 1, len(log)):
        l = log[i]
        if l == "---":
            break
        if l.startswith("  [PATCH") or re.match(r"^  \S+ \[PATCH", l):
            cur = []
            out.append(cur)
        elif cur is not None and l.startswith("    + "):
            origin = None
            for j in (i + 1, i + 2):
                if j < len(log) and log[j].startswith("      origin: "):
                    origin = log[j][len("      origin: "):].strip()
            cur.append((l[6:], origin))
    return out


def messages(ctx, case, o, t, orig, classes, details, where):
    """The two commit messages against the original: what each tool did."""
    pe, be = Edits(orig, o["message"]), Edits(orig, t["message"])
    found = []
    # putt only adds lines.
    if pe.removed or pe.moved or pe.rewritten:
        found.append(("putt-edits-message", pe.removed + pe.moved + [r for r, _ in pe.rewritten]))
    # What b4 does to the message besides adding trailers.
    if be.moved:
        notes = [l for l in be.moved if not TRAILER_RE.match(l)]
        found.append(("b4-moves-notes" if notes else "b4-reorders-trailers", be.moved))
    for r, a in be.rewritten:
        found.append(("b4-escapes-from" if a == ">" + r else "b4-rewrites-trailer", [r, a]))
    for r in be.removed:
        found.append(("b4-drops-line", [r]))
    if pe.blank_lines != be.blank_lines or (not found and o["message"] != t["message"]
                                             and pe.added == be.added):
        blanks = lambda m: sum(1 for l in m.rstrip("\n").split("\n") if not l.strip())
        if blanks(t["message"]) - len(be.added) > blanks(o["message"]) - len(pe.added):
            # A blank line b4 puts between a note and the trailers below it.
            found.append(("b4-moves-notes", []))
        else:
            found.append(("blank-lines", []))
    # The trailers added.
    if pe.added != be.added:
        if collections.Counter(pe.added) == collections.Counter(be.added):
            found.append(("trailer-order", [pe.added, be.added]))
        else:
            only_p = list((collections.Counter(pe.added) - collections.Counter(be.added)).elements())
            only_b = list((collections.Counter(be.added) - collections.Counter(pe.added)).elements())
            # The same trailer written two ways.
            for p in list(only_p):
                twin = next((b for b in only_b if norm_trailer(b) == norm_trailer(p)), None)
                if twin is not None:
                    found.append(("trailer-written-differently", [p, twin]))
                    only_p.remove(p)
                    only_b.remove(twin)
            for line in only_b:
                found.append((why_b4_only(ctx, case, o["mid"], line, orig), [line]))
            for line in only_p:
                found.append((why_putt_only(ctx, case, o["mid"], line), [line]))
    for cls, lines in found:
        classes.add(cls)
        details.append({"where": where, "class": cls, "lines": lines})


# ---------------------------------------------------------------------------
# Why a trailer is added by one tool only

def series_json(ctx, series):
    if series not in ctx.series_cache:
        ctx.series_cache[series] = ctx.putt.json_lines("series", "show", series, "--json")[0]
    return ctx.series_cache[series]


def message_json(ctx, mid):
    if mid not in ctx.msg_cache:
        # Exit 1 and no output: not in the archive.
        out = ctx.putt.run("search", f"m:{mid}", "-n", "5", "--json", check=False).stdout.decode()
        hits = [json.loads(l) for l in out.splitlines() if l.strip()]
        ctx.msg_cache[mid] = next((h for h in hits if h["message_id"] == mid), None)
    return ctx.msg_cache[mid]


def revision_of(ctx, case, mid):
    """(version, slot) of the patch or cover letter of the case's series that
    the message is or answers (walking up its parents), or None."""
    s = series_json(ctx, case["series"])
    where = {}
    for r in s["revisions"]:
        if r.get("cover"):
            where[r["cover"]["message_id"]] = (r["version"], 0)
        for p in r["patches"]:
            where.setdefault(p["message_id"], (r["version"], p["counter"]))
    seen = set()
    while mid and mid not in seen:
        if mid in where:
            return where[mid]
        seen.add(mid)
        m = message_json(ctx, mid)
        mid = m and m.get("parent")
    return None


def putt_patch(ctx, case, mid):
    s = series_json(ctx, case["series"])
    for r in s["revisions"]:
        if r["version"] == case["version"]:
            for p in r["patches"]:
                if p["message_id"] == mid:
                    return r, p
    return None, None


def same_person_trailer(line, collected):
    """Whether a written trailer line and one of putt's collected trailers
    are the same kind about the same address."""
    m = TRAILER_RE.match(line)
    if not m:
        return False
    name, value = m.group(1).lower(), m.group(2)
    addr = re.search(r"<([^>]+)>", value)
    addr = (addr.group(1) if addr else value.split()[0]).lower()
    person = collected.get("person") or {}
    return collected["name"].lower() == name and (person.get("addr") or "").lower() == addr


def addr_of(text):
    m = re.search(r"<([^<>\s]+@[^<>\s]+)>", text or "") or re.search(r"(\S+@\S+)", text or "")
    return m.group(1).lower() if m else ""


def patch_under(ctx, mid):
    """The patch (a message with a diff, not a reply) a message is or
    answers, walking up its parents."""
    seen = set()
    while mid and mid not in seen:
        seen.add(mid)
        m = message_json(ctx, mid)
        if m is None:
            return None
        if m.get("patch_id") and not re.match(r"(?i)^\s*re:", m["subject"]):
            return m
        mid = m.get("parent")
    return None


def why_b4_only(ctx, case, mid, line, orig):
    if any(TRAILER_RE.match(l) and norm_trailer(l) == norm_trailer(line) for l in orig.split("\n")):
        return "b4-only:same-person-already-in-patch"
    origins = ctx.origins.get(mid, [])
    origin = next((org for l, org in origins if norm_trailer(l) == norm_trailer(line)), None)
    rev, patch = putt_patch(ctx, case, mid)
    if patch is not None and any(same_person_trailer(line, c) for c in patch.get("someone_else", [])):
        return "b4-only:someone-else"
    if origin is None:
        return "b4-only:no-origin"
    om = message_json(ctx, origin)
    if om is None:
        return "b4-only:origin-not-indexed"
    parsed = [f"{x['name']}: {x['value']}" for x in om.get("trailers", [])]
    inline_patch = om.get("patch_id") and re.match(r"(?i)^\s*re:", om["subject"])
    if inline_patch and not any(norm_trailer(p) == norm_trailer(line) for p in parsed):
        return "b4-only:trailer-of-a-patch-in-a-reply"
    if re.match(r"(?i)^signed-off-by:", line):
        return "b4-only:signed-off-by-from-a-reply"
    if not any(norm_trailer(p) == norm_trailer(line) for p in parsed):
        if om.get("patch_id"):
            return "b4-only:trailer-of-a-patch-in-a-reply"
        if re.match(r"^Link:\s*\S+\s+\[\d+\]", line):
            return "b4-only:footnote-link"
        return "b4-only:putt-reads-no-trailer-there"
    where = revision_of(ctx, case, origin)
    if where is None:
        src = patch_under(ctx, origin)
        rev = next(r for r in series_json(ctx, case["series"])["revisions"]
                   if r["version"] == case["version"])
        if src and addr_of(src["from"]) == addr_of(rev["author"]):
            return "b4-only:from-a-series-putt-keeps-apart"
        return "b4-only:from-another-authors-series"
    if where[0] > case["version"]:
        return "b4-only:from-a-later-revision"
    if patch is not None and any(same_person_trailer(line, c) for c in patch.get("trailers", [])):
        return "b4-only:second-copy"
    if where[0] < case["version"]:
        return "b4-only:from-an-earlier-revision"
    return "b4-only:other"


def why_putt_only(ctx, case, mid, line):
    rev, patch = putt_patch(ctx, case, mid)
    if patch is None:
        return "putt-only:other"
    c = next((c for c in patch.get("trailers", []) if same_person_trailer(line, c)
              or norm_trailer(line) == norm_trailer(f"{c['name']}: {c['value']}")), None)
    if c is None:
        return "putt-only:other"
    if c["via"] == "carried":
        # b4 finds carried trailers with a patchid: search; walking up from
        # a reply to a reply it stops at the first `Re: [PATCH 0/N]` and
        # looks for patches below that reply, finding none.
        parent = (message_json(ctx, c["message_id"]) or {}).get("parent")
        pm = message_json(ctx, parent) if parent else None
        if pm and re.match(r"(?i)^\s*re:", pm["subject"]):
            return "putt-only:carried-from-a-reply-to-a-reply"
        return "putt-only:carried"
    if c["via"] == "cover":
        cover = (rev.get("cover") or {}).get("message_id")
        cm = message_json(ctx, cover) if cover else None
        if cm and cm.get("parent"):
            return "putt-only:cover-letter-sent-as-a-reply"
        # A message between the follow-up and the cover that is not in the
        # archive: b4 follows In-Reply-To only, putt References too.
        m, seen = message_json(ctx, c["message_id"]), set()
        while m and m.get("parent") and m["parent"] != cover and m["message_id"] not in seen:
            seen.add(m["message_id"])
            m = message_json(ctx, m["parent"])
        if m is None:
            return "putt-only:cover-through-a-missing-message"
        return "putt-only:cover"
    if c["via"] == "reply":
        raw = ctx.putt.raw_of(c["message_id"]).decode(errors="replace")
        if re.search(r"(?im)^\s*" + re.escape(c["name"]) + r":[^\s]", raw):
            return "putt-only:reply-no-space-after-colon"
    return "putt-only:reply"


# ---------------------------------------------------------------------------
# Picking the revisions

def pick_cases(ctx):
    rows = ctx.putt.json_lines("series", "--all", "--json")
    firsts, others = [], []
    for row in rows:
        versions = collections.Counter(r["version"] for r in row["revisions"])
        if all(versions[r["version"]] > 1 for r in row["revisions"]):
            continue
        show = ctx.putt.json_lines("series", "show", row["id"], "--json")[0]
        for rev in show["revisions"]:
            if versions[rev["version"]] > 1 or rev.get("pull") or not rev["patches"]:
                continue
            if rev["missing"] or len(rev["patches"]) < rev["total"]:
                continue
            reviewed = bool(rev.get("cover_trailers")) or any(
                p.get("trailers") or p.get("someone_else") for p in rev["patches"]
            )
            msgid = (rev.get("cover") or {}).get("message_id") or rev["patches"][0]["message_id"]
            case = {
                "key": f"{row['id']}:{rev['version']}",
                "series": row["id"],
                "version": rev["version"],
                "msgid": msgid,
                "total": rev["total"],
                "reviewed": reviewed,
                "latest": not rev.get("superseded"),
            }
            (firsts if rev["total"] > 1 and reviewed else others).append(case)
    rnd = random.Random(ctx.args.seed)
    others.sort(key=lambda c: c["key"])
    sample = rnd.sample(others, min(ctx.args.others, len(others)))
    return firsts, sample, len(others)


# ---------------------------------------------------------------------------

class Ctx:
    pass


def main():
    if len(sys.argv) > 1 and sys.argv[1] == SHIM:
        return b4_shim(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--putt", required=True)
    ap.add_argument("--inbox", action="append", required=True)
    ap.add_argument("--index-dir")
    ap.add_argument("--b4-python", required=True, help="the python of b4's virtualenv")
    ap.add_argument("--work", required=True)
    ap.add_argument("--others", type=int, default=300, help="revisions picked at random besides the reviewed series")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", action="append", help="SERIES:VERSION, repeatable")
    ap.add_argument("--max", type=int, help="at most this many of the cases, picked at random")
    ap.add_argument("--sob-link", action="store_true", help="run both with -s -l")
    ap.add_argument("--pure-offline", action="store_true", help="b4 --offline-mode: no patchid: lookups")
    ap.add_argument("--reuse", action="store_true", help="reuse b4's output kept in WORK from an earlier run")
    ap.add_argument("--keep", action="store_true", help="keep the files of identical cases too")
    args = ap.parse_args()

    ctx = Ctx()
    ctx.args = args
    ctx.work = os.path.abspath(args.work)
    os.makedirs(ctx.work, exist_ok=True)
    # Neither tool reads the user's configuration: an empty putt config, a
    # throw-away git config (the identity for -s, b4's settings).
    config = os.path.join(ctx.work, "putt.toml")
    open(config, "w").close()
    gitconfig = os.path.join(ctx.work, "gitconfig")
    with open(gitconfig, "w") as f:
        f.write(
            "[user]\n\tname = Mae Maintainer\n\temail = mae@example.org\n"
            "[b4]\n\tattestation-policy = off\n\tlinkmask = https://patch.msgid.link/%s\n"
        )
    index_dir = os.path.abspath(args.index_dir or os.path.join(ctx.work, "index"))
    inboxes = [os.path.abspath(i) for i in args.inbox]
    putt_exe = os.path.abspath(args.putt)
    ctx.env = dict(
        os.environ,
        GIT_CONFIG_GLOBAL=gitconfig,
        GIT_CONFIG_NOSYSTEM="1",
        XDG_CONFIG_HOME=os.path.join(ctx.work, "xdg-config"),
        XDG_DATA_HOME=os.path.join(ctx.work, "xdg-data"),
        XDG_CACHE_HOME=os.path.join(ctx.work, "xdg-cache"),
        CMP_PUTT=putt_exe,
        CMP_INBOXES=json.dumps(inboxes),
        CMP_INDEX=index_dir,
        CMP_CONFIG=config,
    )
    ctx.putt = Putt(putt_exe, inboxes, index_dir, config)
    ctx.putt.run("index", "--wait", env=ctx.env)
    # Every message's place in its archive, once, for every process.
    for inbox in inboxes:
        for e in sorted(os.listdir(os.path.join(inbox, "git"))):
            if e.endswith(".git"):
                ctx.putt.arrival(os.path.basename(inbox.rstrip("/")), int(e[:-4]), "")
    arrival = os.path.join(ctx.work, "arrival.json")
    with open(arrival, "w") as f:
        json.dump(ctx.putt.orders, f)
    ctx.env["CMP_ARRIVAL"] = arrival

    t0 = time.time()
    firsts, sample, n_others = pick_cases(ctx)
    cases = firsts + sample
    if args.only:
        want = set(args.only)
        cases = [c for c in cases if c["key"] in want]
    if args.max:
        cases = random.Random(args.seed).sample(cases, min(args.max, len(cases)))
    print(f"cases: {len(firsts)} reviewed multi-patch revisions, {len(sample)} of {n_others} others",
          file=sys.stderr)

    done = []
    per_thread = threading.local()

    def one(case):
        # A Putt per worker thread: the cat-file pipes are not shared.
        if not hasattr(per_thread, "putt"):
            per_thread.putt = Putt(putt_exe, inboxes, index_dir, config, ctx.putt.orders)
        local = Ctx()
        local.__dict__.update(ctx.__dict__)
        local.putt = per_thread.putt
        local.series_cache, local.msg_cache = {}, {}
        r = run_case(local, case)
        r["reviewed"] = case["reviewed"]
        r["latest"] = case["latest"]
        done.append(r)
        if len(done) % 50 == 0:
            print(f"  {len(done)}/{len(cases)}", file=sys.stderr)
        return r

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        results = list(ex.map(one, cases))

    report = {"cases": results, "options": vars(args), "seconds": round(time.time() - t0, 1)}
    name = "report-only.json" if args.only else "report.json"
    with open(os.path.join(ctx.work, name), "w") as f:
        json.dump(report, f, indent=1)
    summarize(results)


def summarize(results):
    reviewed = [r for r in results if r["reviewed"] and r["patches"] > 1]
    print(f"revisions compared: {len(results)} ({len(reviewed)} reviewed multi-patch, "
          f"{len(results) - len(reviewed)} others), patches: {sum(r['patches'] for r in results)}")
    cases = collections.Counter(c for r in results for c in r["classes"])
    lines = collections.Counter(d["class"] for r in results for d in r["details"]
                                if isinstance(d, dict) and "class" in d)
    example = {}
    for r in results:
        for c in r["classes"]:
            example.setdefault(c, r["msgid"])
    ident = cases.get("identical", 0)
    print(f"identical: {ident}, differing: {len(results) - ident}")
    latest = [r for r in results if r["latest"]]
    print(f"latest revisions (what b4 am picks by default): {len(latest)}, identical: "
          f"{sum(r['classes'] == ['identical'] for r in latest)}")
    print(f"  {'class':40} {'cases':>5} {'items':>5}  example")
    order = list(CLASSES) + sorted(set(cases) - set(CLASSES))
    for c in order:
        if cases.get(c):
            print(f"  {c:40} {cases[c]:5} {lines.get(c, ''):>5}  <{example[c]}>")
            if c in CLASSES:
                print(f"  {'':40} {CLASSES[c]}")


if __name__ == "__main__":
    main()
