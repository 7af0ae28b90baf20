//! The end-of-day (Z) report, `/rapport-z` (issue 12 item 5): an outlet or a register, a day (today in
//! the outlet's time zone by default), the opening float; sales, returns, discounts and price overrides,
//! each tax, the tenders, the cash rounding and the expected cash, all computed by the server with
//! `shared::report::ZReport`. « Comptant compté » gives the drawer's over/short
//! (`shared::report::cash_count`), and « Enregistrer le comptage » records it (`z_counts`). Printable on an 80 mm printer or on letter paper (`@media print`).
//! Managers and admins only.

use crate::api::reports_api;
use crate::i18n_zreport::{tax_label, tender_label, z_texts};
use crate::pages::till_gate::TillRefusal;
use frontend::i18n::{date_time, Lang};
use frontend::state::AppCtx;
use frontend::sync::api;
use frontend::sync::http::ApiFailure;
use leptos::prelude::*;
use super::z_counts::ZCounts;
use shared::report::{cash_count, CashCount, CountRequest, ReportScope, ZReport};
use shared::sale::TenderKind;
use shared::Money;

/// Today's date (`YYYY-MM-DD`) in an IANA time zone, by the browser's own zone database.
fn today_in(time_zone: &str) -> String {
    use wasm_bindgen::JsValue;
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"timeZone".into(), &JsValue::from_str(time_zone));
    let locale = js_sys::Array::of1(&JsValue::from_str("en-CA"));
    let format = js_sys::Intl::DateTimeFormat::new(&locale, &options).format();
    format
        .call1(&JsValue::NULL, &js_sys::Date::new_0())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// `outlet:ID` / `register:ID`, the scope select's values.
fn scope_of(value: &str) -> Option<ReportScope> {
    match value.split_once(':')? {
        ("outlet", id) => Some(ReportScope::Outlet(id.to_string())),
        ("register", id) => Some(ReportScope::Register(id.to_string())),
        _ => None,
    }
}

/// A typed amount; empty is zero.
fn typed_money(text: &str) -> Option<Money> {
    if text.trim().is_empty() {
        Some(Money::ZERO)
    } else {
        Money::parse(text.trim()).ok()
    }
}

pub(crate) fn count_text(lang: Lang, c: CashCount) -> String {
    let t = z_texts(lang);
    match c {
        CashCount::Even => t.even.to_string(),
        CashCount::Over(m) => format!("{} {}", t.over, lang.money(m)),
        CashCount::Short(m) => format!("{} {}", t.short, lang.money(m)),
    }
}

#[component]
pub fn ZReportPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || z_texts(lang.get());
    let setup = LocalResource::new(api::setup);
    let scope = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let float_text = RwSignal::new(String::new());
    let counted_text = RwSignal::new(String::new());
    let letter = RwSignal::new(false);
    // Bumped when a count is recorded: the report (and its counts) is read again.
    let reload = RwSignal::new(0u32);

    // Defaults once the outlets are known: the enrolled register's outlet (else the first), today there.
    Effect::new(move |_| {
        let Some(Ok(s)) = setup.get() else { return };
        if !scope.get_untracked().is_empty() {
            return;
        }
        let mine = ctx
            .outlet
            .with_untracked(|o| o.as_ref().map(|o| o.id.clone()));
        let Some(outlet) = s
            .outlets
            .iter()
            .find(|o| Some(&o.id) == mine.as_ref())
            .or(s.outlets.first())
        else {
            return;
        };
        date.set(today_in(&outlet.time_zone));
        scope.set(format!("outlet:{}", outlet.id));
    });
    let float = Memo::new(move |_| typed_money(&float_text.get()));
    let report = LocalResource::new(move || {
        reload.track();
        let (s, d, f) = (scope_of(&scope.get()), date.get(), float.get());
        async move {
            let (Some(s), Some(f)) = (s, f) else {
                return None;
            };
            if d.is_empty() {
                return None;
            }
            Some(reports_api::z_report(&s, &d, f).await)
        }
    });

    let scope_options = move || {
        let l = lang.get();
        let current = scope.get();
        setup.get().and_then(Result::ok).map(|s| {
            let tt = z_texts(l);
            let outlets = s
                .outlets
                .iter()
                .map(|o| {
                    let v = format!("outlet:{}", o.id);
                    let selected = v == current;
                    view! { <option value=v selected=selected>{o.name.clone()}</option> }
                })
                .collect_view();
            let registers = s
                .registers
                .iter()
                .map(|r| {
                    let v = format!("register:{}", r.id);
                    let selected = v == current;
                    view! { <option value=v selected=selected>{r.name.clone()}</option> }
                })
                .collect_view();
            view! {
                <optgroup label=tt.outlets>{outlets}</optgroup>
                <optgroup label=tt.registers>{registers}</optgroup>
            }
        })
    };

    let pick_scope = move |value: String| {
        // A new outlet: its own today (a register's day is its outlet's).
        if let Some(Ok(s)) = setup.get_untracked() {
            // The outlet a scope's day belongs to (a register's is its outlet's).
            let outlet_of = |value: &str| match scope_of(value)? {
                ReportScope::Outlet(o) => Some(o),
                ReportScope::Register(r) => s.registers.iter().find(|x| x.id == r).map(|x| x.outlet_id.clone()),
            };
            let (outlet_id, before) = (outlet_of(&value), outlet_of(&scope.get_untracked()));
            if outlet_id != before {
                if let Some(o) = s.outlets.iter().find(|o| Some(&o.id) == outlet_id.as_ref()) {
                    date.set(today_in(&o.time_zone));
                }
            }
        }
        scope.set(value);
    };

    let form = move || {
        view! {
            <form class="z-form no-print" on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                <label class="field">
                    <span>{move || t().scope}</span>
                    <select data-testid="z-scope" on:change=move |ev| pick_scope(event_target_value(&ev))>{scope_options}</select>
                </label>
                <label class="field">
                    <span>{move || t().day}</span>
                    <input type="date" data-testid="z-date" prop:value=move || date.get() on:change=move |ev| date.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>{move || t().opening_float}</span>
                    <input
                        type="text"
                        inputmode="decimal"
                        data-testid="z-float"
                        placeholder="0,00"
                        prop:value=move || float_text.get()
                        on:change=move |ev| float_text.set(event_target_value(&ev))
                    />
                    {move || float.get().is_none().then(|| view! { <span class="error" role="alert">{t().bad_amount}</span> })}
                </label>
            </form>
        }
    };

    let body = move |z: ZReport| {
        let l = lang.get();
        let tt = z_texts(l);
        let m = move |x: Money| l.money(x);
        let scope_name = setup
            .get_untracked()
            .and_then(Result::ok)
            .map(|s| match &z.scope {
                ReportScope::Outlet(o) => s
                    .outlets
                    .iter()
                    .find(|x| &x.id == o)
                    .map_or_else(|| o.clone(), |x| x.name.clone()),
                ReportScope::Register(r) => s
                    .registers
                    .iter()
                    .find(|x| &x.id == r)
                    .map_or_else(|| r.clone(), |x| x.name.clone()),
            })
            .unwrap_or_default();
        let row = move |label: String, testid: &'static str, value: String| {
            view! {
                <tr><th scope="row">{label}</th><td class="num" data-testid=testid>{value}</td></tr>
            }
        };
        let taxes = z
            .taxes
            .iter()
            .map(|x| {
                let testid = format!("z-tax-{}", tax_label(Lang::En, x.code).to_lowercase());
                view! {
                    <tr>
                        <th scope="row">{tax_label(l, x.code)}</th>
                        <td class="num">{m(x.base)}</td>
                        <td class="num" data-testid=testid>{m(x.amount)}</td>
                    </tr>
                }
            })
            .collect_view();
        let tenders = z
            .tenders
            .iter()
            .filter(|x| x.count > 0 || x.kind == TenderKind::Cash)
            .map(|x| {
                let code = match x.kind {
                    TenderKind::Cash => "cash",
                    TenderKind::Card => "card",
                    TenderKind::Account => "account",
                    TenderKind::StoreCredit => "store-credit",
                    TenderKind::Online => "online",
                };
                view! {
                    <tr>
                        <th scope="row">{tender_label(l, x.kind)}</th>
                        <td class="num">{x.count}</td>
                        <td class="num" data-testid=format!("z-tender-{code}")>{m(x.amount)}</td>
                    </tr>
                }
            })
            .collect_view();
        let expected = z.expected_cash;
        let counted = move || {
            typed_money(&counted_text.get()).filter(|_| !counted_text.get().trim().is_empty())
        };
        // What « Enregistrer le comptage » sends: this report's scope, day and float, and the count.
        let request = Signal::derive(move || {
            let (register, outlet) = match scope_of(&scope.get())? {
                ReportScope::Register(r) => (Some(r), None),
                ReportScope::Outlet(o) => (None, Some(o)),
            };
            Some(CountRequest { register, outlet, date: date.get(), opening_float: float.get()?, counted: counted()? })
        });
        let counts = z.counts.clone();
        let difference = move || {
            counted().map(|c| {
                cash_count(expected, c)
                    .map(|d| count_text(lang.get(), d))
                    .unwrap_or_else(|_| z_texts(lang.get()).bad_amount.to_string())
            })
        };
        view! {
            <div class="z-body" data-testid="z-report">
                <header class="z-head">
                    <h2 data-testid="z-scope-name">{scope_name}</h2>
                    <p>{tt.period} " : " {date_time(l, z.period.from_ms)} " → " {date_time(l, z.period.to_ms)}</p>
                    <p class="print-only">{tt.printed_at} " " {date_time(l, js_sys::Date::now() as i64)}</p>
                </header>
                <h3>{tt.sales}</h3>
                <table class="z-table"><tbody>
                    {row(tt.sale_count.into(), "z-sale-count", z.sale_count.to_string())}
                    {row(tt.return_count.into(), "z-return-count", z.return_count.to_string())}
                    {row(tt.gross.into(), "z-gross", m(z.gross))}
                    {row(tt.discounts.into(), "z-discounts", m(z.discounts))}
                    {row(tt.returns.into(), "z-returns", m(z.returns))}
                    {row(tt.override_count.into(), "z-override-count", z.override_count.to_string())}
                    {row(tt.overrides.into(), "z-overrides", m(z.overrides))}
                </tbody></table>
                <h3>{tt.taxes}</h3>
                <table class="z-table">
                    <thead><tr><th></th><th class="num">{tt.base}</th><th class="num">{tt.amount}</th></tr></thead>
                    <tbody>{taxes}</tbody>
                </table>
                <table class="z-table"><tbody>
                    {row(tt.total.into(), "z-total", m(z.total))}
                </tbody></table>
                <h3>{tt.tenders}</h3>
                <table class="z-table">
                    <thead><tr><th></th><th class="num">{tt.count}</th><th class="num">{tt.amount}</th></tr></thead>
                    <tbody>{tenders}</tbody>
                </table>
                <table class="z-table"><tbody>
                    {row(tt.cash_rounding.into(), "z-cash-rounding", m(z.cash_rounding))}
                    {row(format!("{} ({})", tt.account_payments, z.account_payment_count), "z-account-payments", m(z.account_payments))}
                </tbody></table>
                <h3>{tt.drawer}</h3>
                <table class="z-table"><tbody>
                    {row(tt.opening_float.into(), "z-opening-float", m(z.opening_float))}
                    {row(tt.expected_cash.into(), "z-expected-cash", m(z.expected_cash))}
                    <tr>
                        <th scope="row"><label for="z-counted">{tt.counted_cash}</label></th>
                        <td class="num">
                            <input
                                id="z-counted"
                                class="no-print"
                                type="text"
                                inputmode="decimal"
                                data-testid="z-counted"
                                prop:value=move || counted_text.get()
                                on:input=move |ev| counted_text.set(event_target_value(&ev))
                            />
                            <span class="print-only">{move || counted().map(|c| lang.get().money(c))}</span>
                        </td>
                    </tr>
                    <tr><th scope="row">{tt.difference}</th><td class="num" data-testid="cash-difference">{difference}</td></tr>
                </tbody></table>
                <ZCounts counts=counts request=request reload=reload/>
            </div>
        }
    };

    let report_view = move || {
        let l = lang.get();
        match report.get() {
            None | Some(None) => {
                view! { <p class="hint" data-testid="z-loading">{z_texts(l).loading}</p> }
                    .into_any()
            }
            Some(Some(Err(f))) => {
                let text = match f {
                    ApiFailure::Unreachable(m) => format!("{} ({m})", l.t().server_unreachable),
                    ApiFailure::Refused {
                        status: 401 | 403, ..
                    } => crate::i18n_inbox::inbox_texts(l).refused.to_string(),
                    ApiFailure::Refused { error, .. } => error.message,
                };
                view! { <p class="notice error" role="alert" data-testid="z-error">{text}</p> }
                    .into_any()
            }
            Some(Some(Ok(z))) => body(z).into_any(),
        }
    };

    let page = move || {
        if !ctx.auth.is_manager() {
            return view! { <TillRefusal/> }.into_any();
        }
        view! {
            <section class=move || if letter.get() { "zreport paper-letter" } else { "zreport paper-80mm" }>
                <h1>{move || t().title}</h1>
                {form}
                {report_view}
                <div class="z-print no-print" role="group">
                    <label class="choice-inline">
                        <input type="radio" name="z-paper" data-testid="z-paper-80" prop:checked=move || !letter.get() on:change=move |_| letter.set(false)/>
                        {move || t().print_80}
                    </label>
                    <label class="choice-inline">
                        <input type="radio" name="z-paper" data-testid="z-paper-letter" prop:checked=move || letter.get() on:change=move |_| letter.set(true)/>
                        {move || t().print_letter}
                    </label>
                    <button type="button" class="primary" data-testid="z-print" on:click=move |_| { let _ = window().print(); }>{move || t().print}</button>
                </div>
            </section>
        }
        .into_any()
    };
    view! { {page} }
}
