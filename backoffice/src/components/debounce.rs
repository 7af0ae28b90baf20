//! Search while typing: the action runs once the typing pauses. Each call gets a number; the pause's end
//! runs the action only if no call came since. Copy, for the view's closures.

use leptos::prelude::*;
use std::time::Duration;

#[derive(Clone, Copy)]
pub struct Debounce {
    pause: Duration,
    latest: StoredValue<u64>,
}

impl Debounce {
    pub fn new(pause: Duration) -> Debounce {
        Debounce { pause, latest: StoredValue::new(0) }
    }

    /// Runs `action` after the pause, unless `run` is called again before it ends.
    pub fn run(self, action: impl FnOnce() + 'static) {
        self.latest.update_value(|n| *n += 1);
        let mine = self.latest.get_value();
        set_timeout(
            move || {
                if self.latest.get_value() == mine {
                    action();
                }
            },
            self.pause,
        );
    }
}
