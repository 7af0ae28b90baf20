//! *Ajouter un membre du personnel* (administrators): name, role, outlets, a PIN to switch in at the
//! registers, and for signing in an e-mail and a password.

use super::{failure_text, notice_view, ROLES};
use crate::api::admin_api;
use crate::i18n_admin::{admin_texts, role_label};
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::{NewStaff, Role};

#[component]
pub fn StaffForm(outlets: Vec<(String, String)>, on_changed: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || admin_texts(lang.get());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Cashier);
    let chosen = RwSignal::new(Vec::<String>::new());
    let pin = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_string()).filter(|v| !v.is_empty());
        let new = NewStaff {
            name: name.get_untracked(),
            email: text(email),
            role: role.get_untracked(),
            outlets: chosen.get_untracked(),
            password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
            pin: text(pin),
        };
        busy.set(true);
        spawn_local(async move {
            let answer = admin_api::create_staff(&new).await;
            busy.set(false);
            match answer {
                Ok(_) => {
                    for s in [name, email, pin, password] {
                        s.set(String::new());
                    }
                    chosen.set(Vec::new());
                    notice.set(Some((false, admin_texts(lang.get_untracked()).created.to_string())));
                    on_changed.run(());
                }
                Err(e) => notice.set(Some((true, failure_text(lang.get_untracked(), &e)))),
            }
        });
    };
    view! {
        <form class="admin-form" data-testid="staff-form" on:submit=submit>
            <h2>{move || t().add_staff}</h2>
            <label>{move || t().name} " "
                <input data-testid="new-staff-name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label>{move || t().role} " "
                <select data-testid="new-staff-role" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if let Some((r, _)) = ROLES.iter().find(|(_, c)| *c == v) { role.set(*r); }
                }>
                    {ROLES.iter().map(|(r, c)| { let r = *r; view! { <option value=*c selected=move || role.get() == r>{move || role_label(lang.get(), r)}</option> } }).collect_view()}
                </select>
            </label>
            <fieldset>
                <legend>{move || t().outlets}</legend>
                {outlets.into_iter().map(|(oid, oname)| {
                    let (a, b) = (oid.clone(), oid.clone());
                    view! {
                        <label class="check">
                            <input type="checkbox" data-testid=format!("new-staff-outlet-{oid}") prop:checked=move || chosen.with(|c| c.contains(&a))
                                on:change=move |ev| { let on = event_target_checked(&ev); chosen.update(|c| { c.retain(|x| *x != b); if on { c.push(b.clone()); } }); }/>
                            " " {oname}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <label>{move || t().pin} " "
                <input type="password" inputmode="numeric" autocomplete="new-password" data-wedge="off" data-testid="new-staff-pin"
                    prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
            </label>
            <label>{move || t().email} " "
                <input type="email" autocomplete="off" data-testid="new-staff-email" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
            </label>
            <label>{move || t().password} " "
                <input type="password" autocomplete="new-password" data-wedge="off" data-testid="new-staff-password"
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            </label>
            <button type="submit" class="primary" data-testid="new-staff-save" disabled=move || busy.get()>{move || t().add_staff}</button>
            {notice_view(notice, "staff-form-notice")}
        </form>
    }
}
