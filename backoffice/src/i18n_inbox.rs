//! The inbox page's words (`/a-traiter`, issue 12 item 4), French (Canada, the default) and English, one
//! struct per language like [`frontend::i18n`]. What happened and why a resolution is suggested come
//! from the server in both languages (`shared::inbox`).

use frontend::i18n::Lang;
use shared::inbox::{Action, ItemKind};

pub struct InboxTexts {
    pub title: &'static str,
    pub open_tab: &'static str,
    pub resolved_tab: &'static str,
    pub outlet: &'static str,
    pub all_outlets: &'static str,
    pub kind: &'static str,
    pub all_kinds: &'static str,
    pub none_open: &'static str,
    pub none_resolved: &'static str,
    pub more: &'static str,
    pub loading: &'static str,
    pub suggested: &'static str,
    pub note: &'static str,
    pub note_hint: &'static str,
    pub counted: &'static str,
    pub sending: &'static str,
    pub sale_link: &'static str,
    pub resolved_by: &'static str,
    pub notes: &'static str,
    pub done: &'static str,
    pub retry_hint: &'static str,
    pub still_held: &'static str,
    pub note_required: &'static str,
    pub already_resolved: &'static str,
    pub counted_required: &'static str,
    pub refused_title: &'static str,
    pub refused: &'static str,
    pub sign_in: &'static str,
}

pub const FR: InboxTexts = InboxTexts {
    title: "À traiter",
    open_tab: "À traiter",
    resolved_tab: "Résolus",
    outlet: "Établissement",
    all_outlets: "Tous",
    kind: "Type",
    all_kinds: "Tous",
    none_open: "Rien à traiter.",
    none_resolved: "Aucun élément résolu.",
    more: "Afficher plus",
    loading: "Chargement…",
    suggested: "Suggestion",
    note: "Note",
    note_hint: "Ce qui a été fait, ou pourquoi",
    counted: "Unités comptées",
    sending: "Envoi…",
    sale_link: "Voir la vente",
    resolved_by: "Résolu par",
    notes: "Notes",
    done: "Résolution enregistrée.",
    retry_hint: "Rien n'a été perdu : appuyez de nouveau pour réessayer.",
    still_held:
        "Toujours retenue : l'accepter la retiendrait de nouveau. L'élément reste à traiter.",
    note_required: "Une note est requise.",
    already_resolved: "Déjà résolu par quelqu'un d'autre.",
    counted_required: "Indiquez les unités comptées.",
    refused_title: "Accès réservé",
    refused: "Cette page est réservée aux gérants et aux administrateurs.",
    sign_in: "Se connecter",
};

pub const EN: InboxTexts = InboxTexts {
    title: "To review",
    open_tab: "To review",
    resolved_tab: "Resolved",
    outlet: "Outlet",
    all_outlets: "All",
    kind: "Kind",
    all_kinds: "All",
    none_open: "Nothing to review.",
    none_resolved: "No resolved items.",
    more: "Show more",
    loading: "Loading…",
    suggested: "Suggestion",
    note: "Note",
    note_hint: "What was done, or why",
    counted: "Units counted",
    sending: "Sending…",
    sale_link: "See the sale",
    resolved_by: "Resolved by",
    notes: "Notes",
    done: "Resolution recorded.",
    retry_hint: "Nothing was lost: press again to retry.",
    still_held: "Still held: accepting it would hold it again. The item stays to review.",
    note_required: "A note is required.",
    already_resolved: "Already resolved by someone else.",
    counted_required: "Enter the units counted.",
    refused_title: "Restricted",
    refused: "This page is for managers and administrators.",
    sign_in: "Sign in",
};

pub fn inbox_texts(lang: Lang) -> &'static InboxTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// An action's button.
pub fn action_label(lang: Lang, a: Action) -> &'static str {
    let fr = lang == Lang::Fr;
    match a {
        Action::AcceptWithOverride => {
            if fr {
                "Accepter la vente"
            } else {
                "Accept the sale"
            }
        }
        Action::AddNote => {
            if fr {
                "Ajouter une note"
            } else {
                "Add a note"
            }
        }
        Action::Close => {
            if fr {
                "Fermer"
            } else {
                "Close"
            }
        }
        Action::Acknowledge => {
            if fr {
                "Marquer comme réglé"
            } else {
                "Mark as dealt with"
            }
        }
        Action::StockCorrection => {
            if fr {
                "Corriger le stock"
            } else {
                "Correct the stock"
            }
        }
        Action::Retry => {
            if fr {
                "Réessayer"
            } else {
                "Retry"
            }
        }
    }
}

/// A kind, as the filter and each item's badge name it.
pub fn kind_label(lang: Lang, k: ItemKind) -> &'static str {
    let fr = lang == Lang::Fr;
    match k {
        ItemKind::HeldSale => {
            if fr {
                "Vente retenue"
            } else {
                "Held sale"
            }
        }
        ItemKind::HeldOperation => {
            if fr {
                "Opération retenue"
            } else {
                "Held operation"
            }
        }
        ItemKind::HeldOnlineOrder => {
            if fr {
                "Commande en ligne retenue"
            } else {
                "Held online order"
            }
        }
        ItemKind::Conflict => {
            if fr {
                "Conflit"
            } else {
                "Conflict"
            }
        }
        ItemKind::StockBelowZero => {
            if fr {
                "Stock sous zéro"
            } else {
                "Stock below zero"
            }
        }
    }
}
