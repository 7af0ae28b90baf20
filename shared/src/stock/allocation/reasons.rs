//! Why a plan is what it is, as data the orders page can translate, and in English for logs.

use super::OrderLine;
use serde::{Deserialize, Serialize};

/// One reason of a plan, in the plan's order: merged lines and backorders first, then how the order is
/// spread, then one reason per outlet used (main outlet first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum AllocationReason {
    /// `sku` is on several lines of the order: `total` units, allocated together.
    MergedLines {
        sku: String,
        total: u64,
    },
    /// Not enough `sku` at the online outlets: `qty` of `ordered` go to `outlet`, the first in priority.
    Backordered {
        sku: String,
        qty: u32,
        ordered: u64,
        outlet: String,
    },
    NoLines,
    NothingInStock,
    /// `outlet` fills the whole order alone; `able` are all the outlets that could, in priority order.
    WholeOrderAtOneOutlet {
        outlet: String,
        able: Vec<String>,
    },
    /// No outlet can fill the whole order: split across `outlets` (proven the fewest when `fewest`),
    /// without splitting any line's quantity.
    SplitAcrossOutlets {
        outlets: usize,
        fewest: bool,
    },
    /// These lines are held whole nowhere, so they are split; the order uses `outlets`.
    SplitLines {
        lines: Vec<SplitLine>,
        outlets: usize,
        fewest: bool,
    },
    /// The main outlet fills `whole_lines` of the order's `lines` lines whole and takes all it can.
    MainOutlet {
        outlet: String,
        whole_lines: usize,
        lines: usize,
        lead: MainLead,
        takes: Vec<OrderLine>,
    },
    /// `outlet`, `priority` (from 1) of `outlets`, takes what remains that it holds.
    TakesWhatRemains {
        outlet: String,
        priority: usize,
        outlets: usize,
        takes: Vec<OrderLine>,
    },
    /// The search budget ran out before this plan was proven best; it may use more outlets than needed.
    NotProvenBest,
}

/// A line no outlet holds whole: `qty` to place, at most `most_at_one_outlet` at any one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitLine {
    pub sku: String,
    pub qty: u64,
    pub most_at_one_outlet: u64,
}

/// Why the main outlet leads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "lead", rename_all = "snake_case")]
pub enum MainLead {
    /// It fills more lines whole than any other outlet.
    MostLines,
    /// As many as `tied`, and it comes first in priority order.
    FirstAmongTied { tied: Vec<String> },
    /// `ahead` fill as many or more, but no plan with that few outlets (`outlets`) includes them.
    OthersDoNotFit { ahead: Vec<String>, outlets: usize },
    /// Others fill as many or more; the search did not prove that they do not fit.
    Unproven,
}

fn list(lines: &[OrderLine]) -> String {
    lines.iter().map(|l| format!("{} {}", l.qty, l.sku)).collect::<Vec<_>>().join(", ")
}

fn outlets(k: usize, fewest: bool) -> String {
    if fewest {
        format!("{k} outlets, the fewest possible")
    } else {
        format!("{k} outlets")
    }
}

impl AllocationReason {
    /// The reason in English (the plan's `explanation`).
    pub fn english(&self) -> String {
        match self {
            AllocationReason::MergedLines { sku, total } => {
                format!("{sku} is on several lines of the order: {total} units in all, allocated together.")
            }
            AllocationReason::Backordered { sku, qty, ordered, outlet } => format!(
                "Not enough {sku} at the online outlets: {qty} of {ordered} backordered to {outlet}, the first outlet in priority order."
            ),
            AllocationReason::NoLines => "The order has no lines: nothing to allocate.".into(),
            AllocationReason::NothingInStock => "Nothing of this order is in stock at the online outlets.".into(),
            AllocationReason::WholeOrderAtOneOutlet { outlet, able } if able.len() > 1 => format!(
                "{outlet} can fill the whole order alone, and comes first in priority order among the outlets that can ({}).",
                able.join(", ")
            ),
            AllocationReason::WholeOrderAtOneOutlet { outlet, .. } => {
                format!("{outlet} is the only online outlet that can fill the whole order alone.")
            }
            AllocationReason::SplitAcrossOutlets { outlets: k, fewest } => format!(
                "No single outlet can fill the whole order; it is split across {}, without splitting any line's quantity.",
                outlets(*k, *fewest)
            ),
            AllocationReason::SplitLines { lines, outlets: k, fewest } => format!(
                "No outlet holds the whole quantity of {}, so {} split between outlets; the order uses {}.",
                lines
                    .iter()
                    .map(|l| format!("{} {} (at most {} at one outlet)", l.qty, l.sku, l.most_at_one_outlet))
                    .collect::<Vec<_>>()
                    .join(", "),
                if lines.len() == 1 { "that line is" } else { "those lines are" },
                outlets(*k, *fewest)
            ),
            AllocationReason::MainOutlet { outlet, whole_lines, lines, lead, takes } => {
                let lead = match lead {
                    MainLead::MostLines => " (more than any other outlet)".to_string(),
                    MainLead::FirstAmongTied { tied } => {
                        format!(" (as many as {}, and it comes first in priority order)", tied.join(", "))
                    }
                    MainLead::OthersDoNotFit { ahead, outlets } => format!(
                        " ({} can fill as many or more, but no {outlets}-outlet plan includes {})",
                        ahead.join(", "),
                        if ahead.len() == 1 { "it" } else { "them" }
                    ),
                    MainLead::Unproven => String::new(),
                };
                format!(
                    "{outlet} is the main outlet: it can fill {whole_lines} of the {lines} lines whole{lead}, and takes all it can: {}.",
                    list(takes)
                )
            }
            AllocationReason::TakesWhatRemains { outlet, priority, outlets, takes } => {
                format!("{outlet} (priority {priority} of {outlets}) takes what remains that it holds: {}.", list(takes))
            }
            AllocationReason::NotProvenBest => {
                "The search reached its budget before proving this plan the best; it may use more outlets than needed."
                    .into()
            }
        }
    }
}
