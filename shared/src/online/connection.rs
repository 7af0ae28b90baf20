//! A store on an e-commerce platform connected to the shop, as the back office sees it: never its
//! credentials, which stay on the server. And the orders the shop could not take as they came.

use crate::fulfilment::{Platform, PlatformOptions};
use serde::{Deserialize, Serialize};

/// `GET /api/v1/connections`: one connected store, without its credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ConnectionView {
    pub id: String,
    pub platform: Platform,
    pub name: String,
    pub base_url: String,
    /// The register that takes this store's orders; its outlet always offers stock online.
    pub orders_register_id: String,
    /// The outlets whose stock is offered online, in priority order (allocation order).
    pub online_outlets: Vec<String>,
    pub options: PlatformOptions,
    pub active: bool,
    /// Orders modified up to this time were pulled by the last reconciliation (0: never).
    pub reconciled_until_ms: i64,
    pub created_at_ms: i64,
    /// False when the server cannot open this connection's credentials (its key changed, the row is
    /// damaged): nothing is sent to or read from the store until they are entered again.
    #[serde(default = "readable_by_default")]
    pub credentials_readable: bool,
}

fn readable_by_default() -> bool {
    true
}

/// `PUT /api/v1/connections/{id}/outlets`: the outlets offering stock online, in priority order. The
/// orders register's outlet is always kept (first when not listed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OnlineOutletsRequest {
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_PARTS), inner(length(min = 1, max = crate::limits::MAX_ID_LEN))))]
    pub outlets: Vec<String>,
}
