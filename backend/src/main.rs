//! `comptoir` — the server. `comptoir` (or `comptoir serve`) serves; `comptoir allocate REQUEST.json`
//! prints where an online order would be fulfilled; more subcommands arrive with their issues.

use backend::config::Config;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => backend::serve(Config::from_env()?, shutdown_signal()).await,
        Some("allocate") => std::process::exit(backend::allocate_cmd::main(&args[1..])),
        Some(other) => {
            eprintln!("unknown command '{other}'\nusage: comptoir [serve]\n       {}", backend::allocate_cmd::USAGE);
            std::process::exit(2);
        }
    }
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
