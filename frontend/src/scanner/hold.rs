//! Put inside a dialog that does not expect scans (pay, discount, price): while it is open scans are
//! held, never typed into its fields, and shown at the top of the screen; they go to the sell screen
//! once it closes.

use super::router::use_scan_hold;
use super::texts::scanner_texts;
use crate::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn ScanHold() -> impl IntoView {
    let lang = expect_context::<AppCtx>().lang;
    let held = use_scan_hold();
    view! {
        {move || {
            let codes = held.get();
            (!codes.is_empty()).then(|| {
                let t = scanner_texts(lang.get());
                view! {
                    <p class="notice info held-scans" role="status" data-testid="held-scans">
                        {format!("{} : {} — {}", t.held, codes.join(", "), t.held_after)}
                    </p>
                }
            })
        }}
    }
}
