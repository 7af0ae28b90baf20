//! Catalogue › Produits (`/produits`): products by name — name, SKU, barcode, price, taxes, serials,
//! quick key, low-stock threshold — with a search that runs while typing (after a short pause; an answer
//! to an older search never replaces a newer one), filters (tax class, serial numbers, low stock at one
//! of the manager's outlets) and "Charger plus" by the server's cursor. The server searches by index,
//! so a page costs the same at 100,000 products.

use super::managers_only::ManagersOnly;
use crate::api::products_api::{self, Failure, ProductQuery};
use crate::i18n_catalog::{catalog_texts, tax_class_label};
use frontend::i18n::Lang;
use frontend::nav::Nav;
use frontend::state::AppCtx;
use frontend::sync::api;
use crate::components::paged_list::{Load, PagedList};
use crate::components::debounce::Debounce;
use leptos::prelude::*;
use shared::catalog::edit::tax_class_name;
use shared::catalog::Product;
use shared::tax::TaxClass;
use std::time::Duration;

/// How long typing pauses before the search goes out.
const DEBOUNCE: Duration = Duration::from_millis(250);

const TAX_CLASSES: [TaxClass; 4] = [
    TaxClass::Taxable,
    TaxClass::GstOnly,
    TaxClass::ZeroRated,
    TaxClass::Exempt,
];

pub fn failure_text(lang: Lang, f: &Failure) -> String {
    match f {
        Failure::Unreachable(m) => format!("{} ({m})", lang.t().server_unreachable),
        Failure::Refused { status: 401, .. } => frontend::i18n_auth::auth_texts(lang)
            .need_access
            .to_string(),
        Failure::Refused { status: 403, .. } => catalog_texts(lang).managers_only.to_string(),
        Failure::Refused { refusal, .. } => refusal.message.clone(),
    }
}

/// Goes to a page of this app without reloading it (a plain click; other clicks open a tab).
pub fn go(e: web_sys::MouseEvent, nav: Nav, href: &str) {
    if e.button() != 0 || e.ctrl_key() || e.meta_key() || e.shift_key() {
        return;
    }
    e.prevent_default();
    nav.go(href);
}

#[component]
pub fn ProductsPage() -> impl IntoView {
    view! { <ManagersOnly><ProductList/></ManagersOnly> }
}

#[component]
fn ProductList() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let nav = expect_context::<Nav>();
    let lang = ctx.lang;
    let t = move || catalog_texts(lang.get());
    let setup = LocalResource::new(api::setup);

    let typed = RwSignal::new(String::new());
    let tax = RwSignal::new(String::new());
    let serials = RwSignal::new(String::new());
    let low_at = RwSignal::new(String::new());
    let list = PagedList::<Product, String>::new();
    let PagedList { rows, next, state, more_pending, .. } = list;
    let typing = Debounce::new(DEBOUNCE);

    let query = move || ProductQuery {
        q: typed.get_untracked(),
        tax_class: products_api::tax_class_from(&tax.get_untracked()),
        has_serials: match serials.get_untracked().as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        low_stock_at: Some(low_at.get_untracked()).filter(|o| !o.is_empty()),
    };
    // A failure is kept as the words the screen shows, in the language of the moment it failed.
    let fetch = move |cursor: Option<String>| {
        let q = query();
        async move { products_api::page(&q, cursor.as_deref()).await.map_err(|f| failure_text(lang.get_untracked(), &f)) }
    };
    let search = move || list.search(fetch);
    let load_more = move |_| list.more(fetch);
    search();

    let on_type = move |ev: leptos::ev::Event| {
        typed.set(event_target_value(&ev));
        typing.run(search);
    };

    let outlet_options = move || {
        setup.get().and_then(Result::ok).map(|s| {
            s.outlets
                .into_iter()
                .map(|o| view! { <option value=o.id>{o.name}</option> })
                .collect_view()
        })
    };

    let filters = move || {
        let l = lang.get();
        let t = catalog_texts(l);
        view! {
            <div class="product-filters" role="search">
                <label class="field search">
                    <span>{t.search}</span>
                    <input
                        type="search"
                        data-testid="product-search"
                        autocomplete="off"
                        placeholder=t.search_hint
                        prop:value=move || typed.get_untracked()
                        on:input=on_type
                    />
                </label>
                <label class="field">
                    <span>{t.tax_class}</span>
                    <select data-testid="filter-tax" on:change=move |ev| { tax.set(event_target_value(&ev)); search(); }>
                        <option value="" selected=move || tax.get_untracked().is_empty()>{t.all}</option>
                        {TAX_CLASSES.into_iter().map(|c| {
                            let code = tax_class_name(c);
                            view! { <option value=code selected=move || tax.get_untracked() == code>{tax_class_label(l, c)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{t.serials}</span>
                    <select data-testid="filter-serials" on:change=move |ev| { serials.set(event_target_value(&ev)); search(); }>
                        <option value="" selected=move || serials.get_untracked().is_empty()>{t.all}</option>
                        <option value="yes" selected=move || serials.get_untracked() == "yes">{t.with}</option>
                        <option value="no" selected=move || serials.get_untracked() == "no">{t.without}</option>
                    </select>
                </label>
                <label class="field">
                    <span>{t.low_stock_at}</span>
                    <select data-testid="filter-low-stock" on:change=move |ev| { low_at.set(event_target_value(&ev)); search(); }>
                        <option value="">{t.anywhere}</option>
                        {outlet_options}
                    </select>
                </label>
            </div>
        }
    };

    let table = move || {
        let l = lang.get();
        let t = catalog_texts(l);
        match state.get() {
            Load::Loading => view! { <p class="hint" data-testid="products-loading" role="status">{t.loading}</p> }.into_any(),
            Load::Failed(m) => view! {
                <div class="notice error" role="alert" data-testid="products-error">
                    {format!("{} : {m}", t.failed)} " "
                    <button on:click=move |_| search()>{t.retry}</button>
                </div>
            }
            .into_any(),
            Load::Ready if rows.with(Vec::is_empty) => view! { <p class="empty" data-testid="products-empty">{t.empty}</p> }.into_any(),
            Load::Ready => {
                let yes_no = move |b: bool| if b { t.yes } else { t.no };
                let body = rows
                    .get()
                    .into_iter()
                    .map(|p| {
                        let href = format!("/produits/{}", p.id);
                        let href2 = href.clone();
                        let edit_label = format!("{} {}", t.edit, p.name);
                        view! {
                            <tr class="product-row" data-product=p.id.clone()>
                                <td data-testid="name"><a href=href.clone() on:click=move |e| go(e, nav, &href)>{p.name.clone()}</a></td>
                                <td data-testid="sku">{p.sku.clone()}</td>
                                <td data-testid="barcode">{p.barcode.clone().unwrap_or_default()}</td>
                                <td class="num" data-testid="price">{l.money(p.price)}</td>
                                <td data-testid="tax">{tax_class_label(l, p.tax_class)}</td>
                                <td data-testid="serials">{yes_no(p.tracks_serials)}</td>
                                <td data-testid="quick-key">{yes_no(p.quick_key)}</td>
                                <td class="num" data-testid="threshold">{p.low_stock_threshold.map_or_else(|| "—".to_string(), |v| v.to_string())}</td>
                                <td>
                                    <a class="button edit" href=href2.clone() aria-label=edit_label title=t.edit on:click=move |e| go(e, nav, &href2)>"✎"</a>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <table class="products" data-testid="products">
                        <thead>
                            <tr>
                                <th>{t.name}</th>
                                <th>{t.sku}</th>
                                <th>{t.barcode}</th>
                                <th class="num">{t.price}</th>
                                <th>{t.tax_class}</th>
                                <th>{t.serials}</th>
                                <th>{t.quick_key}</th>
                                <th class="num">{t.threshold}</th>
                                <th><span class="visually-hidden">{t.edit}</span></th>
                            </tr>
                        </thead>
                        <tbody>{body}</tbody>
                    </table>
                    {move || next.get().map(|_| view! {
                        <button class="wide" data-testid="load-more" on:click=load_more disabled=move || more_pending.get()>
                            {move || if more_pending.get() { catalog_texts(lang.get()).loading } else { catalog_texts(lang.get()).load_more }}
                        </button>
                    })}
                }
                .into_any()
            }
        }
    };

    view! {
        <section class="products-page" data-testid="products-page">
            <div class="page-head">
                <h1>{move || t().title}</h1>
                <a class="button primary" href="/produits/nouveau" data-testid="new-product" on:click=move |e| go(e, nav, "/produits/nouveau")>
                    {move || t().new_product}
                </a>
            </div>
            {filters}
            {table}
        </section>
    }
}
