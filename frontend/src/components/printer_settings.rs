//! The receipt printer's part of *Lecteurs* (`/reglages-lecteur`): pair its Web Serial port at a baud
//! rate, choose the drawer kick and the paper cut, try both, forget it (`crate::printer`).

use crate::printer::{self, PrinterStatus, DRAWER_KICK, FEED_AND_CUT};
use crate::scanner::settings::BAUD_RATES;
use crate::scanner::texts::scanner_texts;
use crate::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn PrinterSettings() -> impl IntoView {
    let lang = expect_context::<AppCtx>().lang;
    let t = move || scanner_texts(lang.get());
    let status: RwSignal<PrinterStatus> = printer::status().into();
    let setting = RwSignal::new(printer::setting());
    let error = RwSignal::new(None::<String>);
    let change = move |f: &dyn Fn(&mut printer::PrinterSetting)| {
        let mut s = printer::setting();
        f(&mut s);
        printer::save(&s);
        setting.set(s);
    };
    let set_baud = move |e: leptos::ev::Event| {
        if let Ok(b) = event_target_value(&e).parse::<u32>() {
            change(&|s| s.baud_rate = b);
        }
    };
    let set_kick = move |e: leptos::ev::Event| {
        let on = event_target_checked(&e);
        change(&|s| s.kick = on);
    };
    let set_cut = move |e: leptos::ev::Event| {
        let on = event_target_checked(&e);
        change(&|s| s.cut = on);
    };
    let open = move || matches!(status.get(), PrinterStatus::Open(_));
    let status_text = move || {
        let t = t();
        match status.get() {
            PrinterStatus::None => t.none_paired.to_string(),
            PrinterStatus::Open(baud) => format!("{} ({baud} {})", t.connected, t.bauds),
            PrinterStatus::Failed(e) => format!("{} : {e}", t.failed),
        }
    };
    view! {
        <fieldset data-testid="printer-section">
            <legend>{move || t().printer_title}</legend>
            <p class="hint">{move || t().printer_body}</p>
            <Show when=printer::supported fallback=move || view! { <p class="hint">{move || t().unsupported}</p> }>
                <p data-testid="printer-status">{status_text}</p>
                {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
                <div class="actions">
                    <button class="primary" data-testid="printer-pair" on:click=move |_| spawn_local(async move {
                        error.set(printer::pair(setting.get_untracked().baud_rate).await.err());
                        setting.set(printer::setting());
                    })>{move || t().pair}</button>
                    <button class="secondary" data-testid="printer-test" disabled=move || !open()
                        on:click=move |_| { printer::send(&DRAWER_KICK); printer::send(&FEED_AND_CUT); }>{move || t().printer_test}</button>
                    <button class="secondary" data-testid="printer-forget" disabled=move || !open()
                        on:click=move |_| spawn_local(async move { printer::forget().await; setting.set(printer::setting()); })>{move || t().forget}</button>
                </div>
                <label class="field">
                    <span>{move || t().baud_rate}</span>
                    <select data-testid="printer-baud" disabled=open prop:value=move || setting.get().baud_rate.to_string()
                        on:change=set_baud>
                        {BAUD_RATES.iter().map(|b| view! { <option value=b.to_string()>{b.to_string()}</option> }).collect::<Vec<_>>()}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" data-testid="printer-kick" prop:checked=move || setting.get().kick
                        on:change=set_kick/>
                    {move || t().printer_kick}
                </label>
                <label class="check">
                    <input type="checkbox" data-testid="printer-cut" prop:checked=move || setting.get().cut
                        on:change=set_cut/>
                    {move || t().printer_cut}
                </label>
            </Show>
        </fieldset>
    }
}
