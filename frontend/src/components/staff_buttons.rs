//! Big name buttons for picking a staff member (switch-in, a manager's approval): touch first, and
//! each a real button for the keyboard.

use crate::i18n_auth::role_name;
use crate::state::AppCtx;
use leptos::prelude::*;
use shared::auth::OfflineStaff;

#[component]
pub fn StaffButtons(
    staff: Vec<OfflineStaff>,
    /// The buttons' class and test-id prefix (`staff` → `staff-julie`).
    kind: &'static str,
    on_pick: impl Fn(OfflineStaff) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = expect_context::<AppCtx>().lang;
    view! {
        <div class="staff-buttons">
            {staff.into_iter().map(|s| {
                let role = s.role;
                let (name, testid) = (s.name.clone(), format!("{kind}-{}", s.staff_id));
                view! {
                    <button class=kind data-testid=testid on:click=move |_| on_pick(s.clone())>
                        <span class="staff-name">{name}</span>
                        <span class="staff-role">{move || role_name(lang.get(), role)}</span>
                    </button>
                }
            }).collect_view()}
        </div>
    }
}
