//! `comptoir admin create --email E --name N` and `comptoir enrolment-code --register ID`: what a real
//! shop (COMPTOIR_DEMO=0, no account, no default password) runs to get its first admin and its first
//! device. Both open `DATABASE_URL` and migrate it.

use crate::auth::secrets::generated_password;
use crate::store::auth::{Audit, StaffRefusal};
use shared::auth::{AuditAction, Role, MIN_PASSWORD_LEN};

/// Creates an admin. The password is `COMPTOIR_ADMIN_PASSWORD` if set, else generated and printed once.
pub async fn create_admin(database_url: &str, email: &str, name: &str) -> anyhow::Result<()> {
    let email = email.trim().to_lowercase();
    if !email.split_once('@').is_some_and(|(u, d)| !u.is_empty() && !d.is_empty()) {
        anyhow::bail!("'{email}' is not an e-mail address");
    }
    let name = name.trim();
    if name.is_empty() {
        anyhow::bail!("the name is empty");
    }
    let (password, generated) = match std::env::var("COMPTOIR_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (generated_password(), true),
    };
    if password.chars().count() < MIN_PASSWORD_LEN {
        anyhow::bail!("COMPTOIR_ADMIN_PASSWORD: a password has at least {MIN_PASSWORD_LEN} characters");
    }
    let store = crate::store::connect(database_url).await?;
    let id = format!("s-{}", &crate::auth::secrets::random_token()[..12]);
    let (rid, rname, remail, rpassword) = (id.clone(), name.to_string(), email.clone(), password.clone());
    let record = tokio::task::spawn_blocking(move || crate::routes::auth::staff_record(&rid, &rname, Some(&remail), Role::Admin, &[], Some(&rpassword), None)).await??;
    let audit = Audit::new(AuditAction::StaffCreated, "", &id, format!("{name} (admin), from the command line"));
    match store.create_staff(&record, Some(audit)).await? {
        Ok(_) => {}
        Err(StaffRefusal::EmailTaken) => anyhow::bail!("a staff member with the e-mail {email} already exists"),
        Err(StaffRefusal::UnknownOutlet(o)) => anyhow::bail!("unknown outlet {o}"),
    }
    println!("created admin {name} <{email}> (id {id})");
    if generated {
        println!("password (shown this once): {password}");
    }
    Ok(())
}

/// Prints a new one-time enrolment code for a register.
pub async fn enrolment_code(database_url: &str, register: &str) -> anyhow::Result<()> {
    let store = crate::store::connect(database_url).await?;
    let code = crate::routes::devices::issue_code(&*store, register, "").await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("enrolment code for register {register}: {} (single use, valid 24 h, until {} UTC)", code.code, crate::routes::auth::utc_time(code.expires_at_ms));
    Ok(())
}
