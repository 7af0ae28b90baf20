//! The words for pulling from the server (the first download's progress, the stock agreement), French
//! (Canada, the default) and English, in the one-struct-per-language style of [`crate::i18n`].

use crate::i18n::Lang;
use crate::pulled::Agreement;
use sync_client::PullProgress;

/// `42 %` with the no-break space French and the English style both accept.
fn percent(p: &PullProgress) -> String {
    format!("{}\u{a0}%", p.permille() / 10)
}

/// The first download: `Téléchargement des données du serveur : 42 %`.
pub fn progress_label(lang: Lang, p: &PullProgress) -> String {
    match lang {
        Lang::Fr => format!("Téléchargement des données du serveur\u{a0}: {}", percent(p)),
        Lang::En => format!("Downloading from the server: {}", percent(p)),
    }
}

/// Once caught up: agreement with the server's stock ledger, or the mismatch named.
pub fn agreement_label(lang: Lang, a: &Agreement, outlet_name: &str) -> String {
    match (lang, a) {
        (Lang::Fr, Agreement::Agree { version }) => format!("En accord avec le serveur (version {version})"),
        (Lang::En, Agreement::Agree { version }) => format!("In agreement with the server (version {version})"),
        (Lang::Fr, Agreement::Mismatch { device, server }) => format!(
            "Stock en désaccord avec le serveur à {outlet_name} (version {})\u{a0}: appareil {} ({} produits), serveur {} ({} produits)",
            device.version, device.digest, device.levels, server.digest, server.levels
        ),
        (Lang::En, Agreement::Mismatch { device, server }) => format!(
            "Stock disagrees with the server at {outlet_name} (version {}): device {} ({} products), server {} ({} products)",
            device.version, device.digest, device.levels, server.digest, server.levels
        ),
    }
}
