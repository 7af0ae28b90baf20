//! The sell screen (Vente): scan, see the cart and its totals, pay cash, get a receipt number.

use crate::components::cart_table::CartTable;
use crate::components::pay_dialog::PayDialog;
use crate::components::receipt::Receipt;
use crate::components::totals_panel::TotalsPanel;
use crate::scanner::use_wedge_scanner;
use crate::state::{AppCtx, Boot};
use crate::store::SaleDraft;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::sale::{Cart, CashSettlement, Sale};

#[derive(Clone, Debug, PartialEq)]
enum Notice {
    Unknown(String),
    Error(String),
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let cart = RwSignal::new(Cart::default());
    let notice = RwSignal::new(None::<Notice>);
    let paying = RwSignal::new(false);
    let last_sale = RwSignal::new(None::<Sale>);
    let code = RwSignal::new(String::new());
    let totals = Memo::new(move |_| cart.with(|c| c.totals(&ctx.rates()).ok()));

    let scan = move |raw: String| {
        let found = ctx.catalog.with_value(|c| c.find(&raw).cloned());
        match found {
            Some(product) => {
                cart.update(|c| {
                    c.add(&product);
                });
                notice.set(None);
                last_sale.set(None);
            }
            None => notice.set(Some(Notice::Unknown(raw))),
        }
    };
    use_wedge_scanner(move |c| {
        if !paying.get_untracked() && ctx.boot.get_untracked() == Boot::Ready {
            scan(c)
        }
    });

    let complete = move |cash: CashSettlement| {
        let (Some(db), Some(register)) = (ctx.db.get_value(), ctx.register.get_untracked()) else {
            return;
        };
        let draft = SaleDraft {
            id: uuid::Uuid::now_v7().to_string(),
            register,
            created_at_ms: js_sys::Date::now() as i64,
            cart: cart.get_untracked(),
            rates: ctx.rates(),
            tenders: vec![cash.tender()],
        };
        spawn_local(async move {
            match db.commit_sale(draft).await {
                Ok(sale) => {
                    cart.set(Cart::default());
                    paying.set(false);
                    last_sale.set(Some(sale));
                    ctx.pending.update(|n| *n += 1);
                    ctx.wake_pusher.set(true);
                }
                Err(e) => {
                    paying.set(false);
                    notice.set(Some(Notice::Error(format!("{} ({e})", lang.get_untracked().t().save_failed))));
                }
            }
        });
    };

    let boot_message = move || {
        let t = lang.get().t();
        match ctx.boot.get() {
            Boot::Starting => Some(t.loading_catalog.to_string()),
            Boot::NeedCatalog => Some(t.no_catalog.to_string()),
            Boot::Failed(e) => Some(e),
            Boot::Ready => None,
        }
    };

    view! {
        <div class="sell" data-ready=move || (ctx.boot.get() == Boot::Ready).to_string()>
            <section class="scan-area">
                <form class="code-entry" on:submit=move |e| {
                    e.prevent_default();
                    let c = code.get_untracked();
                    if !c.trim().is_empty() { scan(c); }
                    code.set(String::new());
                }>
                    <input
                        data-testid="code-input"
                        placeholder=move || lang.get().t().code_placeholder
                        autocomplete="off"
                        prop:value=move || code.get()
                        on:input=move |e| code.set(event_target_value(&e))
                    />
                    <button type="submit">{move || lang.get().t().add}</button>
                </form>
                <p class="hint">{move || lang.get().t().scan_hint}</p>
                {move || boot_message().map(|m| view! { <p class="notice info" data-testid="boot">{m}</p> })}
                {move || notice.get().map(|n| {
                    let t = lang.get().t();
                    let text = match n {
                        Notice::Unknown(c) => format!("{} : {c}", t.unknown_code),
                        Notice::Error(e) => e,
                    };
                    view! { <p class="notice error" role="alert" data-testid="notice">{text}</p> }
                })}
                <Show
                    when=move || cart.with(|c| !c.is_empty())
                    fallback=move || view! { <p class="empty">{move || lang.get().t().empty_cart}</p> }
                >
                    <CartTable cart=cart/>
                </Show>
            </section>
            <aside class="checkout">
                <TotalsPanel totals=totals/>
                <div class="actions">
                    <button class="secondary" on:click=move |_| cart.set(Cart::default())
                        disabled=move || cart.with(Cart::is_empty)>{move || lang.get().t().clear_cart}</button>
                    <button class="primary pay" data-testid="pay"
                        disabled=move || cart.with(Cart::is_empty)
                        on:click=move |_| { notice.set(None); paying.set(true) }>{move || lang.get().t().pay}</button>
                </div>
                {move || last_sale.get().map(|sale| view! {
                    <div class="completed" data-testid="sale-completed">
                        <p class="notice success">{move || lang.get().t().sale_completed} " — " {sale.receipt.clone()}</p>
                        <Receipt sale=sale.clone()/>
                        <button class="secondary" on:click=move |_| { let _ = window().print(); }>{move || lang.get().t().print_receipt}</button>
                    </div>
                })}
            </aside>
            <Show when=move || paying.get()>
                {move || totals.get().map(|t| view! {
                    <PayDialog total=t.total on_confirm=complete on_cancel=move || paying.set(false)/>
                })}
            </Show>
        </div>
    }
}
