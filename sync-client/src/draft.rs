//! A paid cart becomes a sale when the device gives it its key: the device's id, its next sequence and
//! the receipt number made of them. Every store calls this inside its commit, with the sequence it read
//! in the same atomic step.

use shared::catalog::Register;
use shared::limits::{check_sale, OutOfRange};
use shared::sale::{receipt_number, Cart, Sale, SaleError, SaleHeader, Tender};
use shared::sync::Device;
use shared::tax::TaxRates;

/// A paid cart, before the device gives it a sequence and a receipt number. Its `id` is made when the
/// cashier asks to pay, so committing the same draft twice (a double click) records one sale.
#[derive(Clone, Debug)]
pub struct SaleDraft {
    pub id: String,
    pub register: Register,
    pub created_at_ms: i64,
    pub cart: Cart,
    pub rates: TaxRates,
    pub tenders: Vec<Tender>,
    /// The staff member switched in at the device, who made the sale.
    pub cashier_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SealError {
    Sale(SaleError),
    OutOfRange(OutOfRange),
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealError::Sale(e) => write!(f, "{e}"),
            SealError::OutOfRange(e) => write!(f, "{e}"),
        }
    }
}

/// The sale `draft` becomes as sale number `seq` of `device`, checked by the rules and ranges the
/// server applies: a device never records a sale the server would refuse.
pub fn seal_sale(draft: &SaleDraft, device: &Device, seq: u64) -> Result<Sale, SealError> {
    let header = SaleHeader {
        id: draft.id.clone(),
        device_id: device.id.clone(),
        register_id: draft.register.id.clone(),
        outlet_id: draft.register.outlet_id.clone(),
        seq,
        receipt: receipt_number(&draft.register.code, device.number, seq),
        created_at_ms: draft.created_at_ms,
        cashier_id: draft.cashier_id.clone(),
    };
    let sale = Sale::from_cart(header, &draft.cart, &draft.rates, draft.tenders.clone()).map_err(SealError::Sale)?;
    check_sale(&sale).map_err(SealError::OutOfRange)?;
    Ok(sale)
}
