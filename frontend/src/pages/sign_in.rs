//! *Connexion* (`/connexion`): managers and admins sign in with e-mail and password (the session is an
//! HttpOnly cookie; the page keeps its CSRF token), see who is signed in, and sign out.

use crate::i18n_auth::{auth_texts, role_name, tra};
use crate::state::AppCtx;
use crate::sync::auth_api;
use crate::sync::http::ApiFailure;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::LoginRequest;

#[component]
pub fn SignInPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let auth = ctx.auth;
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let sign_in = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let req = LoginRequest { email: email.get_untracked().trim().to_string(), password: password.get_untracked() };
        spawn_local(async move {
            let result = auth_api::login(&req).await;
            busy.set(false);
            let l = lang.get_untracked();
            match result {
                Ok(info) => {
                    password.set(String::new());
                    auth.set_session(Some(info));
                    // The back office's pages read the catalog: a browser that is not a register fetches it now.
                    if let (None, Some(db)) = (auth.enrolled(), ctx.db.get_value()) {
                        ctx.start_pull(db);
                    }
                }
                Err(ApiFailure::Refused { status: 429, error: e }) => error.set(Some(e.message)),
                Err(ApiFailure::Refused { error: e, .. }) if e.error == "bad_credentials" => error.set(Some(auth_texts(l).bad_credentials.into())),
                Err(ApiFailure::Refused { error: e, .. }) => error.set(Some(e.message)),
                Err(ApiFailure::Unreachable(_)) => error.set(Some(auth_texts(l).unreachable.into())),
            }
        });
    };
    let sign_out = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            // Forgotten here whatever the server says: the cookie expires on its own if it did not hear.
            let _ = auth_api::logout().await;
            auth.set_session(None);
            busy.set(false);
        });
    };
    view! {
        <section class="sign-in" data-testid="sign-in-page">
            <h1>{tra(lang, |t| t.sign_in_title)}</h1>
            {move || match auth.session.get() {
                Some(s) => {
                    let role = s.staff.role;
                    view! {
                        <p data-testid="signed-in">
                            {tra(lang, |t| t.signed_in_as)} " " <strong>{s.staff.name.clone()}</strong>
                            " (" {move || role_name(lang.get(), role)} ")"
                        </p>
                        <button class="secondary" data-testid="sign-out" disabled=move || busy.get() on:click=sign_out>{tra(lang, |t| t.sign_out)}</button>
                    }.into_any()
                }
                None => view! {
                    <p>{tra(lang, |t| t.sign_in_help)}</p>
                    <form on:submit=move |e| { e.prevent_default(); sign_in(); }>
                        <label class="field">
                            <span>{tra(lang, |t| t.email)}</span>
                            <input type="email" data-testid="email" autocomplete="username" data-wedge="off"
                                prop:value=move || email.get() on:input=move |e| email.set(event_target_value(&e))/>
                        </label>
                        <label class="field">
                            <span>{tra(lang, |t| t.password)}</span>
                            <input type="password" data-testid="password" autocomplete="current-password" data-wedge="off"
                                prop:value=move || password.get() on:input=move |e| password.set(event_target_value(&e))/>
                        </label>
                        <button class="primary" type="submit" data-testid="sign-in" disabled=move || busy.get()>{tra(lang, |t| t.sign_in)}</button>
                    </form>
                    {move || error.get().map(|e| view! { <p class="notice error" role="alert" data-testid="sign-in-error">{e}</p> })}
                }.into_any(),
            }}
        </section>
    }
}
