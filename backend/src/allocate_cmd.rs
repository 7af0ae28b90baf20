//! `comptoir allocate REQUEST.json`: where an online order would be fulfilled, printed as JSON.
//! A thin shell over [`shared::stock::allocation`]: read the file, parse it, allocate, print.
//!
//! Request: `{"outlets":[{"id":"montreal","stock":{"SHIRT":10,"HAT":3}}, …], "lines":[{"sku":"SHIRT","qty":2}, …]}`,
//! outlets in priority order. Answer: `{"assignments":[{"outlet":…,"lines":[…]}, …], "backordered":[…],
//! "optimal":true, "explanation":[…]}`.

use shared::stock::allocation::{allocate, AllocationError, AllocationPlan, AllocationRequest};
use std::path::Path;

/// The command line, for usage messages.
pub const USAGE: &str = "comptoir allocate REQUEST.json";

#[derive(Debug, thiserror::Error)]
pub enum AllocateCmdError {
    #[error("usage: {USAGE}")]
    Usage,
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not an allocation request: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: {source}")]
    Invalid { path: String, source: AllocationError },
}

impl AllocateCmdError {
    /// The process exit code: 2 for a usage mistake, 1 for a bad request file.
    pub fn exit_code(&self) -> i32 {
        match self {
            AllocateCmdError::Usage => 2,
            _ => 1,
        }
    }
}

/// Reads and allocates one request file.
pub fn plan_file(path: &Path) -> Result<AllocationPlan, AllocateCmdError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| AllocateCmdError::Read { path: shown.clone(), source })?;
    let request: AllocationRequest =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&bytes)).map_err(|e| {
            let at = e.path().to_string();
            let message = if at.is_empty() || at == "." || at == "?" {
                e.inner().to_string()
            } else {
                format!("at {at}: {}", e.inner())
            };
            AllocateCmdError::Parse { path: shown.clone(), message }
        })?;
    allocate(&request).map_err(|source| AllocateCmdError::Invalid { path: shown, source })
}

/// The plan for `args` (the words after `allocate`), as pretty JSON.
pub fn run(args: &[String]) -> Result<String, AllocateCmdError> {
    let [path] = args else { return Err(AllocateCmdError::Usage) };
    if path == "-h" || path == "--help" {
        return Err(AllocateCmdError::Usage);
    }
    let plan = plan_file(Path::new(path))?;
    Ok(serde_json::to_string_pretty(&plan).expect("a plan always serialises"))
}

/// Runs the command: the plan on stdout, or the error on stderr. Returns the exit code.
pub fn main(args: &[String]) -> i32 {
    match run(args) {
        Ok(json) => {
            println!("{json}");
            0
        }
        Err(e) => {
            eprintln!("comptoir allocate: {e}");
            e.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_path_is_a_usage_error() {
        assert_eq!(run(&[]).unwrap_err().exit_code(), 2);
        assert_eq!(run(&["a".into(), "b".into()]).unwrap_err().to_string(), format!("usage: {USAGE}"));
    }

    #[test]
    fn an_unreadable_file_names_the_file() {
        let err = run(&["/nonexistent/request.json".into()]).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(err.to_string().starts_with("cannot read /nonexistent/request.json"), "{err}");
    }
}
