//! `comptoir` — the server. `comptoir` (or `comptoir serve`) serves; the other subcommands print an
//! online order's allocation, create an admin, or make an enrolment code.

use backend::config::{database_url, Config};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "comptoir", about = "Comptoir's server: the system of record, sync API and host of the register app")]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the API and the register app (the default).
    Serve,
    /// Print the outlet allocation of an online order: `comptoir allocate REQUEST.json`.
    #[command(disable_help_flag = true)]
    Allocate {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Staff accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCmd,
    },
    /// Print a one-time code (24 h) that enrols a device to a register.
    EnrolmentCode {
        #[arg(long)]
        register: String,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Create an admin. Password: COMPTOIR_ADMIN_PASSWORD, else generated and printed once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    match Cli::parse().command {
        None | Some(Cmd::Serve) => backend::serve(Config::from_env()?, shutdown_signal()).await,
        Some(Cmd::Allocate { args }) => std::process::exit(backend::allocate_cmd::main(&args)),
        Some(Cmd::Admin { command: AdminCmd::Create { email, name } }) => backend::admin_cmd::create_admin(&database_url(), &email, &name).await,
        Some(Cmd::EnrolmentCode { register }) => backend::admin_cmd::enrolment_code(&database_url(), &register).await,
    }
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
