//! A PIN pad: big digit keys for touch, and a field that takes typed digits and Enter (its virtual
//! keyboard is off: the pad is the keyboard on a tablet). The PIN is shown as dots.

use crate::i18n_auth::tra;
use crate::state::AppCtx;
use leptos::html;
use leptos::prelude::*;

const MAX_LEN: usize = 8;

#[component]
pub fn PinPad(
    /// While true the pad takes nothing (a check is running).
    busy: Signal<bool>,
    on_submit: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = expect_context::<AppCtx>().lang;
    let pin = RwSignal::new(String::new());
    let input: NodeRef<html::Input> = NodeRef::new();
    let focus = move || {
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    let press = move |d: char| {
        if !busy.get_untracked() {
            pin.update(|p| {
                if p.len() < MAX_LEN {
                    p.push(d);
                }
            });
        }
        focus();
    };
    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        let p = pin.get_untracked();
        if p.is_empty() {
            return;
        }
        pin.set(String::new());
        on_submit(p);
    };
    // A key press must not take focus from the field (typed digits keep landing there).
    let keep_focus = |e: web_sys::MouseEvent| e.prevent_default();
    let key = move |d: char| {
        view! {
            <button type="button" class="pin-key" data-testid=format!("pin-key-{d}") disabled=move || busy.get()
                on:mousedown=keep_focus on:click=move |_| press(d)>{d.to_string()}</button>
        }
    };
    view! {
        <form class="pin-pad" on:submit=move |e| { e.prevent_default(); submit(); }>
            <input node_ref=input class="pin-field" type="password" inputmode="none" autocomplete="off" data-wedge="off"
                data-testid="pin-input" aria-label=tra(lang, |t| t.pin_for)
                readonly=move || busy.get()
                prop:value=move || pin.get()
                on:input=move |e| {
                    let digits: String = event_target_value(&e).chars().filter(char::is_ascii_digit).take(MAX_LEN).collect();
                    // Typed while busy: dropped (the field is read-only then; this is belt and braces).
                    pin.set(if busy.get_untracked() { String::new() } else { digits });
                }/>
            <div class="pin-keys">
                {['1', '2', '3', '4', '5', '6', '7', '8', '9'].into_iter().map(key).collect_view()}
                <button type="button" class="pin-key" data-testid="pin-clear" disabled=move || busy.get()
                    on:mousedown=keep_focus on:click=move |_| { pin.set(String::new()); focus(); }>
                    {tra(lang, |t| t.pin_clear)}
                </button>
                {key('0')}
                <button type="submit" class="pin-key primary" data-testid="pin-ok" disabled=move || busy.get() on:mousedown=keep_focus>
                    {tra(lang, |t| t.ok)}
                </button>
            </div>
        </form>
    }
}
