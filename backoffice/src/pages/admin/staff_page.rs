//! `/personnel`: staff of the caller's outlets (an administrator: everyone), active or not, with their
//! role and outlets; an administrator adds, edits (role, outlets, a new PIN or password), deactivates
//! and reactivates them. The server's refusals show as they come (the last administrator kept).

use super::denied::Denied;
use super::staff_form::StaffForm;
use super::staff_row::StaffRow;
use super::{failure_text, is_admin, is_denied, loading};
use crate::api::admin_api;
use crate::i18n_admin::admin_texts;
use frontend::state::AppCtx;
use frontend::sync::api;
use leptos::prelude::*;

#[component]
pub fn StaffPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || admin_texts(lang.get());
    let staff = LocalResource::new(admin_api::staff);
    let setup = LocalResource::new(api::setup);
    let on_changed = Callback::new(move |_| staff.refetch());
    view! {
        <section class="admin-page staff-page" data-testid="staff-page">
            <h1>{move || t().staff_title}</h1>
            {move || match (staff.get(), setup.get()) {
                (None, _) | (_, None) => loading(lang.get()).into_any(),
                (Some(Err(e)), _) if is_denied(&e) => view! { <Denied/> }.into_any(),
                (Some(Err(e)), _) | (_, Some(Err(e))) => view! { <p class="notice bad" role="alert">{failure_text(lang.get(), &e)}</p> }.into_any(),
                (Some(Ok(list)), Some(Ok(setup))) => {
                    let admin = is_admin(&ctx);
                    let outlets: Vec<(String, String)> = setup.outlets.iter().map(|o| (o.id.clone(), o.name.clone())).collect();
                    view! {
                        <table class="staff" data-testid="staff">
                            <thead><tr>
                                <th>{t().name}</th><th>{t().email}</th><th>{t().role}</th><th>{t().outlets}</th><th>{t().state}</th><th></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|a| view! { <StaffRow account=a outlets=outlets.clone() admin=admin on_changed=on_changed/> }).collect_view()}
                            </tbody>
                        </table>
                        {if admin {
                            view! { <StaffForm outlets=outlets.clone() on_changed=on_changed/> }.into_any()
                        } else {
                            view! { <p class="notice info" data-testid="admins-only">{t().admins_only}</p> }.into_any()
                        }}
                    }.into_any()
                }
            }}
        </section>
    }
}
