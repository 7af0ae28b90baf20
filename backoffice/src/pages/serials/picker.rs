//! The serial numbers page's product picker: a search field over the catalog this app already holds
//! (pulled like the register's, so it works offline and at an enrolled register, where the catalogue's
//! own search — managers only — does not), offering a few matches, never a `<select>` of the whole
//! catalogue: it stays as quick at 100,000 products.

use crate::i18n_serials::serial_texts;
use frontend::state::AppCtx;
use crate::components::debounce::Debounce;
use leptos::prelude::*;
use shared::catalog::Product;
use std::time::Duration;

/// Matches offered at once: more is a longer list to read, not a better one.
const OFFERED: usize = 8;
/// How long typing pauses before the catalog is searched.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// The products `typed` names, as the catalogue's search reads it (`GET /products?q=`): part of the name
/// in any case, the start of the SKU, or the whole barcode. Products with serial numbers first, then by
/// name; at most `n`.
pub fn product_matches<'a>(products: impl Iterator<Item = &'a Product>, typed: &str, n: usize) -> Vec<&'a Product> {
    let q = typed.trim().to_lowercase();
    if q.is_empty() || n == 0 {
        return Vec::new();
    }
    let order = |a: &&Product, b: &&Product| b.tracks_serials.cmp(&a.tracks_serials).then_with(|| a.name.cmp(&b.name)).then_with(|| a.id.cmp(&b.id));
    let mut found: Vec<&Product> = products
        .filter(|p| {
            p.name.to_lowercase().contains(&q) || p.sku.to_lowercase().starts_with(&q) || p.barcode.as_deref() == Some(typed.trim())
        })
        .collect();
    // Only the first `n` need sorting, however many match.
    if found.len() > n {
        found.select_nth_unstable_by(n - 1, |a, b| order(a, b));
        found.truncate(n);
    }
    found.sort_by(|a, b| order(a, b));
    found
}

/// A product search field that sets `chosen` (a product id; empty: none) when a match is picked —
/// by click or touch, or Enter for the first match; Escape closes the matches. Typing again clears the
/// choice until another pick; `on_change` runs after each change of `chosen`.
#[component]
pub fn ProductPicker(
    chosen: RwSignal<String>,
    /// The field's `data-testid`; its matches are `{testid}-option`.
    testid: &'static str,
    #[prop(into)] label: Signal<&'static str>,
    #[prop(optional, into)] on_change: Option<Callback<()>>,
) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let typed = RwSignal::new(String::new());
    let searched = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let typing = Debounce::new(DEBOUNCE);
    let name_of = move |id: &str| ctx.catalog.with_value(|c| c.get(id).map(|p| p.name.clone()));
    // A choice made elsewhere (the first product with serial numbers, a reset) shows its name.
    Effect::new(move |_| {
        let id = chosen.get();
        ctx.catalog_size.get();
        if let Some(name) = (!id.is_empty()).then(|| name_of(&id)).flatten() {
            typed.set(name);
        }
    });
    let changed = move || {
        if let Some(f) = on_change {
            f.run(());
        }
    };
    let pick = move |id: String| {
        typed.set(name_of(&id).unwrap_or_else(|| id.clone()));
        open.set(false);
        if chosen.get_untracked() != id {
            chosen.set(id);
            changed();
        }
    };
    let matches = Memo::new(move |_| {
        ctx.catalog_size.get();
        let q = searched.get();
        ctx.catalog.with_value(|c| {
            product_matches(c.products(), &q, OFFERED).into_iter().map(|p| (p.id.clone(), p.name.clone(), p.sku.clone())).collect::<Vec<_>>()
        })
    });
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        typed.set(text.clone());
        open.set(true);
        if !chosen.get_untracked().is_empty() {
            chosen.set(String::new());
            changed();
        }
        typing.run(move || searched.set(text));
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            // Never submits the form around: Enter picks.
            ev.prevent_default();
            let first = ctx.catalog.with_value(|c| product_matches(c.products(), &typed.get_untracked(), 1).first().map(|p| p.id.clone()));
            if let Some(id) = first {
                pick(id);
            }
        }
        "Escape" => open.set(false),
        _ => {}
    };
    let clear = move |_| {
        typed.set(String::new());
        searched.set(String::new());
        open.set(false);
        if !chosen.get_untracked().is_empty() {
            chosen.set(String::new());
            changed();
        }
    };
    let option_id = format!("{testid}-option");
    let list = move || {
        let t = serial_texts(lang.get());
        let option_id = option_id.clone();
        (open.get() && !searched.get().trim().is_empty()).then(|| {
            let found = matches.get();
            if found.is_empty() {
                return view! { <p class="picker-empty" role="status">{t.no_product_match}</p> }.into_any();
            }
            view! {
                <ul class="picker-matches" aria-label=label.get()>
                    {found.into_iter().map(|(id, name, sku)| {
                        let option_id = option_id.clone();
                        view! {
                            <li>
                                <button type="button" data-testid=option_id data-product=id.clone() on:click=move |_| pick(id.clone())>
                                    {name}" "<small>{sku}</small>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        })
    };
    view! {
        <div class="picker">
            <label class="field">
                <span>{move || label.get()}</span>
                <span class="picker-field">
                    <input
                        type="search"
                        data-testid=testid
                        autocomplete="off"
                        placeholder=move || serial_texts(lang.get()).product_hint
                        prop:value=move || typed.get()
                        on:input=on_input
                        on:keydown=on_key
                    />
                    {move || (!typed.get().is_empty()).then(|| view! {
                        <button type="button" class="clear" aria-label=serial_texts(lang.get()).clear_product title=serial_texts(lang.get()).clear_product on:click=clear>"×"</button>
                    })}
                </span>
            </label>
            {list}
        </div>
    }
}
