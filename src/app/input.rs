//! Typing and clicking in one frame. egui gives a frame's typed characters to the focused text
//! field only after the pointer has had its say, so a press elsewhere in the same frame takes the
//! focus first and the characters go nowhere: fast typing and an immediate click on the next
//! field lost the end of a name whenever a frame was slow (software rendering, a busy machine).
//! eframe's `raw_input_hook` passes each frame's events through `split_typing_from_clicks`,
//! which holds the rest back for the next frame where typing and a press would meet.

use egui::Event;

/// Keeps typing and pointer presses in separate frames: `events` is cut before the first event
/// that would follow the other kind (a press after typing, or typing after a press); what is
/// cut off waits in `held`, ahead of the next frame's events. Returns whether anything waits.
pub fn split_typing_from_clicks(held: &mut Vec<Event>, events: &mut Vec<Event>) -> bool {
    let mut all = std::mem::take(held);
    all.append(events);
    let (mut typed, mut pressed) = (false, false);
    let cut = all.iter().position(|e| {
        let (t, p) = (is_typing(e), is_press(e));
        let meets = (p && typed) || (t && pressed);
        typed |= t;
        pressed |= p;
        meets
    });
    if let Some(i) = cut {
        *held = all.split_off(i);
    }
    *events = all;
    !held.is_empty()
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
        let mut held = Vec::new();
        let mut frame = vec![text("a"), text("n"), text("g"), button(true), button(false), text("x")];
        assert!(split_typing_from_clicks(&mut held, &mut frame));
        assert_eq!(frame, [text("a"), text("n"), text("g")]);
        // Next frame: the click first, alone; the typing after it one frame later again.
        let mut frame = vec![text("y")];
        assert!(split_typing_from_clicks(&mut held, &mut frame));
        assert_eq!(frame, [button(true), button(false)]);
        let mut frame = Vec::new();
        assert!(!split_typing_from_clicks(&mut held, &mut frame));
        assert_eq!(frame, [text("x"), text("y")]);
    }

    #[test]
    fn frames_with_only_typing_or_only_clicks_pass_unchanged() {
        let mut held = Vec::new();
        for events in [vec![text("a"), text("b")], vec![button(true), button(false), button(true)], vec![]] {
            let mut frame = events.clone();
            assert!(!split_typing_from_clicks(&mut held, &mut frame));
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
        assert!(!split_typing_from_clicks(&mut held, &mut frame));
        assert_eq!(frame.len(), 3);
    }
}
