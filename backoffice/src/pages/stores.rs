//! Connect a store, `/boutiques` (managers and admins, issue 11 item 1): the platform, a name, the API's
//! base URL, the platform's credentials — write-only: typed here, kept on the server, never shown back
//! nor sent to devices —, the register that takes the orders, and the outlets whose stock is offered
//! online, in priority order (seed 002; the orders register's outlet by default). Each connected store
//! shows the webhook URL to paste in the platform and its pending and failed platform calls, whether
//! it is active, and lets a manager edit it (credentials replaced whole in password fields, never shown
//! back) or deactivate and reactivate it after a confirmation.
//! The answers are read loosely (`serde_json::Value`): the page shows what the server lists.

use crate::i18n_orders::{credential_label, platform_label, store_texts};
use crate::i18n_stores::store_edit_texts;
use frontend::state::AppCtx;
use frontend::sync::api;
use frontend::sync::http::{self, ApiFailure};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Map, Value};
use shared::fulfilment::Platform;

const PLATFORMS: [Platform; 4] = [Platform::Shopify, Platform::WooCommerce, Platform::BigCommerce, Platform::LightspeedEcom];

fn code(p: Platform) -> &'static str {
    match p {
        Platform::Shopify => "shopify",
        Platform::WooCommerce => "woocommerce",
        Platform::BigCommerce => "bigcommerce",
        Platform::LightspeedEcom => "lightspeed_ecom",
    }
}

/// The credentials fields of each platform (the server's `Credentials`), and which are numbers.
fn fields(p: Platform) -> &'static [(&'static str, bool)] {
    match p {
        Platform::Shopify => &[("access_token", false), ("client_secret", false), ("location_id", false)],
        Platform::WooCommerce => &[("consumer_key", false), ("consumer_secret", false), ("webhook_secret", false)],
        Platform::BigCommerce => &[("store_hash", false), ("access_token", false), ("client_secret", false), ("location_id", true)],
        Platform::LightspeedEcom => &[("store_id", true), ("secret_token", false), ("client_secret", false)],
    }
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// A count or a list's length (the server may give either).
fn count(v: &Value, key: &str) -> usize {
    match v.get(key) {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0) as usize,
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    }
}

#[component]
pub fn StoresPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || store_texts(lang.get());
    let setup = LocalResource::new(api::setup);
    let list = LocalResource::new(|| http::get::<Vec<Value>>("/api/v1/connections"));
    let platform = RwSignal::new(Platform::WooCommerce);
    let name = RwSignal::new(String::new());
    let base_url = RwSignal::new(String::new());
    let secrets = RwSignal::new(Map::<String, Value>::new());
    let register = RwSignal::new(String::new());
    // The chosen outlets in priority order.
    let chosen = RwSignal::new(Vec::<String>::new());
    let notice = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);

    // Default register: the first; default outlets: its outlet (and the choice is explained).
    Effect::new(move |_| {
        let Some(Ok(s)) = setup.get() else { return };
        if register.get_untracked().is_empty() {
            if let Some(r) = s.registers.first() {
                register.set(r.id.clone());
                chosen.set(vec![r.outlet_id.clone()]);
            }
        }
    });
    let pick_register = move |id: String| {
        let outlet = setup.with_untracked(|s| s.as_ref().and_then(|s| s.as_ref().ok()).and_then(|s| s.registers.iter().find(|r| r.id == id).map(|r| r.outlet_id.clone())));
        register.set(id);
        if let Some(o) = outlet {
            chosen.update(|c| {
                if !c.contains(&o) {
                    c.insert(0, o);
                }
            });
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let l = lang.get_untracked();
        let p = platform.get_untracked();
        let mut creds = Map::new();
        creds.insert("platform".into(), json!(code(p)));
        for (field, numeric) in fields(p) {
            let raw = secrets.with_untracked(|s| s.get(*field).and_then(Value::as_str).unwrap_or_default().trim().to_string());
            if raw.is_empty() {
                notice.set(Some((true, format!("{} : {}", store_texts(l).required, credential_label(l, field)))));
                return;
            }
            let value = if *numeric { raw.parse::<u64>().map(|n| json!(n)).unwrap_or(json!(raw)) } else { json!(raw) };
            creds.insert((*field).into(), value);
        }
        let body = json!({
            "platform": code(p),
            "name": name.get_untracked().trim(),
            "base_url": base_url.get_untracked().trim(),
            "credentials": Value::Object(creds),
            "orders_register_id": register.get_untracked(),
            "online_outlets": chosen.get_untracked(),
        });
        busy.set(true);
        spawn_local(async move {
            let answer = http::post::<_, Value>("/api/v1/connections", &body).await;
            busy.set(false);
            let st = store_texts(lang.get_untracked());
            match answer {
                Ok(_) => {
                    // The secrets typed are forgotten at once: the page never shows them back.
                    secrets.set(Map::new());
                    name.set(String::new());
                    notice.set(Some((false, st.saved.to_string())));
                    list.refetch();
                }
                Err(ApiFailure::Refused { error, .. }) => notice.set(Some((true, format!("{} : {}", st.refused, error.message)))),
                Err(ApiFailure::Unreachable(e)) => notice.set(Some((true, e))),
            }
        });
    };

    let outlet_name = move |id: &str| {
        setup.with_untracked(|s| s.as_ref().and_then(|s| s.as_ref().ok()).and_then(|s| s.outlets.iter().find(|o| o.id == id).map(|o| o.name.clone()))).unwrap_or_else(|| id.to_string())
    };
    let origin = window().location().origin().unwrap_or_default();

    view! {
        <section class="stores-page" data-testid="stores-page">
            <h1>{move || t().title}</h1>
            <h2>{move || t().connected}</h2>
            {move || match list.get() {
                None => ().into_any(),
                Some(Err(ApiFailure::Refused { status: 401 | 403, .. })) => view! { <p class="notice bad" data-testid="stores-denied">{t().managers_only}</p> }.into_any(),
                Some(Err(ApiFailure::Refused { error, .. })) => view! { <p class="notice bad">{format!("{} : {}", t().refused, error.message)}</p> }.into_any(),
                Some(Err(ApiFailure::Unreachable(e))) => view! { <p class="notice bad">{e}</p> }.into_any(),
                Some(Ok(v)) if v.is_empty() => view! { <p class="empty">{t().none}</p> }.into_any(),
                Some(Ok(v)) => {
                    let st = t();
                    let origin = origin.clone();
                    view! {
                        <ul class="connections" data-testid="connections">
                            {v.into_iter().map(|c| {
                                let id = text(&c, "id");
                                let hook = Some(text(&c, "webhook_url")).filter(|u| !u.is_empty())
                                    .unwrap_or_else(|| format!("{origin}/api/v1/webhooks/{id}"));
                                let active = c.get("active").and_then(Value::as_bool).unwrap_or(true);
                                let readable = c.get("credentials_readable").and_then(Value::as_bool).unwrap_or(true);
                                let et = store_edit_texts(lang.get_untracked());
                                let on_changed = Callback::new(move |_| list.refetch());
                                let actions = view! { <ConnectionActions conn=c.clone() on_changed=on_changed/> };
                                let outlets: Vec<String> = c.get("online_outlets").or_else(|| c.get("outlets")).and_then(Value::as_array).map(|a| a.iter().map(|o| match o {
                                    Value::String(s) => outlet_name(s),
                                    o => outlet_name(&text(o, "outlet_id")),
                                }).collect()).unwrap_or_default();
                                view! {
                                    <li data-testid="connection" data-id=id.clone() class:inactive=!active>
                                        <strong>{text(&c, "name")}</strong> " — " {text(&c, "platform")} " — " {text(&c, "base_url")}
                                        " " <span class="badge" class:ok=active class:bad=!active data-testid="connection-state" data-active=active.to_string()>
                                            {if active { et.active } else { et.inactive }}
                                        </span>
                                        {(!active).then(|| view! { <br/><span class="hint">{et.inactive_help}</span> })}
                                        {(!readable).then(|| view! { <p class="notice bad" data-testid="credentials-unreadable">{et.unreadable}</p> })}
                                        <br/>{st.online_outlets} " : " {outlets.join(", ")}
                                        <br/>{st.webhook_url} " : " <code data-testid="webhook-url">{hook}</code>
                                        <br/><Outbox id=id.clone()/>
                                        {actions}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <p class="hint">{st.webhook_help}</p>
                    }.into_any()
                }
            }}
            <form class="connect-form" data-testid="connect-form" on:submit=submit>
                <h2>{move || t().connect}</h2>
                <label>{move || t().platform} " "
                    <select data-testid="store-platform" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Some(p) = PLATFORMS.into_iter().find(|p| code(*p) == v) {
                            platform.set(p);
                            secrets.set(Map::new());
                        }
                    }>
                        {PLATFORMS.into_iter().map(|p| view! { <option value=code(p) selected=move || platform.get() == p>{platform_label(p)}</option> }).collect_view()}
                    </select>
                </label>
                <label>{move || t().name} " "
                    <input data-testid="store-name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <label>{move || t().base_url} " "
                    <input data-testid="store-url" type="url" required placeholder=move || t().base_url_hint
                        prop:value=move || base_url.get() on:input=move |ev| base_url.set(event_target_value(&ev))/>
                </label>
                <fieldset>
                    <legend>{move || t().credentials}</legend>
                    <p class="hint">{move || t().write_only}</p>
                    {move || fields(platform.get()).iter().map(|(field, _)| {
                        let f = field.to_string();
                        view! {
                            <label>{credential_label(lang.get(), field)} " "
                                <input type="password" autocomplete="off" data-wedge="off" data-testid=format!("cred-{field}")
                                    prop:value=move || secrets.with(|s| s.get(&f).and_then(Value::as_str).unwrap_or_default().to_string())
                                    on:input={
                                        let f = field.to_string();
                                        move |ev| { let v = event_target_value(&ev); secrets.update(|s| { s.insert(f.clone(), json!(v)); }); }
                                    }/>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <label>{move || t().orders_register} " "
                    <select data-testid="store-register" on:change=move |ev| pick_register(event_target_value(&ev))>
                        {move || setup.get().and_then(Result::ok).map(|s| s.registers.into_iter().map(|r| {
                            let sel = r.id == register.get();
                            view! { <option value=r.id.clone() selected=sel>{r.name.clone()} " (" {r.code.clone()} ")"</option> }
                        }).collect_view())}
                    </select>
                </label>
                <fieldset data-testid="store-outlets">
                    <legend>{move || t().online_outlets}</legend>
                    <p class="hint">{move || t().online_outlets_help}</p>
                    {move || {
                        let st = t();
                        let all = setup.get().and_then(Result::ok).map(|s| s.outlets).unwrap_or_default();
                        let order = chosen.get();
                        // The chosen ones first, in priority order, then the others.
                        let mut sorted = all.clone();
                        sorted.sort_by_key(|o| order.iter().position(|c| *c == o.id).unwrap_or(usize::MAX));
                        sorted.into_iter().map(|o| {
                            let id = o.id.clone();
                            let on = order.contains(&id);
                            let (a, b, c) = (id.clone(), id.clone(), id.clone());
                            view! {
                                <div class="outlet-choice">
                                    <label>
                                        <input type="checkbox" data-testid=format!("outlet-{id}") prop:checked=on
                                            on:change=move |_| chosen.update(|list| if let Some(i) = list.iter().position(|x| *x == a) { list.remove(i); } else { list.push(a.clone()); })/>
                                        " " {o.name.clone()}
                                    </label>
                                    {on.then(|| view! {
                                        <button type="button" class="secondary" on:click=move |_| chosen.update(|list| if let Some(i) = list.iter().position(|x| *x == b) { if i > 0 { list.swap(i, i - 1); } })>{st.up}</button>
                                        <button type="button" class="secondary" on:click=move |_| chosen.update(|list| if let Some(i) = list.iter().position(|x| *x == c) { if i + 1 < list.len() { list.swap(i, i + 1); } })>{st.down}</button>
                                    })}
                                </div>
                            }
                        }).collect_view()
                    }}
                </fieldset>
                <button class="primary" type="submit" data-testid="store-save" disabled=move || busy.get()>{move || t().save}</button>
                {move || notice.get().map(|(bad, m)| view! { <p class="notice" class:bad=bad class:info=!bad data-testid="store-notice">{m}</p> })}
            </form>
        </section>
    }
}

/// A connection's platform calls still owed and those the platform refused
/// (`GET /connections/{id}/outbox`).
#[component]
fn Outbox(id: String) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let summary = LocalResource::new(move || {
        let url = format!("/api/v1/connections/{}/outbox", http::seg(&id));
        async move { http::get::<Value>(&url).await.ok() }
    });
    move || {
        let st = store_texts(lang.get());
        summary.get().flatten().map(|s| {
            let failed: Vec<String> = s
                .get("calls")
                .and_then(Value::as_array)
                .map(|calls| {
                    calls
                        .iter()
                        .filter(|c| text(c, "state") == "failed")
                        .map(|c| format!("{} : {}", text(c, "external_id"), text(c, "last_error")))
                        .collect()
                })
                .unwrap_or_default();
            view! {
                {st.pending_calls} " : " <span data-testid="pending-calls">{count(&s, "pending")}</span>
                " · " {st.failed_calls} " : " <span data-testid="failed-calls">{count(&s, "failed")}</span>
                <ul class="failed-calls">{failed.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
            }
        })
    }
}

/// `PATCH url` with a JSON body, as the signed-in manager (session cookie and CSRF token).
async fn patch_json(url: &str, body: &Value) -> Result<Value, ApiFailure> {
    let mut b = gloo_net::http::Request::patch(url);
    if let Some(t) = http::credentials().csrf {
        b = b.header("X-CSRF-Token", &t);
    }
    http::read(http::send(b, Some(body.to_string()), http::TIMEOUT_MS).await).await
}

/// The options a platform reads (`PlatformOptions`), with their labels.
fn option_fields(p: Platform, et: &'static crate::i18n_stores::StoreEditTexts) -> Vec<(&'static str, &'static str)> {
    match p {
        Platform::BigCommerce => vec![("bigcommerce_create_shipment", et.opt_bigcommerce_shipment)],
        Platform::Shopify => vec![("shopify_prepared_for_pickup", et.opt_shopify_pickup)],
        Platform::LightspeedEcom => vec![("ecwid_ready_for_pickup", et.opt_ecwid_pickup)],
        Platform::WooCommerce => vec![],
    }
}

/// A connected store's actions: edit it (`PATCH /connections/{id}`), deactivate or reactivate it
/// (`POST /connections/{id}/deactivate|activate`) once confirmed. Buttons and fields are plain
/// elements: reachable with Tab, pressed with Enter or a touch.
#[component]
fn ConnectionActions(conn: Value, on_changed: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let et = move || store_edit_texts(lang.get());
    let setup = LocalResource::new(api::setup);
    let id = StoredValue::new(text(&conn, "id"));
    let active = conn.get("active").and_then(Value::as_bool).unwrap_or(true);
    let platform = PLATFORMS.into_iter().find(|p| code(*p) == text(&conn, "platform")).unwrap_or(Platform::WooCommerce);
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<(bool, String)>);
    let name = RwSignal::new(text(&conn, "name"));
    let base_url = RwSignal::new(text(&conn, "base_url"));
    let register = RwSignal::new(text(&conn, "orders_register_id"));
    let secrets = RwSignal::new(Map::<String, Value>::new());
    let options = RwSignal::new(conn.get("options").and_then(Value::as_object).cloned().unwrap_or_default());

    let refused = move |e: ApiFailure| match e {
        ApiFailure::Refused { error, .. } => format!("{} : {}", store_texts(lang.get_untracked()).refused, error.message),
        ApiFailure::Unreachable(e) => e,
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let l = lang.get_untracked();
        let typed: Vec<(&str, bool, String)> = fields(platform)
            .iter()
            .map(|(f, numeric)| (*f, *numeric, secrets.with_untracked(|s| s.get(*f).and_then(Value::as_str).unwrap_or_default().trim().to_string())))
            .collect();
        let mut body = json!({
            "name": name.get_untracked().trim(),
            "base_url": base_url.get_untracked().trim(),
            "orders_register_id": register.get_untracked(),
            "options": Value::Object(options.get_untracked()),
        });
        let filled = typed.iter().filter(|(_, _, v)| !v.is_empty()).count();
        if filled > 0 {
            if filled < typed.len() {
                notice.set(Some((true, store_edit_texts(l).all_or_none.to_string())));
                return;
            }
            let mut creds = Map::new();
            creds.insert("platform".into(), json!(code(platform)));
            for (f, numeric, raw) in typed {
                let value = if numeric { raw.parse::<u64>().map(|n| json!(n)).unwrap_or(json!(raw)) } else { json!(raw) };
                creds.insert(f.into(), value);
            }
            body["credentials"] = Value::Object(creds);
        }
        busy.set(true);
        let url = format!("/api/v1/connections/{}", http::seg(&id.get_value()));
        spawn_local(async move {
            let answer = patch_json(&url, &body).await;
            busy.set(false);
            match answer {
                Ok(_) => {
                    // Typed secrets are forgotten at once, saved or not shown again.
                    secrets.set(Map::new());
                    editing.set(false);
                    notice.set(Some((false, store_edit_texts(lang.get_untracked()).saved.to_string())));
                    on_changed.run(());
                }
                Err(e) => notice.set(Some((true, refused(e)))),
            }
        });
    };

    let toggle = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let verb = if active { "deactivate" } else { "activate" };
        let url = format!("/api/v1/connections/{}/{verb}", http::seg(&id.get_value()));
        spawn_local(async move {
            let answer = http::post::<_, Value>(&url, &json!({})).await;
            busy.set(false);
            confirming.set(false);
            let et = store_edit_texts(lang.get_untracked());
            match answer {
                Ok(_) => {
                    notice.set(Some((false, if active { et.deactivated } else { et.activated }.to_string())));
                    on_changed.run(());
                }
                Err(e) => notice.set(Some((true, refused(e)))),
            }
        });
    };

    view! {
        <div class="connection-actions">
            <button type="button" class="secondary" data-testid="connection-edit" aria-expanded=move || editing.get().to_string()
                on:click=move |_| { editing.update(|e| *e = !*e); confirming.set(false); }>{move || et().edit}</button>
            " "
            <button type="button" class="secondary" data-testid="connection-toggle" on:click=move |_| { confirming.set(true); editing.set(false); }>
                {move || if active { et().deactivate } else { et().activate }}
            </button>
            {move || confirming.get().then(|| view! {
                <div class="confirm" role="alertdialog" data-testid="connection-confirm">
                    <p>{if active { et().confirm_deactivate } else { et().confirm_activate }}</p>
                    <button type="button" class="primary" data-testid="connection-confirm-yes" disabled=move || busy.get() on:click=toggle>{et().confirm}</button>
                    " "
                    <button type="button" class="secondary" data-testid="connection-confirm-no" on:click=move |_| confirming.set(false)>{et().cancel}</button>
                </div>
            })}
            {move || editing.get().then(|| view! {
                <form class="connect-form edit-form" data-testid="connection-edit-form" on:submit=save>
                    <h3>{et().edit_title}</h3>
                    <label>{store_texts(lang.get()).name} " "
                        <input data-testid="edit-name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    </label>
                    <label>{store_texts(lang.get()).base_url} " "
                        <input data-testid="edit-url" type="url" required prop:value=move || base_url.get() on:input=move |ev| base_url.set(event_target_value(&ev))/>
                    </label>
                    <fieldset>
                        <legend>{et().replace_credentials}</legend>
                        <p class="hint">{et().replace_help}</p>
                        {fields(platform).iter().map(|(field, _)| {
                            let f = field.to_string();
                            let g = field.to_string();
                            view! {
                                <label>{credential_label(lang.get(), field)} " "
                                    <input type="password" autocomplete="new-password" data-wedge="off" data-testid=format!("edit-cred-{field}")
                                        prop:value=move || secrets.with(|s| s.get(&f).and_then(Value::as_str).unwrap_or_default().to_string())
                                        on:input=move |ev| { let v = event_target_value(&ev); secrets.update(|s| { s.insert(g.clone(), json!(v)); }); }/>
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    {(!option_fields(platform, et()).is_empty()).then(|| view! {
                        <fieldset>
                            <legend>{et().options}</legend>
                            {option_fields(platform, et()).into_iter().map(|(key, label)| view! {
                                <label>
                                    <input type="checkbox" data-testid=format!("edit-opt-{key}")
                                        prop:checked=move || options.with(|o| o.get(key).and_then(Value::as_bool).unwrap_or(false))
                                        on:change=move |ev| { let on = event_target_checked(&ev); options.update(|o| { o.insert(key.into(), json!(on)); }); }/>
                                    " " {label}
                                </label>
                            }).collect_view()}
                        </fieldset>
                    })}
                    <label>{store_texts(lang.get()).orders_register} " "
                        <select data-testid="edit-register" on:change=move |ev| register.set(event_target_value(&ev))>
                            {move || setup.get().and_then(Result::ok).map(|s| s.registers.into_iter().map(|r| {
                                let sel = r.id == register.get();
                                view! { <option value=r.id.clone() selected=sel>{r.name.clone()} " (" {r.code.clone()} ")"</option> }
                            }).collect_view())}
                        </select>
                    </label>
                    <p class="hint">{et().register_help}</p>
                    <button class="primary" type="submit" data-testid="edit-save" disabled=move || busy.get()>{et().save}</button>
                    " "
                    <button type="button" class="secondary" on:click=move |_| { secrets.set(Map::new()); editing.set(false); }>{et().cancel}</button>
                </form>
            })}
            {move || notice.get().map(|(bad, m)| view! { <p class="notice" class:bad=bad class:info=!bad data-testid="connection-notice">{m}</p> })}
        </div>
    }
}
