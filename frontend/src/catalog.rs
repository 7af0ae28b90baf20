//! The catalog held in memory once loaded: a scan is a hash lookup, never a storage query.

use shared::catalog::Product;
use std::collections::HashMap;

#[derive(Default)]
pub struct Catalog {
    products: Vec<Product>,
    by_code: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
}

impl Catalog {
    pub fn new(products: Vec<Product>) -> Catalog {
        let mut by_code = HashMap::with_capacity(products.len() * 2);
        let by_id = products.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect();
        for (i, p) in products.iter().enumerate() {
            by_code.insert(p.sku.to_uppercase(), i);
            if let Some(b) = &p.barcode {
                by_code.insert(b.clone(), i);
            }
        }
        Catalog { products, by_code, by_id }
    }

    /// By barcode, or by SKU (case-insensitive) for codes typed by hand.
    pub fn find(&self, code: &str) -> Option<&Product> {
        let code = code.trim();
        self.by_code
            .get(code)
            .or_else(|| self.by_code.get(&code.to_uppercase()))
            .map(|&i| &self.products[i])
    }

    pub fn get(&self, id: &str) -> Option<&Product> {
        self.by_id.get(id).map(|&i| &self.products[i])
    }

    /// Every product, in catalog order (by id).
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// The touch pad's products, in catalog order.
    pub fn quick_keys(&self) -> Vec<Product> {
        self.products.iter().filter(|p| p.quick_key).cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.products.len()
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }
}
