//! The counter's queue: the kiosk's hand-offs in the spool folder (looked at every two seconds),
//! each with its ticket, how the kiosk judged it and what the counter did with it. No egui here.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::spool::{self, Entry, EntryStatus};

/// How often the spool folder is read again.
pub const POLL: Duration = Duration::from_secs(2);
/// How often old hand-offs are looked for (each look reads every summary).
const PRUNE_EVERY: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct Queue {
    pub entries: Vec<Entry>,
    /// The entry open at the counter now (highlighted).
    pub selected: Option<usize>,
    /// The entry served last, after "Next customer" closed it: PageDown goes on from there.
    last: Option<usize>,
    next_poll: Option<Instant>,
    next_prune: Option<Instant>,
}

impl Queue {
    /// Look at the spool again (every [`POLL`]); once a minute let hand-offs older than `keep`
    /// go, but never `serving`, the entry staff have open.
    pub fn poll(&mut self, dir: Option<&Path>, keep: Duration, serving: Option<&Path>, now: Instant) {
        let Some(dir) = dir else { return };
        if self.next_poll.is_some_and(|t| now < t) {
            return;
        }
        self.next_poll = Some(now + POLL);
        if self.next_prune.is_none_or(|t| now >= t) {
            self.next_prune = Some(now + PRUNE_EVERY);
            spool::prune(dir, keep, serving);
        }
        let photo = |i: Option<usize>| i.and_then(|i| self.entries.get(i)).map(|e| e.photo.clone());
        let (selected, last) = (photo(self.selected), photo(self.last));
        let fresh = spool::list(dir);
        if fresh.len() != self.entries.len() {
            tracing::info!(entries = fresh.len(), "counter queue changed");
        }
        self.entries = fresh;
        let find = |p: Option<PathBuf>| p.and_then(|p| self.entries.iter().position(|e| e.photo == p));
        (self.selected, self.last) = (find(selected), find(last));
    }

    pub fn select(&mut self, i: usize) -> Option<&Entry> {
        let e = self.entries.get(i)?;
        self.selected = Some(i);
        Some(e)
    }

    /// The customer at the counter is done with: nothing is highlighted, and PageDown goes on
    /// from them.
    pub fn close(&mut self) {
        if let Some(i) = self.selected.take() {
            self.last = Some(i);
        }
    }

    /// The next (`d` > 0) or previous waiting entry from the selected one, going round the
    /// end, or the first one waiting: PageDown serves the queue in order and never lands on
    /// someone already served (clicking an entry still opens any of them).
    pub fn step(&self, d: i32) -> Option<usize> {
        let n = self.entries.len();
        let waiting = |i: &usize| self.entries[*i].status == EntryStatus::New;
        let Some(from) = self.selected.or(self.last).filter(|&i| i < n) else { return (0..n).find(waiting) };
        let order: Vec<usize> = if d >= 0 {
            (from + 1..n).chain(0..from).collect()
        } else {
            (0..from).rev().chain((from + 1..n).rev()).collect()
        };
        order.into_iter().find(waiting)
    }

    pub fn mark_exported(&mut self, photo: Option<&Path>) {
        if let Some(e) = self.entries.iter_mut().find(|e| Some(e.photo.as_path()) == photo) {
            // Printed stays printed (as on disk, `spool::set_status`).
            e.status = e.status.max(EntryStatus::Exported);
        }
    }

    pub fn new_count(&self) -> usize {
        self.entries.iter().filter(|e| e.status == EntryStatus::New).count()
    }

    /// New hand-offs other than `serving` (the photo of the customer at the counter now).
    pub fn waiting(&self, serving: Option<&Path>) -> usize {
        self.entries.iter().filter(|e| e.status == EntryStatus::New && Some(e.photo.as_path()) != serving).count()
    }

    pub fn paths(&self) -> Vec<PathBuf> {
        self.entries.iter().map(|e| e.photo.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(ticket: &str, status: EntryStatus) -> Entry {
        Entry {
            photo: PathBuf::from(format!("{ticket}.jpg")),
            handoff: spool::Handoff {
                schema: 1,
                ticket: ticket.into(),
                document: "passport".into(),
                spec: "cn-exit-entry".into(),
                lang: crate::Lang::Zh,
                captured_at: "2026-12-05T10:00:00+08:00".into(),
                outcome: crate::judge::Overall::Pass,
                open_rules: vec![],
            },
            status,
        }
    }

    #[test]
    fn page_down_serves_the_waiting_in_order_and_skips_the_served() {
        use EntryStatus::{Exported, New};
        let mut q = Queue {
            entries: vec![entry("001", Exported), entry("002", New), entry("003", Exported), entry("004", New)],
            ..Queue::default()
        };
        assert_eq!(q.step(1), Some(1), "nothing open: the first one waiting");
        q.selected = Some(1);
        assert_eq!(q.step(1), Some(3), "003 was served already");
        assert_eq!(q.step(-1), Some(3), "round the start to the last one waiting");
        q.selected = Some(3);
        assert_eq!(q.step(1), Some(1), "round the end to the first one waiting");
        assert_eq!(q.step(-1), Some(1));
        q.entries[1].status = Exported;
        assert_eq!(q.step(-1), None, "the one open is the only one left");
        assert_eq!(q.step(1), None);
    }

    #[test]
    fn a_closed_customer_is_not_highlighted_and_page_down_goes_on_from_them() {
        use EntryStatus::New;
        let mut q =
            Queue { entries: vec![entry("001", New), entry("002", New), entry("003", New)], ..Queue::default() };
        q.select(1);
        q.close();
        assert_eq!(q.selected, None, "nothing highlighted after Next customer");
        assert_eq!(q.step(1), Some(2), "002 walked away unexported: PageDown goes on to 003, not back to 001");
        assert_eq!(q.step(-1), Some(0));
        q.close();
        assert_eq!(q.step(1), Some(2), "a second close keeps where the counter was");
    }
}
