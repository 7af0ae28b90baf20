//! The inbox page's calls: `GET /api/v1/inbox` (one page, oldest first, the next page's cursor in
//! `X-Next-Cursor`) and `POST /api/v1/inbox/{item_id}/resolve`. A back-office page: it needs the server.

use frontend::sync::http::{self, request, seg, send, ApiFailure, Method, NEXT_CURSOR, TIMEOUT_MS};
use serde::Deserialize;
use shared::inbox::{InboxItem, ItemKind, ItemState, Resolution, ResolveRequest};

/// Items a page shows at a time.
pub const PAGE: u32 = 20;

/// What the list is filtered by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxQuery {
    pub state: ItemState,
    /// `None`: every outlet the caller may see.
    pub outlet: Option<String>,
    pub kind: Option<ItemKind>,
}

/// One page of items and the cursor of the next (`None` on the last page).
pub async fn page(
    q: &InboxQuery,
    cursor: Option<&str>,
) -> Result<(Vec<InboxItem>, Option<String>), ApiFailure> {
    let mut url = format!("/api/v1/inbox?state={}&limit={PAGE}", <&str>::from(q.state));
    if let Some(o) = &q.outlet {
        url.push_str(&format!("&outlet={}", seg(o)));
    }
    if let Some(k) = q.kind {
        url.push_str(&format!("&kind={}", <&str>::from(k)));
    }
    if let Some(c) = cursor {
        url.push_str(&format!("&cursor={}", seg(c)));
    }
    let resp = send(request(Method::Get, &url), None, TIMEOUT_MS).await;
    let next = resp
        .as_ref()
        .ok()
        .filter(|r| r.ok())
        .and_then(|r| r.headers().get(NEXT_CURSOR));
    Ok((http::read(resp).await?, next))
}

/// `POST /inbox/{item_id}/resolve`'s answer.
#[derive(Clone, Debug, Deserialize)]
pub struct Resolved {
    pub resolution: Resolution,
    /// The item after the resolution.
    pub item: InboxItem,
    /// This resolution id was already on file: nothing was done again.
    #[serde(default)]
    pub duplicate: bool,
}

/// One resolution (its id chosen by the caller: the same request again is the same resolution).
pub async fn resolve(item_id: &str, request: &ResolveRequest) -> Result<Resolved, ApiFailure> {
    http::post(&format!("/api/v1/inbox/{}/resolve", seg(item_id)), request).await
}

/// Staff names by id (who resolved an item); the staff the caller may see.
pub async fn staff() -> Result<Vec<shared::auth::StaffMember>, ApiFailure> {
    http::get("/api/v1/staff").await
}
