//! The sell screen (Vente): scan, see the cart and its totals, pay cash, get a receipt number.

use crate::components::cart_table::CartTable;
use crate::components::customer_panel::{attached, CustomerPanel};
use crate::components::discount_dialog::DiscountDialog;
use crate::components::pay_dialog::PayDialog;
use crate::components::price_dialog::PriceDialog;
use crate::components::quick_keys::QuickKeys;
use crate::components::receipt::Receipt;
use crate::components::serial_dialog::{next_missing, SerialDialog};
use crate::components::stock_dialog::StockDialog;
use crate::components::switch_in::SwitchIn;
use crate::components::totals_panel::TotalsPanel;
use crate::scanner::hold::ScanHold;
use crate::scanner::use_scan_claim;
use crate::state::{AppCtx, Boot};
use crate::i18n::tr;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::sale::{Cart, Discount, Sale, Tender};
use sync_client::SaleDraft;

/// Where the cashier is in a sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Cart,
    /// Recording serial numbers for serial-tracked units (at Payer, before the money).
    Serials,
    Cash,
}

/// What a discount being typed applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DiscountTarget {
    Line(usize),
    Sale,
}

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
    let step = RwSignal::new(Step::Cart);
    let last_sale = RwSignal::new(None::<Sale>);
    let code = RwSignal::new(String::new());
    let return_mode = RwSignal::new(false);
    let discount_target = RwSignal::new(None::<DiscountTarget>);
    // The line whose price is being changed (*Modifier le prix*).
    let price_line = RwSignal::new(None::<usize>);
    let panel_notice = RwSignal::new(None::<String>);
    // *Stock* (receiving, count, damage): open, and the product code it is given (typed or scanned).
    let stock_open = RwSignal::new(false);
    let stock_code = RwSignal::new(String::new());
    // The sale's id, made when the pay dialog opens: committing it twice records one sale.
    let draft_id = StoredValue::new(None::<String>);
    // Set synchronously before the commit starts: a second confirm while it runs does nothing.
    let committing = StoredValue::new(false);
    let totals = Memo::new(move |_| cart.with(|c| c.totals(&ctx.rates()).ok()));
    // A return prepared in sales history (`/?retour=…`): loaded once the register is ready.
    let retour_original = RwSignal::new(None::<Sale>);
    let retour_read = StoredValue::new(false);
    Effect::new(move |_| {
        if ctx.boot.get() == Boot::Ready && !retour_read.get_value() {
            retour_read.set_value(true);
            crate::components::return_link::load_return(ctx, cart, retour_original, panel_notice);
        }
    });
    // A new sale begins (by scan, quick key, history…): the last receipt leaves the screen.
    Effect::new(move |_| {
        if cart.with(|c| !c.is_empty()) {
            last_sale.set(None);
        }
    });

    let add = move |product: shared::catalog::Product| {
        // Return mode takes the item back: a negative line at its catalog price (seed 003).
        let returning = return_mode.get_untracked();
        cart.update(|c| {
            if returning { c.add_return(&product) } else { c.add(&product) };
        });
        notice.set(None);
    };
    let scan = move |raw: String| {
        match ctx.catalog.with_value(|c| c.find(&raw).cloned()) {
            Some(product) => add(product),
            None => notice.set(Some(Notice::Unknown(raw))),
        }
    };
    let cashier = ctx.auth.cashier;
    // Every scanner's codes come here unless a dialog claims them: the serial prompt takes them, the pay,
    // discount and price dialogs hold them (`ScanHold`) until they close.
    use_scan_claim(move |c| match step.get_untracked() {
        // Nothing is sold until a cashier is switched in.
        _ if cashier.with_untracked(Option::is_none) => {}
        Step::Cart if stock_open.get_untracked() => stock_code.set(c),
        Step::Cart if ctx.boot.get_untracked() == Boot::Ready => scan(c),
        _ => {}
    });
    let open_pay = move || {
        if draft_id.with_value(Option::is_none) {
            draft_id.set_value(Some(uuid::Uuid::now_v7().to_string()));
        }
        step.set(Step::Cash);
    };
    let start_payment = move || {
        notice.set(None);
        if cart.with_untracked(|c| next_missing(&ctx, c).is_some()) {
            step.set(Step::Serials);
        } else {
            open_pay();
        }
    };

    let complete = move |tenders: Vec<Tender>| {
        if committing.get_value() {
            return;
        }
        let (Some(db), Some(register), Some(id), Some(cashier)) =
            (ctx.db.get_value(), ctx.register.get_untracked(), draft_id.get_value(), cashier.get_untracked())
        else {
            return;
        };
        committing.set_value(true);
        let draft = SaleDraft {
            id,
            register,
            created_at_ms: js_sys::Date::now() as i64,
            cart: cart.get_untracked(),
            rates: ctx.rates(),
            tenders,
            cashier_id: cashier.id,
        };
        spawn_local(async move {
            let result = db.commit_sale(&draft).await;
            committing.set_value(false);
            match result {
                Ok(sale) => {
                    draft_id.set_value(None);
                    cart.set(Cart::default());
                    step.set(Step::Cart);
                    return_mode.set(false);
                    ctx.pending.update(|n| *n += 1);
                    // The sale is durable: show it now; local stock, serials and customer figures follow.
                    crate::printer::after_sale(&sale);
                    last_sale.set(Some(sale.clone()));
                    ctx.apply_sale(&sale);
                    ctx.wake_pusher.set(true);
                }
                Err(e) => {
                    step.set(Step::Cart);
                    notice.set(Some(Notice::Error(format!("{} ({e})", lang.get_untracked().t().save_failed))));
                }
            }
        });
    };

    let boot_message = move || {
        let t = lang.get().t();
        match ctx.boot.get() {
            Boot::Starting => Some(t.loading_catalog.to_string()),
            // Downloading: the progress bar says so.
            Boot::NeedCatalog if ctx.progress.get().is_some() => None,
            Boot::NeedCatalog => Some(t.no_catalog.to_string()),
            Boot::Failed(e) => Some(e),
            Boot::Ready => None,
        }
    };

    view! {
        // `data-busy`: a sale is under way (cart, serial or pay dialog, commit); a new app version waits (index.html).
        <div class="sell" data-ready=move || (ctx.boot.get() == Boot::Ready && cashier.with(Option::is_some)).to_string()
            data-busy=move || (step.get() != Step::Cart || cart.with(|c| !c.is_empty())).to_string()>
            <section class="scan-area">
                <form class="code-entry" on:submit=move |e| {
                    e.prevent_default();
                    let c = code.get_untracked();
                    if !c.trim().is_empty() { scan(c); }
                    code.set(String::new());
                }>
                    <input
                        data-testid="code-input"
                        placeholder=tr(lang, |t| t.code_placeholder)
                        autocomplete="off"
                        prop:value=move || code.get()
                        on:input=move |e| code.set(event_target_value(&e))
                    />
                    <button type="submit">{tr(lang, |t| t.add)}</button>
                </form>
                <p class="hint">{tr(lang, |t| t.scan_hint)}</p>
                {move || boot_message().map(|m| view! { <p class="notice info" data-testid="boot">{m}</p> })}
                {move || ctx.progress.get().filter(|_| ctx.boot.get() != Boot::Ready).map(|p| view! {
                    <div class="pull-progress" data-testid="pull-progress">
                        <progress max="1000" value=p.permille().to_string()></progress>
                        <span>{crate::i18n_pull::progress_label(lang.get(), &p)}</span>
                    </div>
                })}
                <button class="secondary toggle" class:on=move || return_mode.get() data-testid="return-mode"
                    aria-pressed=move || return_mode.get().to_string()
                    on:click=move |_| return_mode.update(|r| *r = !*r)>{tr(lang, |t| t.return_mode)}</button>
                <button class="secondary toggle" data-testid="open-stock" disabled=move || cashier.with(Option::is_none)
                    on:click=move |_| { stock_code.set(String::new()); stock_open.set(true); }>
                    {move || crate::i18n_ops::ops_texts(lang.get()).stock_button}
                </button>
                <Show when=move || return_mode.get()>
                    <p class="notice info" data-testid="return-mode-on">{tr(lang, |t| t.return_mode_on)}</p>
                </Show>
                {move || panel_notice.get().map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                {move || notice.get().map(|n| {
                    let t = lang.get().t();
                    let text = match n {
                        Notice::Unknown(c) => format!("{} : {c}", t.unknown_code),
                        Notice::Error(e) => e,
                    };
                    view! { <p class="notice error" role="alert" data-testid="notice">{text}</p> }
                })}
                <QuickKeys on_pick=add/>
                <Show
                    when=move || cart.with(|c| !c.is_empty())
                    fallback=move || view! { <p class="empty">{tr(lang, |t| t.empty_cart)}</p> }
                >
                    <CartTable cart=cart on_discount=move |i| discount_target.set(Some(DiscountTarget::Line(i)))
                        on_price=move |i| price_line.set(Some(i))/>
                </Show>
            </section>
            <aside class="checkout">
                <CustomerPanel cart=cart notice=panel_notice/>
                <TotalsPanel totals=totals/>
                <button class="secondary wide" data-testid="sale-discount" disabled=move || cart.with(Cart::is_empty)
                    on:click=move |_| discount_target.set(Some(DiscountTarget::Sale))>{tr(lang, |t| t.sale_discount)}</button>
                <div class="actions">
                    <button class="secondary" on:click=move |_| cart.set(Cart::default())
                        disabled=move || cart.with(Cart::is_empty)>{tr(lang, |t| t.clear_cart)}</button>
                    <button class="primary pay" data-testid="pay"
                        disabled=move || cart.with(Cart::is_empty) || cashier.with(Option::is_none)
                        on:click=move |_| start_payment()>{tr(lang, |t| t.pay)}</button>
                </div>
                {move || last_sale.get().map(|sale| view! {
                    <div class="completed" data-testid="sale-completed">
                        <p class="notice success">{tr(lang, |t| t.sale_completed)} " — " {sale.receipt.clone()}</p>
                        <Receipt sale=sale.clone()/>
                        <button class="secondary" on:click=move |_| { let _ = window().print(); }>{tr(lang, |t| t.print_receipt)}</button>
                    </div>
                })}
            </aside>
            <Show when=move || cashier.with(Option::is_none)>
                <SwitchIn/>
            </Show>
            <Show when=move || step.get() == Step::Serials>
                <SerialDialog
                    cart=cart
                    on_done=open_pay
                    on_cancel=move || step.set(Step::Cart)
                />
            </Show>
            <Show when=move || step.get() == Step::Cash>
                <ScanHold/>
                {move || totals.get().map(|t| view! {
                    <PayDialog
                        total=t.total
                        customer=cart.with_untracked(|c| attached(&ctx, c))
                        on_confirm=complete
                        on_cancel=move || step.set(Step::Cart)
                        online_original=cart.with_untracked(|c| online_original(&ctx, c)).or_else(|| retour_original.get_untracked().filter(|o| {
                            o.tenders.iter().any(|t| t.kind == shared::sale::TenderKind::Online) && cart.with_untracked(|c| c.lines.iter().any(|l| l.return_of.as_ref().is_some_and(|r| r.sale_id == o.id)))
                        }))
                    />
                })}
            </Show>
            <Show when=move || stock_open.get()>
                <StockDialog code=stock_code on_close=move || stock_open.set(false)/>
            </Show>
            {move || price_line.get().map(|i| view! { <ScanHold/><PriceDialog cart=cart index=i on_close=move || price_line.set(None)/> })}
            {move || discount_target.get().map(|target| {
                let t = lang.get_untracked().t();
                let title = match target { DiscountTarget::Line(_) => t.line_discount, DiscountTarget::Sale => t.sale_discount };
                view! {
                    <ScanHold/>
                    <DiscountDialog
                        title=title
                        on_apply=move |d: Discount| {
                            let r = match target {
                                DiscountTarget::Line(i) => cart.try_update(|c| c.set_line_discount(i, Some(d))),
                                DiscountTarget::Sale => cart.try_update(|c| c.add_discount(d)),
                            };
                            r.unwrap_or(Ok(())).map_err(|e| e.to_string())
                        }
                        on_remove=move || cart.update(|c| match target {
                            DiscountTarget::Line(i) => { let _ = c.set_line_discount(i, None); }
                            DiscountTarget::Sale => c.discounts.retain(|d| d.reason == shared::sale::DiscountReason::Automatic),
                        })
                        on_close=move || discount_target.set(None)
                    />
                }
            })}
        </div>
    }
}

/// The online sale, paid through a processor, that the cart's returns come from (found in the attached
/// customer's history), if any.
fn online_original(ctx: &AppCtx, cart: &shared::sale::Cart) -> Option<shared::sale::Sale> {
    let sale_id = cart.lines.iter().find_map(|l| l.return_of.as_ref().map(|r| r.sale_id.clone()))?;
    let customer = attached(ctx, cart)?;
    let sale = customer.history.into_iter().find(|s| s.id == sale_id)?;
    sale.tenders.iter().any(|t| t.kind == shared::sale::TenderKind::Online).then_some(sale)
}
