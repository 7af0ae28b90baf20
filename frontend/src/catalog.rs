//! The catalog held in memory once loaded: a scan is a hash lookup, never a storage query. It follows
//! the pulled pages product by product (a price change, a new product, a deletion).

use shared::catalog::Product;
use shared::sync::changes::{Change, Entity, EntityRef};
use std::collections::{BTreeMap, HashMap};

#[derive(Default)]
pub struct Catalog {
    /// By id (catalog order).
    products: BTreeMap<String, Product>,
    /// Barcode, and SKU in capitals → product id.
    by_code: HashMap<String, String>,
}

impl Catalog {
    pub fn new(products: BTreeMap<String, Product>) -> Catalog {
        let mut c = Catalog { by_code: HashMap::with_capacity(products.len() * 2), products: BTreeMap::new() };
        for (_, p) in products {
            c.put(p);
        }
        c
    }

    fn codes(p: &Product) -> impl Iterator<Item = String> + '_ {
        std::iter::once(p.sku.to_uppercase()).chain(p.barcode.clone())
    }

    fn put(&mut self, p: Product) {
        self.remove(&p.id.clone());
        for code in Self::codes(&p) {
            self.by_code.insert(code, p.id.clone());
        }
        self.products.insert(p.id.clone(), p);
    }

    fn remove(&mut self, id: &str) {
        if let Some(old) = self.products.remove(id) {
            for code in Self::codes(&old) {
                // Only if the code still points here (another product may have taken it since).
                if self.by_code.get(&code).is_some_and(|owner| owner == id) {
                    self.by_code.remove(&code);
                }
            }
        }
    }

    /// Takes the product changes of a pulled page (others are not the catalog's); `true` if any.
    pub fn apply(&mut self, changes: &[Change]) -> bool {
        let mut changed = false;
        for c in changes {
            match &c.entity {
                Entity::Product(p) => self.put(p.clone()),
                Entity::Deleted { of: EntityRef::Product { id } } => self.remove(id),
                _ => continue,
            }
            changed = true;
        }
        changed
    }

    /// By barcode, or by SKU (case-insensitive) for codes typed by hand.
    pub fn find(&self, code: &str) -> Option<&Product> {
        let code = code.trim();
        self.by_code
            .get(code)
            .or_else(|| self.by_code.get(&code.to_uppercase()))
            .and_then(|id| self.products.get(id))
    }

    pub fn get(&self, id: &str) -> Option<&Product> {
        self.products.get(id)
    }

    /// Every product, in catalog order (by id).
    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.products.values()
    }

    /// The touch pad's products, in pad order (`shared::catalog::quick_key_order`).
    pub fn quick_keys(&self) -> Vec<Product> {
        shared::catalog::quick_key_order(self.products.values()).into_iter().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.products.len()
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }
}
