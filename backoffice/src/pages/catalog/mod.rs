//! Catalogue (issue 12 items 1 and 8): the products list (`/produits`), the product form
//! (`/produits/nouveau`, `/produits/{id}`) and CSV import and export (`/import`). Managers and admins
//! only; the server enforces it too (`Staff(Manager)` on every route these pages call).

pub mod import;
pub mod managers_only;
pub mod product_form;
pub mod products;
