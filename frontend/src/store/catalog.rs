//! The catalog, stored as pages of products (one record each): a 100 000-product catalog is 100 writes.

use super::{Db, Result, CATALOG, META};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use shared::catalog::Product;

impl Db {
    pub async fn load_catalog(&self) -> Result<Vec<Product>> {
        let tx = self.raw().transaction(CATALOG).build()?;
        let pages: Vec<String> = tx.object_store(CATALOG)?.get_all().primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        let mut products = Vec::new();
        for page in pages {
            products.extend(serde_json::from_str::<Vec<Product>>(&page)?);
        }
        Ok(products)
    }

    /// Replaces the whole catalog and records its version, atomically.
    pub async fn replace_catalog(&self, pages: &[Vec<Product>], version: i64) -> Result<()> {
        let tx = self
            .raw()
            .transaction([CATALOG, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(CATALOG)?;
        store.clear()?;
        for (i, page) in pages.iter().enumerate() {
            store.put(serde_json::to_string(page)?).with_key(format!("page-{i:06}")).primitive()?;
        }
        tx.object_store(META)?
            .put(version.to_string())
            .with_key("catalog_version")
            .primitive()?;
        tx.commit().await?;
        Ok(())
    }
}
