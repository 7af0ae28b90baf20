//! `/points-de-vente`: the outlets in allocation order, each with its time zone, registers and the
//! online stores its stock is offered to; an administrator reorders them, changes a time zone, adds a
//! register or an outlet. The zone list is the server's (the IANA database it bundles).

use super::denied::Denied;
use super::outlet_card::OutletCard;
use super::outlet_form::OutletForm;
use super::{failure_text, is_admin, is_denied, loading};
use crate::api::admin_api;
use crate::i18n_admin::admin_texts;
use frontend::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn OutletsPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || admin_texts(lang.get());
    let outlets = LocalResource::new(admin_api::outlets);
    let zones = LocalResource::new(admin_api::time_zones);
    let on_changed = Callback::new(move |_| outlets.refetch());
    view! {
        <section class="admin-page outlets-page" data-testid="outlets-page">
            <h1>{move || t().outlets_title}</h1>
            <datalist id="time-zones">
                {move || zones.get().and_then(Result::ok).map(|z| z.into_iter().map(|z| view! { <option value=z/> }).collect_view())}
            </datalist>
            {move || match outlets.get() {
                None => loading(lang.get()).into_any(),
                Some(Err(e)) if is_denied(&e) => view! { <Denied/> }.into_any(),
                Some(Err(e)) => view! { <p class="notice bad" role="alert">{failure_text(lang.get(), &e)}</p> }.into_any(),
                Some(Ok(list)) => {
                    let order: Vec<String> = list.iter().map(|o| o.outlet.id.clone()).collect();
                    let admin = is_admin(&ctx);
                    view! {
                        <p class="hint">{t().priority_help}</p>
                        <ol class="outlets" data-testid="outlets">
                            {list.into_iter().map(|o| view! { <OutletCard item=o order=order.clone() admin=admin on_changed=on_changed/> }).collect_view()}
                        </ol>
                        {if admin {
                            view! { <OutletForm on_changed=on_changed/> }.into_any()
                        } else {
                            view! { <p class="notice info" data-testid="admins-only">{t().admins_only}</p> }.into_any()
                        }}
                    }.into_any()
                }
            }}
        </section>
    }
}
