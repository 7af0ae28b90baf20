//! The touch pad: one key per quick-key product. At or below its low-stock threshold a key shows the
//! remaining count large and turns red (seed 003); the count follows `AppCtx::stock`, live.

use crate::state::AppCtx;
use crate::i18n::tr;
use leptos::prelude::*;
use shared::catalog::Product;
use shared::stock::quick_key_for;

#[component]
pub fn QuickKeys(on_pick: impl Fn(Product) + Copy + Send + Sync + 'static) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let keys = move || {
        ctx.catalog_size.track();
        ctx.catalog.with_value(|c| c.quick_keys())
    };
    view! {
        <div class="quick-keys" data-testid="quick-keys" role="group" aria-label=tr(ctx.lang, |t| t.quick_keys)>
            // Keyed by what the key shows too: a price or name pulled later draws the key again.
            <For each=keys key=|p| (p.id.clone(), p.price.as_cents(), p.name.clone()) children=move |product| {
                let id = product.id.clone();
                let shown = {
                    let product = product.clone();
                    // Unknown level (not loaded yet): an ordinary key, never a false alarm.
                    Memo::new(move |_| ctx.stock.with(|s| s.get(&id).map(|&level| quick_key_for(&product, level))))
                };
                let price = product.price;
                let name = product.name.clone();
                view! {
                    <button
                        class="quick-key"
                        class:low=move || shown.get().is_some_and(|s| s.is_red())
                        data-product=product.id.clone()
                        on:click=move |_| on_pick(product.clone())
                    >
                        <span class="qk-name">{name}</span>
                        {move || match shown.get().and_then(|s| s.large_count()) {
                            Some(n) => view! { <span class="qk-count" data-testid="low-stock-count">{n}</span> }.into_any(),
                            None => view! { <span class="qk-price">{ctx.lang.get().money(price)}</span> }.into_any(),
                        }}
                    </button>
                }
            }/>
        </div>
    }
}
