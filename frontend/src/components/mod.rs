//! Pieces of screens, one per file.

pub mod cart_table;
pub mod cashier_badge;
pub mod customer_ops;
pub mod customer_panel;
pub mod device_banner;
pub mod discount_dialog;
pub mod pay_dialog;
pub mod pin_pad;
pub mod price_dialog;
pub mod printer_settings;
pub mod quick_keys;
pub mod receipt;
pub mod return_link;
pub mod serial_dialog;
pub mod staff_buttons;
pub mod status_bar;
pub mod stock_dialog;
pub mod switch_in;
pub mod topbar;
pub mod unsent_dialog;
pub mod totals_panel;
