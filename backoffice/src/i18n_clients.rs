//! The customer form's words (Clients › Nouveau client, Modifier), French (Canada, the default) and
//! English. The rest of the customers page speaks through `frontend::i18n_customers`; these words stay
//! here so the register's bundle does not carry them. Labels follow the glossary.

use frontend::i18n::Lang;

pub struct ClientTexts {
    pub new_customer: &'static str,
    pub edit: &'static str,
    pub new_title: &'static str,
    pub edit_title: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub credit_limit: &'static str,
    pub credit_limit_hint: &'static str,
    pub automatic_discount: &'static str,
    pub discount_hint: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub saved: &'static str,
    pub created: &'static str,
    pub bad_percent: &'static str,
    pub email_taken: &'static str,
    pub id_taken: &'static str,
}

pub const FR: ClientTexts = ClientTexts {
    new_customer: "Nouveau client",
    edit: "Modifier",
    new_title: "Nouveau client",
    edit_title: "Modifier le client",
    name: "Nom",
    email: "Courriel",
    credit_limit: "Limite de crédit",
    credit_limit_hint: "0 : aucune vente au compte",
    automatic_discount: "Remise automatique (%)",
    discount_hint: "0 : aucune",
    save: "Enregistrer",
    cancel: "Annuler",
    saved: "Client enregistré.",
    created: "Client ajouté.",
    bad_percent: "Un pourcentage de 0 à 100, par exemple 5 ou 2,5.",
    email_taken: "Ce courriel est déjà celui d'un autre client.",
    id_taken: "Ce client existe déjà.",
};

pub const EN: ClientTexts = ClientTexts {
    new_customer: "New customer",
    edit: "Edit",
    new_title: "New customer",
    edit_title: "Edit customer",
    name: "Name",
    email: "E-mail",
    credit_limit: "Credit limit",
    credit_limit_hint: "0: no sale on account",
    automatic_discount: "Automatic discount (%)",
    discount_hint: "0: none",
    save: "Save",
    cancel: "Cancel",
    saved: "Customer saved.",
    created: "Customer added.",
    bad_percent: "A percentage from 0 to 100, such as 5 or 2.5.",
    email_taken: "This e-mail is already another customer's.",
    id_taken: "This customer exists already.",
};

pub fn client_texts(lang: Lang) -> &'static ClientTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}
