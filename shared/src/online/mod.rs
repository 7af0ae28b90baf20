//! Online orders from the e-commerce platforms (seeds 001, 002, 004): what a platform's order becomes in
//! the shop. Each platform bridge (in the server) turns its payloads into an [`IncomingOrder`]; every
//! decision about it — which customer, which outlets, what sale, what the platform hears back — is made
//! here, once, and the server persists the result.

pub mod actions;
pub mod connection;
pub mod customer_match;
pub mod held;
pub mod intake;
pub mod order;
pub mod retry;
pub mod view;

pub use connection::{ConnectionView, OnlineOutletsRequest};
pub use held::HeldOnlineOrder;
pub use customer_match::{match_customer, CustomerDecision};
pub use intake::{intake, update, Intake, IntakeHold, IntakeInput, OnlineOutlet, OrderState, OrderUpdate, SaleNumbering, StoredOrder};
pub use order::{IncomingLine, IncomingOrder, OrderPayment, PlatformOrderState};
pub use view::{OrderLineView, OrderNote, OrderPartView, OrdersQuery};
