//! Pieces several back-office pages share; one component a file.

pub mod debounce;
pub mod menu;
pub mod paged_list;
