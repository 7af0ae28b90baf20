//! One staff member on `/personnel`: name, e-mail, role, outlets, state; for an administrator
//! *Modifier* (role, outlets, a new PIN, a new password) and *Désactiver* / *Réactiver* behind an inline
//! confirmation. A refusal (the last administrator, a PIN too short) shows under the row's actions.

use super::{failure_text, notice_view, ROLES};
use crate::api::admin_api;
use crate::i18n_admin::{admin_texts, role_label};
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::staff::{StaffAccount, StaffPatch};
use shared::auth::Role;

#[component]
pub fn StaffRow(account: StaffAccount, outlets: Vec<(String, String)>, admin: bool, on_changed: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || admin_texts(lang.get());
    let id = StoredValue::new(account.id.clone());
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<(bool, String)>);
    let role = RwSignal::new(account.role);
    let chosen = RwSignal::new(account.outlets.clone());
    let pin = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let active = account.active;

    let apply = move |patch: StaffPatch| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let answer = admin_api::update_staff(&id.get_value(), &patch).await;
            busy.set(false);
            confirming.set(false);
            match answer {
                Ok(_) => {
                    editing.set(false);
                    pin.set(String::new());
                    password.set(String::new());
                    on_changed.run(());
                }
                Err(e) => notice.set(Some((true, failure_text(lang.get_untracked(), &e)))),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let secret = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.is_empty());
        apply(StaffPatch {
            role: Some(role.get_untracked()),
            outlets: Some(chosen.get_untracked()),
            pin: secret(pin),
            password: secret(password),
            ..Default::default()
        });
    };
    let outlet_names: Vec<String> = account
        .outlets
        .iter()
        .map(|o| outlets.iter().find(|(id, _)| id == o).map(|(_, n)| n.clone()).unwrap_or_else(|| o.clone()))
        .collect();
    let outlets = StoredValue::new(outlets);
    let is_admin_role = account.role == Role::Admin;
    view! {
        <tr data-testid="staff-member" data-id=account.id.clone() data-active=active.to_string() class:inactive=!active>
            <td data-testid="staff-name">{account.name.clone()}</td>
            <td>{account.email.clone().unwrap_or_default()}</td>
            <td data-testid="staff-role">{move || role_label(lang.get(), account.role)}</td>
            <td>{move || if is_admin_role { t().all_outlets.to_string() } else { outlet_names.join(", ") }}</td>
            <td><span class="badge" class:ok=active class:bad=!active data-testid="staff-state">{move || if active { t().active } else { t().inactive }}</span></td>
            <td>
                {admin.then(|| view! {
                    <button type="button" class="secondary" data-testid="staff-edit" aria-expanded=move || editing.get().to_string()
                        on:click=move |_| { editing.update(|e| *e = !*e); confirming.set(false); }>{move || t().edit}</button>
                    " "
                    <button type="button" class="secondary" data-testid="staff-toggle" on:click=move |_| { confirming.set(true); editing.set(false); }>
                        {move || if active { t().deactivate } else { t().reactivate }}
                    </button>
                })}
                {move || confirming.get().then(|| view! {
                    <div class="confirm" role="alertdialog" data-testid="staff-confirm">
                        <p>{if active { t().confirm_deactivate } else { t().reactivate }}</p>
                        <button type="button" class="primary" data-testid="staff-confirm-yes" disabled=move || busy.get()
                            on:click=move |_| apply(StaffPatch { active: Some(!active), ..Default::default() })>{t().confirm}</button>
                        " "
                        <button type="button" class="secondary" data-testid="staff-confirm-no" on:click=move |_| confirming.set(false)>{t().cancel}</button>
                    </div>
                })}
                {move || editing.get().then(|| view! {
                    <form class="admin-form staff-edit" data-testid="staff-edit-form" on:submit=save>
                        <label>{t().role} " "
                            <select data-testid="staff-edit-role" on:change=move |ev| {
                                let v = event_target_value(&ev);
                                if let Some((r, _)) = ROLES.iter().find(|(_, c)| *c == v) { role.set(*r); }
                            }>
                                {ROLES.iter().map(|(r, c)| { let r = *r; view! { <option value=*c selected=move || role.get() == r>{role_label(lang.get(), r)}</option> } }).collect_view()}
                            </select>
                        </label>
                        <fieldset>
                            <legend>{t().outlets}</legend>
                            {outlets.get_value().into_iter().map(|(oid, oname)| {
                                let (a, b) = (oid.clone(), oid.clone());
                                view! {
                                    <label class="check">
                                        <input type="checkbox" data-testid=format!("staff-edit-outlet-{oid}") prop:checked=move || chosen.with(|c| c.contains(&a))
                                            on:change=move |ev| { let on = event_target_checked(&ev); chosen.update(|c| { c.retain(|x| *x != b); if on { c.push(b.clone()); } }); }/>
                                        " " {oname}
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                        <label>{t().new_pin} " "
                            <input type="password" inputmode="numeric" autocomplete="new-password" data-wedge="off" data-testid="staff-edit-pin"
                                prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                        </label>
                        <label>{t().new_password} " "
                            <input type="password" autocomplete="new-password" data-wedge="off" data-testid="staff-edit-password"
                                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                        </label>
                        <button type="submit" class="primary" data-testid="staff-edit-save" disabled=move || busy.get()>{t().save}</button>
                        " "
                        <button type="button" class="secondary" on:click=move |_| editing.set(false)>{t().cancel}</button>
                    </form>
                })}
                {notice_view(notice, "staff-notice")}
            </td>
        </tr>
    }
}
