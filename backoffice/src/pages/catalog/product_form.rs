//! A product's form (`/produits/nouveau`, `/produits/{id}`): every field a product has. What is typed is
//! checked here by the server's own rules (`shared::catalog::edit::checked`: GTIN check digit, price and
//! number ranges; `Money::parse` for a price typed `12,34` or `12.34`) before anything is sent, and the
//! server's refusals (422 per field, 409 a SKU or barcode another product has) are shown beside their
//! field in the screen's language. An edit sends only the fields that changed (`changed_fields`), so
//! it never overwrites what someone else changed meanwhile in another field. Turning "Possède des
//! numéros de série" off says that recorded serials are kept (seed 000). Saving is once-only: the
//! button is disabled while the request is out.

use super::managers_only::ManagersOnly;
use super::products::{failure_text, go};
use crate::api::products_api::{self, Failure};
use crate::i18n_catalog::{catalog_texts, error_text, field_label, taken_text, tax_class_label};
use frontend::i18n::Lang;
use frontend::nav::Nav;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::catalog::edit::{
    changed_fields, checked, parse_tax_class, price_text, tax_class_name, FieldError, NewProduct,
    ProductPatch,
};
use shared::catalog::Product;
use shared::money::Money;
use shared::tax::TaxClass;

const TAX_CLASSES: [TaxClass; 4] = [
    TaxClass::Taxable,
    TaxClass::GstOnly,
    TaxClass::ZeroRated,
    TaxClass::Exempt,
];

/// The id a product not yet created is checked under (the server makes the real one).
const UNSAVED_ID: &str = "new";

/// What the form holds, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
struct Typed {
    name: String,
    sku: String,
    barcode: String,
    price: String,
    tax_class: TaxClass,
    threshold: String,
    points: String,
    tracks_serials: bool,
    quick_key: bool,
    position: String,
}

impl Typed {
    fn of(p: &Product, lang: Lang) -> Typed {
        let price = price_text(p.price);
        Typed {
            name: p.name.clone(),
            sku: p.sku.clone(),
            barcode: p.barcode.clone().unwrap_or_default(),
            // As the manager would type it in their language.
            price: if lang == Lang::Fr {
                price.replace('.', ",")
            } else {
                price
            },
            tax_class: p.tax_class,
            threshold: p
                .low_stock_threshold
                .map(|t| t.to_string())
                .unwrap_or_default(),
            points: p.loyalty_points.to_string(),
            tracks_serials: p.tracks_serials,
            quick_key: p.quick_key,
            position: p.quick_key_position.map(|n| n.to_string()).unwrap_or_default(),
        }
    }

    /// The product this describes, checked by the shared rules; else every field at fault at once.
    fn product(&self, id: &str) -> Result<Product, Vec<FieldError>> {
        let mut errors = Vec::new();
        let price = Money::parse(&self.price).unwrap_or_else(|e| {
            errors.push(FieldError::new("price", e.code(), e.to_string()));
            Money::ZERO
        });
        let threshold = match self.threshold.trim() {
            "" => None,
            t => t.parse::<i64>().map(Some).unwrap_or_else(|_| {
                errors.push(FieldError::new(
                    "low_stock_threshold",
                    "not_a_number",
                    "a whole number",
                ));
                None
            }),
        };
        let points = match self.points.trim() {
            "" => 0,
            t => t.parse::<u32>().unwrap_or_else(|_| {
                errors.push(FieldError::new(
                    "loyalty_points",
                    "not_a_number",
                    "a whole number",
                ));
                0
            }),
        };
        let position = match self.position.trim() {
            "" => None,
            t => t.parse::<u16>().map(Some).unwrap_or_else(|_| {
                errors.push(FieldError::new("quick_key_position", "not_a_number", "a whole number"));
                None
            }),
        };
        let p = Product {
            id: id.to_string(),
            sku: self.sku.clone(),
            barcode: Some(self.barcode.clone()),
            name: self.name.clone(),
            price,
            tax_class: self.tax_class,
            tracks_serials: self.tracks_serials,
            low_stock_threshold: threshold,
            quick_key: self.quick_key,
            quick_key_position: position,
            loyalty_points: points,
        };
        match checked(p) {
            Ok(p) if errors.is_empty() => Ok(p),
            Ok(_) => Err(errors),
            Err(more) => {
                // A field that could not be read is reported once, as unreadable.
                let unreadable: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
                errors.extend(more.into_iter().filter(|e| !unreadable.contains(&e.field)));
                Err(errors)
            }
        }
    }
}

/// The patch of an edit: the fields that changed, and only those.
fn patch_of(before: &Product, after: &Product) -> ProductPatch {
    let mut patch = ProductPatch::default();
    for field in changed_fields(before, after) {
        match field {
            "name" => patch.name = Some(after.name.clone()),
            "sku" => patch.sku = Some(after.sku.clone()),
            "barcode" => patch.barcode = Some(after.barcode.clone()),
            "price" => patch.price = Some(after.price),
            "tax_class" => patch.tax_class = Some(after.tax_class),
            "low_stock_threshold" => patch.low_stock_threshold = Some(after.low_stock_threshold),
            "loyalty_points" => patch.loyalty_points = Some(after.loyalty_points),
            "tracks_serials" => patch.tracks_serials = Some(after.tracks_serials),
            "quick_key" => patch.quick_key = Some(after.quick_key),
            "quick_key_position" => patch.quick_key_position = Some(after.quick_key_position),
            _ => {}
        }
    }
    patch
}

fn new_product(p: &Product) -> NewProduct {
    NewProduct {
        id: None,
        sku: p.sku.clone(),
        barcode: p.barcode.clone(),
        name: p.name.clone(),
        price: p.price,
        tax_class: p.tax_class,
        tracks_serials: p.tracks_serials,
        low_stock_threshold: p.low_stock_threshold,
        quick_key: p.quick_key,
        quick_key_position: p.quick_key_position,
        loyalty_points: p.loyalty_points,
    }
}

/// (field, code, server's sentence) of each thing wrong, for the fields' messages.
type FieldProblems = Vec<(String, String, String)>;

#[derive(Clone, Debug, PartialEq)]
enum Notice {
    Saved,
    NothingChanged,
    FixFields,
    Failed(String),
}

#[component]
pub fn ProductFormPage(id: Option<String>) -> impl IntoView {
    view! { <ManagersOnly><ProductForm id=id.clone()/></ManagersOnly> }
}

#[component]
fn ProductForm(id: Option<String>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let nav = expect_context::<Nav>();
    let lang = ctx.lang;
    let typed = RwSignal::new(Typed {
        points: "0".into(),
        ..Typed::default()
    });
    // The product as the server last answered it (an edit), else `None` (a new product).
    let loaded = RwSignal::new(None::<Product>);
    let loading = RwSignal::new(id.is_some());
    let load_failed = RwSignal::new(None::<String>);
    let problems = RwSignal::new(FieldProblems::new());
    let notice = RwSignal::new(None::<Notice>);
    let pending = RwSignal::new(false);

    if let Some(id) = id.clone() {
        spawn_local(async move {
            match products_api::get(&id).await {
                Ok(p) => {
                    typed.set(Typed::of(&p, lang.get_untracked()));
                    loaded.set(Some(p));
                }
                Err(Failure::Refused { status: 404, .. }) => {
                    load_failed.set(Some(catalog_texts(lang.get_untracked()).not_found.into()))
                }
                Err(f) => load_failed.set(Some(failure_text(lang.get_untracked(), &f))),
            }
            loading.set(false);
        });
    }

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let before = loaded.get_untracked();
        let id = before
            .as_ref()
            .map_or(UNSAVED_ID.to_string(), |p| p.id.clone());
        let product = match typed.with_untracked(|t| t.product(&id)) {
            Ok(p) => p,
            Err(errors) => {
                problems.set(
                    errors
                        .into_iter()
                        .map(|e| (e.field, e.code, e.message))
                        .collect(),
                );
                notice.set(Some(Notice::FixFields));
                return;
            }
        };
        problems.set(Vec::new());
        if let Some(b) = &before {
            if changed_fields(b, &product).is_empty() {
                notice.set(Some(Notice::NothingChanged));
                return;
            }
        }
        notice.set(None);
        pending.set(true);
        spawn_local(async move {
            let answer = match &before {
                Some(b) => products_api::edit(&b.id, &patch_of(b, &product)).await,
                None => products_api::create(&new_product(&product)).await,
            };
            pending.set(false);
            match answer {
                Ok(saved) => {
                    if before.is_none() {
                        // The form now edits the product it created; its address says so.
                        let url = format!("/produits/{}", saved.id);
                        let _ = window().history().and_then(|h| {
                            h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
                        });
                    }
                    typed.set(Typed::of(&saved, lang.get_untracked()));
                    loaded.set(Some(saved));
                    notice.set(Some(Notice::Saved));
                }
                Err(Failure::Refused { refusal, .. })
                    if !refusal.fields.is_empty() || !refusal.collisions.is_empty() =>
                {
                    let mut list: FieldProblems = refusal
                        .fields
                        .into_iter()
                        .map(|e| (e.field, e.code, e.message))
                        .collect();
                    list.extend(
                        refusal
                            .collisions
                            .into_iter()
                            .map(|c| (c.field, "taken".to_string(), c.product_id)),
                    );
                    problems.set(list);
                    notice.set(Some(Notice::FixFields));
                }
                Err(f) => notice.set(Some(Notice::Failed(failure_text(lang.get_untracked(), &f)))),
            }
        });
    };

    // The message beside `field`, if something is wrong with it.
    let problem = move |field: &'static str| {
        move || {
            let l = lang.get();
            problems.with(|list| {
                let text: Vec<String> = list
                    .iter()
                    .filter(|(f, _, _)| f == field)
                    .map(|(_, code, msg)| if code == "taken" { taken_text(l, msg) } else { error_text(l, code, msg) })
                    .collect();
                (!text.is_empty()).then(|| {
                    view! { <span class="field-error" role="alert" data-testid=format!("error-{field}")>{text.join(" ")}</span> }
                })
            })
        }
    };
    let invalid = move |field: &'static str| {
        move || {
            problems
                .with(|l| l.iter().any(|(f, _, _)| f == field))
                .then_some("true")
        }
    };

    let text_field =
        move |field: &'static str,
              value: fn(&Typed) -> &String,
              set: fn(&mut Typed, String),
              hint: Option<fn(&crate::i18n_catalog::CatalogTexts) -> &'static str>| {
            let input_id = format!("product-{field}");
            view! {
                <div class="field">
                    <label for=input_id.clone()>{move || field_label(lang.get(), field)}</label>
                    <input
                        id=input_id
                        type="text"
                        data-testid=format!("field-{field}")
                        autocomplete="off"
                        aria-invalid=invalid(field)
                        placeholder=move || hint.map(|h| h(catalog_texts(lang.get())))
                        prop:value=move || typed.with(|t| value(t).clone())
                        on:input=move |ev| typed.update(|t| set(t, event_target_value(&ev)))
                    />
                    {problem(field)}
                </div>
            }
        };

    let form = move || {
        if loading.get() {
            return view! { <p class="hint" role="status" data-testid="product-loading">{catalog_texts(lang.get()).loading}</p> }.into_any();
        }
        if let Some(m) = load_failed.get() {
            return view! { <p class="notice error" role="alert" data-testid="product-load-error">{m}</p> }.into_any();
        }
        view! {
            <form class="product-form" data-testid="product-form" on:submit=submit novalidate>
                {text_field("name", |t| &t.name, |t, v| t.name = v, None)}
                {text_field("sku", |t| &t.sku, |t, v| t.sku = v, None)}
                {text_field("barcode", |t| &t.barcode, |t, v| t.barcode = v, None)}
                {text_field("price", |t| &t.price, |t, v| t.price = v, Some(|t| t.price_hint))}
                <div class="field">
                    <label for="product-tax_class">{move || field_label(lang.get(), "tax_class")}</label>
                    <select
                        id="product-tax_class"
                        data-testid="field-tax_class"
                        on:change=move |ev| {
                            if let Some(c) = parse_tax_class(&event_target_value(&ev)) {
                                typed.update(|t| t.tax_class = c);
                            }
                        }
                    >
                        {move || {
                            let l = lang.get();
                            let current = typed.with(|t| t.tax_class);
                            TAX_CLASSES
                                .into_iter()
                                .map(|c| view! { <option value=tax_class_name(c) selected=c == current>{tax_class_label(l, c)}</option> })
                                .collect_view()
                        }}
                    </select>
                    {problem("tax_class")}
                </div>
                {text_field("low_stock_threshold", |t| &t.threshold, |t, v| t.threshold = v, Some(|t| t.threshold_hint))}
                {text_field("loyalty_points", |t| &t.points, |t, v| t.points = v, None)}
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="field-tracks_serials"
                        prop:checked=move || typed.with(|t| t.tracks_serials)
                        on:change=move |ev| typed.update(|t| t.tracks_serials = event_target_checked(&ev))
                    />
                    <span>{move || catalog_texts(lang.get()).serials}</span>
                </label>
                {move || {
                    let was_on = loaded.with(|p| p.as_ref().is_some_and(|p| p.tracks_serials));
                    (was_on && !typed.with(|t| t.tracks_serials)).then(|| view! {
                        <p class="notice info" role="status" data-testid="serials-kept">{catalog_texts(lang.get()).serials_off_kept}</p>
                    })
                }}
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="field-quick_key"
                        prop:checked=move || typed.with(|t| t.quick_key)
                        on:change=move |ev| typed.update(|t| t.quick_key = event_target_checked(&ev))
                    />
                    <span>{move || catalog_texts(lang.get()).quick_key}</span>
                </label>
                {text_field("quick_key_position", |t| &t.position, |t, v| t.position = v, Some(|t| t.position_hint))}
                <div class="actions">
                    <button class="primary" type="submit" data-testid="save-product" disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
                        {move || if pending.get() { catalog_texts(lang.get()).saving } else { catalog_texts(lang.get()).save }}
                    </button>
                </div>
            </form>
        }
        .into_any()
    };

    let notice_view = move || {
        let t = catalog_texts(lang.get());
        notice.get().map(|n| match n {
            Notice::Saved => view! { <p class="notice success" role="status" data-testid="product-notice">{t.saved}</p> },
            Notice::NothingChanged => view! { <p class="notice info" role="status" data-testid="product-notice">{t.nothing_changed}</p> },
            Notice::FixFields => view! { <p class="notice error" role="alert" data-testid="product-notice">{t.fix_fields}</p> },
            Notice::Failed(m) => view! { <p class="notice error" role="alert" data-testid="product-notice">{m}</p> },
        })
    };

    let title = move || {
        let t = catalog_texts(lang.get());
        if loaded.with(Option::is_some) || id.is_some() {
            t.edit_title
        } else {
            t.new_product
        }
    };

    view! {
        <section class="product-page" data-testid="product-page">
            <a class="back" href="/produits" on:click=move |e| go(e, nav, "/produits")>{move || catalog_texts(lang.get()).back}</a>
            <h1>{title}</h1>
            {notice_view}
            {form}
        </section>
    }
}
