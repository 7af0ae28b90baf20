//! The scanner settings screen's words and the held-scan notice, French (Canada, the default) and
//! English, in the one-struct-per-language style of [`crate::i18n`].

use crate::i18n::Lang;

pub struct ScannerTexts {
    pub nav: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub last_scan: &'static str,
    pub no_scan_yet: &'static str,
    pub test_hint: &'static str,
    pub wedge_title: &'static str,
    pub wedge_body: &'static str,
    pub hid_title: &'static str,
    pub serial_title: &'static str,
    pub unsupported: &'static str,
    pub none_paired: &'static str,
    pub connected: &'static str,
    pub failed: &'static str,
    pub pair: &'static str,
    pub forget: &'static str,
    pub mode: &'static str,
    pub mode_pos: &'static str,
    pub mode_keyboard: &'static str,
    pub baud_rate: &'static str,
    pub suffix: &'static str,
    pub suffix_none: &'static str,
    pub bauds: &'static str,
    /// Over a dialog that does not take scans: the codes read meanwhile.
    pub held: &'static str,
    pub held_after: &'static str,
}

pub const FR: ScannerTexts = ScannerTexts {
    nav: "Lecteurs",
    title: "Lecteurs de codes-barres",
    intro: "Jumelez le lecteur de cette caisse, puis scannez un article pour l'essayer.",
    last_scan: "Dernière lecture",
    no_scan_yet: "Aucune lecture pour l'instant",
    test_hint: "Scannez un code pour essayer.",
    wedge_title: "Lecteur clavier (USB)",
    wedge_body: "Toujours actif : un lecteur qui tape le code suivi d'Entrée fonctionne sans jumelage.",
    hid_title: "Lecteur HID (WebHID)",
    serial_title: "Lecteur série (Web Serial)",
    unsupported: "Ce navigateur ne permet pas ce type de lecteur (Chrome ou Edge requis).",
    none_paired: "Aucun lecteur jumelé",
    connected: "Connecté",
    failed: "Échec de connexion",
    pair: "Jumeler un lecteur",
    forget: "Oublier ce lecteur",
    mode: "Mode",
    mode_pos: "HID POS",
    mode_keyboard: "Émulation clavier",
    baud_rate: "Vitesse (bauds)",
    suffix: "Suffixe",
    suffix_none: "Aucun (pause)",
    bauds: "bauds",
    held: "Lecture en attente",
    held_after: "ajoutée à la fermeture de cette fenêtre",
};

pub const EN: ScannerTexts = ScannerTexts {
    nav: "Scanners",
    title: "Barcode scanners",
    intro: "Pair this register's scanner, then scan an item to try it.",
    last_scan: "Last scan",
    no_scan_yet: "No scan yet",
    test_hint: "Scan a code to try it.",
    wedge_title: "Keyboard scanner (USB)",
    wedge_body: "Always on: a scanner that types the code then Enter works without pairing.",
    hid_title: "HID scanner (WebHID)",
    serial_title: "Serial scanner (Web Serial)",
    unsupported: "This browser does not support this kind of scanner (Chrome or Edge needed).",
    none_paired: "No scanner paired",
    connected: "Connected",
    failed: "Could not connect",
    pair: "Pair a scanner",
    forget: "Forget this scanner",
    mode: "Mode",
    mode_pos: "HID POS",
    mode_keyboard: "Keyboard emulation",
    baud_rate: "Baud rate",
    suffix: "Suffix",
    suffix_none: "None (pause)",
    bauds: "baud",
    held: "Scan waiting",
    held_after: "added when this window closes",
};

pub fn scanner_texts(lang: Lang) -> &'static ScannerTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}
