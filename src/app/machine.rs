//! The screens and the rules that move between them on their own (timeouts), apart from drawing.
//! One enum names every screen; `BoothApp::go` is the only place a screen changes (it runs the
//! exit/enter work and logs `from → to (why)`); `idle_timeout` is the only table of timers.

use std::time::Duration;

use super::config::{Mode, Timeouts};

/// Every screen of every mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    /// Laptop and counter: nothing open yet (open a photo, start the camera; the counter's queue).
    Start,
    /// Laptop and counter: the live camera with guides; capture by button or Space.
    Live,
    /// A still is being detected and judged on a worker.
    Checking,
    /// Laptop and counter: the result beside the checklist, the form and export.
    Review,
    /// Laptop and counter, after an export: the sheet as it will come out, layout, copies,
    /// Save PDF and Print (sheet and slip).
    Print,
    /// Kiosk: waiting for a customer ("touch to start", both languages).
    Attract,
    /// Kiosk: language and document.
    Choose,
    /// Kiosk: the live camera with one instruction at a time; captures by itself.
    Guided,
    /// Kiosk: the photo big, "looks good" or "let's retake" with the one reason.
    KioskResult,
    /// Kiosk: the ticket number and what to do next.
    Done,
    /// Kiosk: the camera is missing; recovers by itself when it is back.
    AskStaff,
    /// Kiosk: the staff PIN, reached by the hidden gesture.
    StaffPin,
}

impl Screen {
    pub fn name(self) -> &'static str {
        match self {
            Screen::Start => "start",
            Screen::Live => "live",
            Screen::Checking => "checking",
            Screen::Review => "review",
            Screen::Print => "print",
            Screen::Attract => "attract",
            Screen::Choose => "choose",
            Screen::Guided => "guided",
            Screen::KioskResult => "kiosk_result",
            Screen::Done => "done",
            Screen::AskStaff => "ask_staff",
            Screen::StaffPin => "staff_pin",
        }
    }

    /// Where a mode starts.
    pub fn first(mode: Mode) -> Screen {
        match mode {
            Mode::Kiosk => Screen::Attract,
            Mode::Laptop | Mode::Counter => Screen::Start,
        }
    }

    /// Screens that show the live camera.
    pub fn is_live(self) -> bool {
        matches!(self, Screen::Live | Screen::Guided)
    }
}

/// Why a screen was reached: logged, and it decides what is kept (a timeout wipes the visit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Started,
    Touched,
    Chosen,
    Captured,
    Checked,
    CheckFailed,
    Accepted,
    Retake,
    /// Nobody touched the screen for its timeout: the customer walked away.
    Timeout,
    CameraLost,
    CameraBack,
    HandoffFailed,
    StaffGesture,
    Cancelled,
    /// Kiosk: back from the camera to choose another document.
    Back,
    /// Kiosk: the customer has their number and tapped "Done".
    Finished,
    Opened,
    Closed,
}

impl Why {
    pub fn name(self) -> &'static str {
        match self {
            Why::Started => "started",
            Why::Touched => "touched",
            Why::Chosen => "chosen",
            Why::Captured => "captured",
            Why::Checked => "checked",
            Why::CheckFailed => "check failed",
            Why::Accepted => "accepted",
            Why::Retake => "retake",
            Why::Timeout => "timeout",
            Why::CameraLost => "camera lost",
            Why::CameraBack => "camera back",
            Why::HandoffFailed => "hand-off failed",
            Why::StaffGesture => "staff gesture",
            Why::Cancelled => "cancelled",
            Why::Back => "back",
            Why::Finished => "finished",
            Why::Opened => "opened",
            Why::Closed => "closed",
        }
    }
}

/// The screen's idle timer: after this long without a touch (or a face in front of the camera),
/// go to the returned screen. Only the kiosk times out; its waiting screens never do. (The PIN
/// keypad's timeout returns to a held staff screen instead, where there is one: the app decides.)
pub fn idle_timeout(screen: Screen, mode: Mode, t: &Timeouts) -> Option<(Duration, Screen)> {
    if mode != Mode::Kiosk {
        return None;
    }
    let secs = match screen {
        Screen::Attract | Screen::AskStaff => return None,
        Screen::Done => t.done,
        _ => t.idle,
    };
    Some((Duration::from_secs_f64(secs), Screen::Attract))
}

/// A kiosk screen ignores touches this long after it appears: the second tap of a double tap
/// was meant for the screen before, and one of this screen's buttons may sit where it lands
/// (attract: anywhere, after "Done"; choose: after attract; guided: after a document; done:
/// after "Use this photo").
pub fn touch_guard(screen: Screen, mode: Mode) -> Option<Duration> {
    let guarded = matches!(screen, Screen::Attract | Screen::Choose | Screen::Guided | Screen::Done);
    (mode == Mode::Kiosk && guarded).then_some(Duration::from_millis(500))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_kiosk_times_out_and_every_timeout_returns_to_attract() {
        let t = Timeouts::default();
        let all = [
            Screen::Start,
            Screen::Live,
            Screen::Checking,
            Screen::Review,
            Screen::Print,
            Screen::Attract,
            Screen::Choose,
            Screen::Guided,
            Screen::KioskResult,
            Screen::Done,
            Screen::AskStaff,
            Screen::StaffPin,
        ];
        for s in all {
            assert_eq!(idle_timeout(s, Mode::Laptop, &t), None);
            assert_eq!(idle_timeout(s, Mode::Counter, &t), None);
            match idle_timeout(s, Mode::Kiosk, &t) {
                None => assert!(matches!(s, Screen::Attract | Screen::AskStaff), "{s:?}"),
                Some((d, to)) => {
                    assert_eq!(to, Screen::Attract);
                    let want = if s == Screen::Done { t.done } else { t.idle };
                    assert_eq!(d, Duration::from_secs_f64(want), "{s:?}");
                }
            }
        }
        assert_eq!(Screen::first(Mode::Kiosk), Screen::Attract);
        assert_eq!(Screen::first(Mode::Counter), Screen::Start);
    }
}
