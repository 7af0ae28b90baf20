//! `/appareils`: the devices enrolled at the caller's outlets (an administrator: every device) with
//! their register, outlet, when they were last seen and their state; *Nouveau code d'inscription*; an
//! administrator revokes a device after a confirmation.

use super::code_form::CodeForm;
use super::denied::Denied;
use super::device_row::DeviceRow;
use super::{failure_text, is_admin, is_denied, loading};
use crate::api::admin_api;
use crate::i18n_admin::admin_texts;
use frontend::state::AppCtx;
use frontend::sync::api;
use leptos::prelude::*;

#[component]
pub fn DevicesPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || admin_texts(lang.get());
    let devices = LocalResource::new(admin_api::devices);
    let setup = LocalResource::new(api::setup);
    let on_changed = Callback::new(move |_| devices.refetch());
    view! {
        <section class="admin-page devices-page" data-testid="devices-page">
            <h1>{move || t().devices_title}</h1>
            {move || match (devices.get(), setup.get()) {
                (None, _) | (_, None) => loading(lang.get()).into_any(),
                (Some(Err(e)), _) if is_denied(&e) => view! { <Denied/> }.into_any(),
                (Some(Err(e)), _) | (_, Some(Err(e))) => view! { <p class="notice bad" role="alert">{failure_text(lang.get(), &e)}</p> }.into_any(),
                (Some(Ok(list)), Some(Ok(setup))) => {
                    let admin = is_admin(&ctx);
                    let setup = StoredValue::new(setup);
                    view! {
                        <CodeForm registers=setup.with_value(|s| s.registers.clone())/>
                        {if list.is_empty() {
                            view! { <p class="empty">{t().no_devices}</p> }.into_any()
                        } else {
                            view! {
                                <table class="devices" data-testid="devices">
                                    <thead><tr>
                                        <th>{t().number}</th><th>{t().device}</th><th>{t().register}</th><th>{t().outlet}</th>
                                        <th>{t().enrolled_at}</th><th>{t().last_seen}</th><th>{t().state}</th><th></th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|d| {
                                            let (register, outlet) = setup.with_value(|s| (
                                                d.register_id.as_ref().and_then(|r| s.registers.iter().find(|x| &x.id == r)).map(|r| format!("{} ({})", r.name, r.code)).or(d.register_id.clone()).unwrap_or_default(),
                                                d.outlet_id.as_ref().and_then(|o| s.outlets.iter().find(|x| &x.id == o)).map(|o| o.name.clone()).or(d.outlet_id.clone()).unwrap_or_default(),
                                            ));
                                            view! { <DeviceRow device=d register=register outlet=outlet admin=admin on_changed=on_changed/> }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    }.into_any()
                }
            }}
        </section>
    }
}
