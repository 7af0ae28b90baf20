//! *Lecteurs* (`/reglages-lecteur`): pair, test and forget this register's scanners — the keyboard
//! wedge (always on), a WebHID scanner (HID POS or keyboard emulation) and a Web Serial scanner (baud
//! rate, suffix) — and the receipt printer's drawer kick and paper cut (`components::printer_settings`). While it is open the screen takes every scan and shows the last one per scanner.

use crate::scanner::hid::{self, HidStatus};
use crate::scanner::routing::Source;
use crate::scanner::serial::{self, SerialStatus};
use crate::scanner::serial_frames::Suffix;
use crate::scanner::settings::{HidMode, SerialSetting, BAUD_RATES};
use crate::scanner::texts::scanner_texts;
use crate::scanner::{use_scan_claim, ScanRouter};
use crate::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn ScannerSettingsPage() -> impl IntoView {
    let lang = expect_context::<AppCtx>().lang;
    let t = move || scanner_texts(lang.get());
    // The last code read on this screen, per scanner: the test.
    let last = RwSignal::new([None::<String>, None, None]);
    let slot = |s: Source| match s {
        Source::Wedge => 0,
        Source::Hid => 1,
        Source::Serial => 2,
    };
    let router = ScanRouter::get();
    use_scan_claim(move |code| {
        if let Some(s) = router.last.get_untracked() {
            last.update(|l| l[slot(s.source)] = Some(code));
        }
    });
    // Arena handles on the adapters' status (Copy, for the view's closures).
    let hid_status: RwSignal<HidStatus> = hid::status().into();
    let serial_status: RwSignal<SerialStatus> = serial::status().into();
    let error = RwSignal::new(None::<String>);
    // Baud rate and suffix: the open port's, else those a port paired next will get.
    let serial_setting = RwSignal::new(serial::current_setting());
    Effect::new(move |_| {
        if let SerialStatus::Open(s) = serial_status.get() {
            serial_setting.set(s);
        }
    });
    let change_serial = move |setting: SerialSetting| {
        serial_setting.set(setting);
        let open = matches!(serial_status.get_untracked(), SerialStatus::Open(_));
        if open {
            spawn_local(async move {
                if let Err(e) = serial::apply(setting).await {
                    error.set(Some(e));
                }
            });
        }
    };
    let last_view = move |s: Source, testid: &'static str| {
        view! {
            <p class="scan-test" data-testid=testid aria-live="polite">
                {move || t().last_scan} " : "
                <strong>{move || last.get()[slot(s)].clone().unwrap_or_else(|| t().no_scan_yet.to_string())}</strong>
            </p>
        }
    };
    let hid_text = {
        move || {
            let t = t();
            match hid_status.get() {
                HidStatus::None => t.none_paired.to_string(),
                HidStatus::Open { name, mode } => {
                    let mode = if mode == HidMode::Pos { t.mode_pos } else { t.mode_keyboard };
                    format!("{} : {name} ({mode})", t.connected)
                }
                HidStatus::Failed(e) => format!("{} : {e}", t.failed),
            }
        }
    };
    let serial_text = {
        move || {
            let t = t();
            match serial_status.get() {
                SerialStatus::None => t.none_paired.to_string(),
                SerialStatus::Open(s) => format!("{} ({} {})", t.connected, s.baud_rate, t.bauds),
                SerialStatus::Failed(e) => format!("{} : {e}", t.failed),
            }
        }
    };
    let hid_open = move || matches!(hid_status.get(), HidStatus::Open { .. });
    let hid_mode = move || match hid_status.get() {
        HidStatus::Open { mode: HidMode::Keyboard, .. } => "keyboard",
        _ => "pos",
    };
    let serial_open = move || matches!(serial_status.get(), SerialStatus::Open(_));

    view! {
        <section class="scanner-settings">
            <h1>{move || t().title}</h1>
            <p class="hint">{move || t().intro}</p>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert" data-testid="scanner-error">{e}</p> })}

            <fieldset data-testid="wedge-section">
                <legend>{move || t().wedge_title}</legend>
                <p>{move || t().wedge_body}</p>
                {last_view(Source::Wedge, "wedge-last")}
            </fieldset>

            <fieldset data-testid="hid-section">
                <legend>{move || t().hid_title}</legend>
                <Show when=hid::supported fallback=move || view! { <p class="hint">{move || t().unsupported}</p> }>
                    <p data-testid="hid-status">{hid_text}</p>
                    <div class="actions">
                        <button class="primary" data-testid="hid-pair" on:click=move |_| spawn_local(async move {
                            error.set(hid::pair().await.err());
                        })>{move || t().pair}</button>
                        <button class="secondary" data-testid="hid-forget" disabled=move || !hid_open()
                            on:click=move |_| spawn_local(hid::forget())>{move || t().forget}</button>
                    </div>
                    <label class="field">
                        <span>{move || t().mode}</span>
                        <select data-testid="hid-mode" disabled=move || !hid_open() prop:value=hid_mode
                            on:change=move |e| hid::set_mode(if event_target_value(&e) == "keyboard" { HidMode::Keyboard } else { HidMode::Pos })>
                            <option value="pos">{move || t().mode_pos}</option>
                            <option value="keyboard">{move || t().mode_keyboard}</option>
                        </select>
                    </label>
                    {last_view(Source::Hid, "hid-last")}
                </Show>
            </fieldset>

            <fieldset data-testid="serial-section">
                <legend>{move || t().serial_title}</legend>
                <Show when=serial::supported fallback=move || view! { <p class="hint">{move || t().unsupported}</p> }>
                    <p data-testid="serial-status">{serial_text}</p>
                    <div class="actions">
                        <button class="primary" data-testid="serial-pair" on:click=move |_| spawn_local(async move {
                            error.set(serial::pair(serial_setting.get_untracked()).await.err());
                        })>{move || t().pair}</button>
                        <button class="secondary" data-testid="serial-forget" disabled=move || !serial_open()
                            on:click=move |_| spawn_local(serial::forget())>{move || t().forget}</button>
                    </div>
                    <label class="field">
                        <span>{move || t().baud_rate}</span>
                        <select data-testid="serial-baud" prop:value=move || serial_setting.get().baud_rate.to_string()
                            on:change=move |e| if let Ok(baud_rate) = event_target_value(&e).parse() {
                                change_serial(SerialSetting { baud_rate, ..serial_setting.get_untracked() });
                            }>
                            {BAUD_RATES.iter().map(|b| view! { <option value=b.to_string()>{b.to_string()}</option> }).collect::<Vec<_>>()}
                        </select>
                    </label>
                    <label class="field">
                        <span>{move || t().suffix}</span>
                        <select data-testid="serial-suffix" prop:value=move || serial_setting.get().suffix.key()
                            on:change=move |e| if let Some(suffix) = Suffix::from_key(&event_target_value(&e)) {
                                change_serial(SerialSetting { suffix, ..serial_setting.get_untracked() });
                            }>
                            <option value="cr">"CR"</option>
                            <option value="lf">"LF"</option>
                            <option value="crlf">"CR LF"</option>
                            <option value="none">{move || t().suffix_none}</option>
                        </select>
                    </label>
                    {last_view(Source::Serial, "serial-last")}
                </Show>
            </fieldset>

            <crate::components::printer_settings::PrinterSettings/>
        </section>
    }
}
