//! The words for enrolment, cashier switch-in, sign-in and a refused device, French (Canada, the
//! default) and English, in the one-struct-per-language style of [`crate::i18n`].

use crate::i18n::Lang;
use shared::auth::Role;

pub struct AuthTexts {
    pub enrol_title: &'static str,
    pub enrol_help: &'static str,
    pub enrol_code: &'static str,
    pub enrol: &'static str,
    pub enrolling: &'static str,
    pub enrol_bad_code: &'static str,
    pub enrol_offline: &'static str,
    pub who: &'static str,
    pub switch_cashier: &'static str,
    pub cashier: &'static str,
    pub pin_for: &'static str,
    pub pin_clear: &'static str,
    pub back: &'static str,
    pub ok: &'static str,
    pub checking: &'static str,
    pub pin_format: &'static str,
    pub locked: &'static str,
    pub offline_switch_in: &'static str,
    pub no_staff: &'static str,
    pub revoked: &'static str,
    pub not_recognised: &'static str,
    pub forbidden: &'static str,
    pub enrol_again: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_help: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub bad_credentials: &'static str,
    pub unreachable: &'static str,
    pub need_access: &'static str,
}

const FR: AuthTexts = AuthTexts {
    enrol_title: "Enrôler cet appareil",
    enrol_help: "Demandez à un gérant un code d'enrôlement pour cette caisse, puis saisissez-le ici.",
    enrol_code: "Code d'enrôlement",
    enrol: "Enrôler",
    enrolling: "Enrôlement…",
    enrol_bad_code: "Code invalide, expiré ou déjà utilisé.",
    enrol_offline: "Serveur injoignable : connectez l'appareil au réseau pour l'enrôler.",
    who: "Qui est à la caisse ?",
    switch_cashier: "Changer de caissier",
    cashier: "Caissier",
    pin_for: "NIP de",
    pin_clear: "Effacer",
    back: "Retour",
    ok: "OK",
    checking: "Vérification du NIP…",
    pin_format: "Un NIP a de 4 à 8 chiffres.",
    locked: "Trop d'essais : réessayez plus tard.",
    offline_switch_in: "hors ligne (NIP vérifié sur l'appareil)",
    no_staff: "Aucun employé connu sur cet appareil : connectez-le au réseau une première fois.",
    revoked: "Cet appareil a été révoqué — les ventes non envoyées restent ici ; exportez-les.",
    not_recognised: "Le serveur ne reconnaît plus cet appareil — les ventes non envoyées restent ici ; exportez-les.",
    forbidden: "Le serveur refuse les envois de cet appareil — les ventes non envoyées restent ici ; exportez-les.",
    enrol_again: "Enrôler de nouveau",
    sign_in_title: "Connexion",
    sign_in_help: "Gérants et administrateurs : connectez-vous avec votre courriel.",
    email: "Courriel",
    password: "Mot de passe",
    sign_in: "Se connecter",
    sign_out: "Se déconnecter",
    signed_in_as: "Connecté :",
    bad_credentials: "Courriel ou mot de passe incorrect.",
    unreachable: "Serveur injoignable : réessayez.",
    need_access: "Connectez-vous (gérant) ou enrôlez cet appareil pour voir cette page.",
};

const EN: AuthTexts = AuthTexts {
    enrol_title: "Enrol this device",
    enrol_help: "Ask a manager for an enrolment code for this register, then type it here.",
    enrol_code: "Enrolment code",
    enrol: "Enrol",
    enrolling: "Enrolling…",
    enrol_bad_code: "Invalid, expired or already used code.",
    enrol_offline: "Server unreachable: connect the device to the network to enrol it.",
    who: "Who is at the register?",
    switch_cashier: "Switch cashier",
    cashier: "Cashier",
    pin_for: "PIN for",
    pin_clear: "Clear",
    back: "Back",
    ok: "OK",
    checking: "Checking PIN…",
    pin_format: "A PIN has 4 to 8 digits.",
    locked: "Too many tries: try again later.",
    offline_switch_in: "offline (PIN checked on this device)",
    no_staff: "No staff known on this device yet: connect it to the network once.",
    revoked: "This device has been revoked — unsent sales stay here; export them.",
    not_recognised: "The server no longer recognises this device — unsent sales stay here; export them.",
    forbidden: "The server refuses this device's sales — unsent sales stay here; export them.",
    enrol_again: "Enrol again",
    sign_in_title: "Sign in",
    sign_in_help: "Managers and admins: sign in with your e-mail.",
    email: "E-mail",
    password: "Password",
    sign_in: "Sign in",
    sign_out: "Sign out",
    signed_in_as: "Signed in:",
    bad_credentials: "Wrong e-mail or password.",
    unreachable: "Server unreachable: try again.",
    need_access: "Sign in (manager) or enrol this device to see this page.",
};

pub fn auth_texts(lang: Lang) -> &'static AuthTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

pub fn role_name(lang: Lang, role: Role) -> &'static str {
    match (lang, role) {
        (Lang::Fr, Role::Cashier) => "caissier",
        (Lang::Fr, Role::Manager) => "gérant",
        (Lang::Fr, Role::Admin) => "administrateur",
        (Lang::En, Role::Cashier) => "cashier",
        (Lang::En, Role::Manager) => "manager",
        (Lang::En, Role::Admin) => "admin",
    }
}

/// "NIP incorrect — encore 3 essais" / "Wrong PIN — 3 tries left".
pub fn wrong_pin(lang: Lang, remaining: usize) -> String {
    match (lang, remaining) {
        (Lang::Fr, 1) => "NIP incorrect — encore 1 essai".to_string(),
        (Lang::Fr, n) => format!("NIP incorrect — encore {n} essais"),
        (Lang::En, 1) => "Wrong PIN — 1 try left".to_string(),
        (Lang::En, n) => format!("Wrong PIN — {n} tries left"),
    }
}

/// "Trop d'essais : bloqué jusqu'à 14 h 05" / "Too many tries: locked until 14:05" (local time).
pub fn locked_until(lang: Lang, until_ms: i64) -> String {
    let d = js_sys::Date::new(&(until_ms as f64).into());
    let (h, m) = (d.get_hours(), d.get_minutes());
    match lang {
        Lang::Fr => format!("Trop d'essais : bloqué jusqu'à {h} h {m:02}."),
        Lang::En => format!("Too many tries: locked until {h}:{m:02}."),
    }
}

/// The banner's sentence for the server's refusal code.
pub fn refused_banner(lang: Lang, code: &str) -> &'static str {
    let t = auth_texts(lang);
    match code {
        "device_revoked" => t.revoked,
        "unauthenticated" => t.not_recognised,
        _ => t.forbidden,
    }
}

/// A reactive text in the screen's language, like [`crate::i18n::tr`]: one closure type for all, so
/// their view code is compiled once.
pub fn tra(
    lang: leptos::prelude::RwSignal<Lang>,
    pick: fn(&'static AuthTexts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    use leptos::prelude::Get;
    move || pick(auth_texts(lang.get()))
}
