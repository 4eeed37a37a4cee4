//! The counter's queue: the kiosk's hand-offs in the spool folder (looked at every two seconds),
//! each with its ticket, how the kiosk judged it and what the counter did with it. No egui here.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::spool::{self, Entry, EntryStatus};

/// How often the spool folder is read again.
pub const POLL: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct Queue {
    pub entries: Vec<Entry>,
    pub selected: Option<usize>,
    next_poll: Option<Instant>,
}

impl Queue {
    /// Re-read the spool folder when it is time (cheap: a directory listing and small files).
    pub fn poll(&mut self, dir: Option<&Path>, now: Instant) {
        let Some(dir) = dir else { return };
        if self.next_poll.is_some_and(|t| now < t) {
            return;
        }
        self.next_poll = Some(now + POLL);
        let selected = self.selected.and_then(|i| self.entries.get(i)).map(|e| e.photo.clone());
        let fresh = spool::list(dir);
        if fresh.len() != self.entries.len() {
            tracing::info!(entries = fresh.len(), "counter queue changed");
        }
        self.entries = fresh;
        self.selected = selected.and_then(|p| self.entries.iter().position(|e| e.photo == p));
    }

    pub fn select(&mut self, i: usize) -> Option<&Entry> {
        let e = self.entries.get(i)?;
        self.selected = Some(i);
        Some(e)
    }

    /// The entry `d` places after (or before) the selected one, or the first new one.
    pub fn step(&self, d: i32) -> Option<usize> {
        if self.entries.is_empty() {
            return None;
        }
        let Some(i) = self.selected else {
            return self.entries.iter().position(|e| e.status == EntryStatus::New).or(Some(0));
        };
        let j = i as i64 + d as i64;
        (0..self.entries.len() as i64).contains(&j).then_some(j as usize)
    }

    pub fn mark_exported(&mut self, photo: Option<&Path>) {
        if let Some(e) = self.entries.iter_mut().find(|e| Some(e.photo.as_path()) == photo) {
            e.status = EntryStatus::Exported;
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
