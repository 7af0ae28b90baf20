//! Clients › Nouveau client and Modifier: a customer's name, e-mail and account terms (seed 003: the
//! credit limit, "Limite de crédit", and the automatic discount, "Remise automatique"). What is typed
//! is checked here by the server's own rule (`shared::catalog::customer_edit`; `Money::parse` for an
//! amount typed `500,00` or `500.00`, `parse_percent` for `2,5`) before anything is sent, and the
//! server's refusals (422 per field, 409 an e-mail another customer has) are shown beside their field
//! in the screen's language. The balance is never a field: it moves only by sales and payments.
//! Saving is once-only: the button is disabled while the request is out.

use super::catalog::products::failure_text;
use crate::api::customers_api;
use crate::api::products_api::Failure;
use crate::i18n_catalog::error_text;
use crate::i18n_clients::client_texts;
use frontend::i18n::Lang;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::catalog::customer_edit::CustomerForm;
use shared::catalog::edit::{price_text, FieldError};
use shared::sale::{parse_percent, percent_text};
use shared::sync::CustomerSummary;
use shared::Money;

/// The id a customer not yet created is checked under (the server makes the real one).
const UNSAVED_ID: &str = "new";

/// What the form holds, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
struct Typed {
    name: String,
    email: String,
    credit_limit: String,
    discount: String,
}

impl Typed {
    fn of(c: Option<&CustomerSummary>, lang: Lang) -> Typed {
        let Some(c) = c else {
            return Typed { credit_limit: "0".into(), discount: "0".into(), ..Typed::default() };
        };
        let limit = price_text(c.account.credit_limit);
        Typed {
            name: c.customer.name.clone(),
            email: c.customer.email.clone().unwrap_or_default(),
            // As the manager would type it in their language.
            credit_limit: if lang == Lang::Fr { limit.replace('.', ",") } else { limit },
            discount: {
                let p = percent_text(c.account.automatic_discount_bp);
                if lang == Lang::Fr { p } else { p.replace(',', ".") }
            },
        }
    }

    /// The form to send, checked by the shared rule; else every field at fault at once.
    fn form(&self, id: &str) -> Result<CustomerForm, Vec<FieldError>> {
        let mut errors = Vec::new();
        let credit_limit = match self.credit_limit.trim() {
            "" => Money::ZERO,
            t => Money::parse(t).unwrap_or_else(|e| {
                errors.push(FieldError::new("credit_limit", e.code(), e.to_string()));
                Money::ZERO
            }),
        };
        let automatic_discount_bp = match self.discount.trim() {
            "" => 0,
            t => parse_percent(t).unwrap_or_else(|| {
                errors.push(FieldError::new("automatic_discount_bp", "bad_percent", "a percentage from 0 to 100"));
                0
            }),
        };
        let email = Some(self.email.trim().to_string()).filter(|e| !e.is_empty());
        let form = CustomerForm { id: None, name: self.name.clone(), email, credit_limit, automatic_discount_bp };
        match form.clone().checked(id.to_string()) {
            Ok(_) if errors.is_empty() => Ok(form),
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

/// The message for one problem with a field, in the screen's language.
fn problem_text(lang: Lang, e: &FieldError) -> String {
    let t = client_texts(lang);
    match e.code.as_str() {
        "bad_percent" => t.bad_percent.into(),
        "email_taken" => t.email_taken.into(),
        "id_taken" => t.id_taken.into(),
        code => error_text(lang, code, &e.message),
    }
}

/// The form, for a new customer (`editing: None`) or the one given; `on_saved` receives the summary
/// the server answered, `on_cancel` closes it.
#[component]
pub fn CustomerFormPanel(editing: Option<CustomerSummary>, on_saved: Callback<CustomerSummary>, on_cancel: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || client_texts(lang.get());
    let typed = RwSignal::new(Typed::of(editing.as_ref(), lang.get_untracked()));
    let problems = RwSignal::new(Vec::<FieldError>::new());
    let failed = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let id = editing.as_ref().map(|c| c.customer.id.clone());
    let is_new = id.is_none();

    let submit = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if pending.get_untracked() {
                return;
            }
            failed.set(None);
            let form = match typed.with_untracked(|t| t.form(id.as_deref().unwrap_or(UNSAVED_ID))) {
                Ok(f) => f,
                Err(errors) => return problems.set(errors),
            };
            problems.set(Vec::new());
            pending.set(true);
            let id = id.clone();
            spawn_local(async move {
                let answer = match &id {
                    Some(id) => customers_api::edit(id, &form).await,
                    None => customers_api::create(&form).await,
                };
                pending.set(false);
                match answer {
                    Ok(saved) => on_saved.run(saved),
                    Err(Failure::Refused { refusal, .. }) if !refusal.fields.is_empty() => problems.set(refusal.fields),
                    Err(f) => failed.set(Some(failure_text(lang.get_untracked(), &f))),
                }
            });
        }
    };

    let problem = move |field: &'static str| {
        move || {
            let l = lang.get();
            let text: Vec<String> = problems.with(|list| list.iter().filter(|e| e.field == field).map(|e| problem_text(l, e)).collect());
            (!text.is_empty()).then(|| view! { <span class="field-error" role="alert" data-testid=format!("error-{field}")>{text.join(" ")}</span> })
        }
    };
    let invalid = move |field: &'static str| move || problems.with(|l| l.iter().any(|e| e.field == field)).then_some("true");
    let field = move |name: &'static str, label: fn(&crate::i18n_clients::ClientTexts) -> &'static str, hint: Option<fn(&crate::i18n_clients::ClientTexts) -> &'static str>, value: fn(&Typed) -> &String, set: fn(&mut Typed, String), mode: &'static str| {
        let input_id = format!("customer-{name}");
        view! {
            <div class="field">
                <label for=input_id.clone()>{move || label(client_texts(lang.get()))}</label>
                <input id=input_id data-testid=format!("customer-{name}") inputmode=mode autocomplete="off"
                    aria-invalid=invalid(name)
                    prop:value=move || typed.with(|t| value(t).clone())
                    on:input=move |e| typed.update(|t| set(t, event_target_value(&e)))/>
                {hint.map(|h| view! { <span class="hint">{move || h(client_texts(lang.get()))}</span> })}
                {problem(name)}
            </div>
        }
    };

    view! {
        <form class="customer-form card" data-testid="customer-form" on:submit=submit>
            <h2>{move || if is_new { t().new_title } else { t().edit_title }}</h2>
            {field("name", |t| t.name, None, |t| &t.name, |t, v| t.name = v, "text")}
            {field("email", |t| t.email, None, |t| &t.email, |t, v| t.email = v, "email")}
            {field("credit_limit", |t| t.credit_limit, Some(|t| t.credit_limit_hint), |t| &t.credit_limit, |t, v| t.credit_limit = v, "decimal")}
            {field("automatic_discount_bp", |t| t.automatic_discount, Some(|t| t.discount_hint), |t| &t.discount, |t, v| t.discount = v, "decimal")}
            <div class="actions">
                <button type="submit" class="primary" data-testid="save-customer" disabled=move || pending.get()>{move || t().save}</button>
                <button type="button" class="secondary" data-testid="cancel-customer" on:click=move |_| on_cancel.run(())>{move || t().cancel}</button>
            </div>
            {move || failed.get().map(|m| view! { <p class="notice error" role="alert" data-testid="customer-form-error">{m}</p> })}
        </form>
    }
}
