//! Typing and clicking in one frame. egui gives a frame's typed characters to the focused text
//! field only after the pointer has had its say, so a press elsewhere in the same frame takes the
//! focus first and the characters go nowhere: fast typing and an immediate click on the next
//! field lost the end of a name whenever a frame was slow (software rendering, a busy machine).
//! eframe's `raw_input_hook` passes each frame's events through a `Splitter`, which holds the
//! rest back for the next frame where typing and a press would meet.

use egui::Event;

/// What the window should ask for after `Splitter::split`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Nothing held back.
    No,
    /// Events wait: another frame at once.
    Now,
    /// Events wait behind input eframe passed again (a window not being drawn): soon, not at
    /// once, or a hidden window would spin.
    Soon,
}

/// Keeps typing and pointer presses in separate frames (see the module notes).
#[derive(Debug, Default)]
pub struct Splitter {
    /// Cut off from the last frame, ahead of the next one's events.
    held: Vec<Event>,
    /// What the last frame was given, while something is held: a window that is not drawn
    /// (minimised, covered, a compositor that stopped drawing it) gets its input back on the
    /// next pass, and the held events belong after it, not before.
    passed: Vec<Event>,
}

impl Splitter {
    /// Cuts `events` before the first event that would follow the other kind (a press after
    /// typing, or typing after a press); what is cut off waits for the next frame.
    pub fn split(&mut self, events: &mut Vec<Event>) -> Wake {
        let again = !self.passed.is_empty() && events.starts_with(&self.passed);
        let mut all = if again {
            let newer = events.split_off(self.passed.len());
            let mut all = std::mem::take(events);
            all.append(&mut self.held);
            all.extend(newer);
            all
        } else {
            let mut all = std::mem::take(&mut self.held);
            all.append(events);
            all
        };
        let (mut typed, mut pressed) = (false, false);
        let cut = all.iter().position(|e| {
            let (t, p) = (is_typing(e), is_press(e));
            let meets = (p && typed) || (t && pressed);
            typed |= t;
            pressed |= p;
            meets
        });
        if let Some(i) = cut {
            self.held = all.split_off(i);
        }
        self.passed = if self.held.is_empty() { Vec::new() } else { all.clone() };
        *events = all;
        match (self.held.is_empty(), again) {
            (true, _) => Wake::No,
            (false, false) => Wake::Now,
            (false, true) => Wake::Soon,
        }
    }
}

fn is_typing(e: &Event) -> bool {
    matches!(e, Event::Text(_) | Event::Paste(_) | Event::Ime(_) | Event::Key { pressed: true, .. })
}

fn is_press(e: &Event) -> bool {
    matches!(e, Event::PointerButton { pressed: true, .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Event {
        Event::Text(s.into())
    }

    fn button(pressed: bool) -> Event {
        Event::PointerButton {
            pos: egui::pos2(5.0, 5.0),
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        }
    }

    #[test]
    fn a_click_after_typing_waits_for_the_next_frame_and_nothing_is_lost() {
        let mut s = Splitter::default();
        let mut frame = vec![text("a"), text("n"), text("g"), button(true), button(false), text("x")];
        assert_eq!(s.split(&mut frame), Wake::Now);
        assert_eq!(frame, [text("a"), text("n"), text("g")]);
        // Next frame: the click first, alone; the typing after it one frame later again.
        let mut frame = vec![text("y")];
        assert_eq!(s.split(&mut frame), Wake::Now);
        assert_eq!(frame, [button(true), button(false)]);
        let mut frame = Vec::new();
        assert_eq!(s.split(&mut frame), Wake::No);
        assert_eq!(frame, [text("x"), text("y")]);
    }

    /// A window that is not drawn gets the same input back on the next pass (eframe keeps it
    /// for the next drawn frame): the held click stays after it, in order, and the window is
    /// woken soon rather than at once.
    #[test]
    fn input_passed_again_keeps_its_place_before_what_was_held() {
        let mut s = Splitter::default();
        let mut frame = vec![text("a"), button(true), button(false)];
        assert_eq!(s.split(&mut frame), Wake::Now);
        assert_eq!(frame, [text("a")]);
        for _ in 0..3 {
            let mut again = vec![text("a")];
            assert_eq!(s.split(&mut again), Wake::Soon);
            assert_eq!(again, [text("a")], "the same input, not the held click before it");
        }
        // Drawn at last, with something new: the old input was used up, the click comes next.
        let mut frame = vec![text("b")];
        assert_eq!(s.split(&mut frame), Wake::Now);
        assert_eq!(frame, [button(true), button(false)]);
        let mut frame = Vec::new();
        assert_eq!(s.split(&mut frame), Wake::No);
        assert_eq!(frame, [text("b")]);
    }

    #[test]
    fn frames_with_only_typing_or_only_clicks_pass_unchanged() {
        let mut s = Splitter::default();
        for events in [vec![text("a"), text("b")], vec![button(true), button(false), button(true)], vec![]] {
            let mut frame = events.clone();
            assert_eq!(s.split(&mut frame), Wake::No);
            assert_eq!(frame, events);
        }
        // A key release or a pointer release is neither: it does not split a frame.
        let release = Event::Key {
            key: egui::Key::A,
            physical_key: None,
            pressed: false,
            repeat: false,
            modifiers: Default::default(),
        };
        let mut frame = vec![button(true), button(false), release.clone()];
        assert_eq!(s.split(&mut frame), Wake::No);
        assert_eq!(frame.len(), 3);
    }
}
