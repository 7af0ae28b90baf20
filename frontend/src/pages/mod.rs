//! One screen per file: the register app's (the back office's pages are in `backoffice/`).

pub mod enrol;
pub mod register;
pub mod scanner_settings;
pub mod sign_in;
