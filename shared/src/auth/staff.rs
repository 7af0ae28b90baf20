//! Administration › Personnel (issue 12 item 7): what a staff member may be given — the checks a
//! creation and an edit share — and the one rule of an edit that looks beyond the member: the chain
//! always keeps an active administrator, so the last one can be neither demoted nor deactivated.

use super::{check_pin_format, Role, MIN_PASSWORD_LEN};
use crate::limits::{MAX_ID_LEN, MAX_TEXT_LEN};
use serde::{Deserialize, Serialize};

/// A staff member as administrators manage them (`GET /staff/accounts`): whether they are active and
/// whether they have a password and a PIN — never the secrets themselves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StaffAccount {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub role: Role,
    pub outlets: Vec<String>,
    pub active: bool,
    pub has_password: bool,
    pub has_pin: bool,
}

/// `PATCH /staff/{id}` (admin): the fields present change. `active: false` deactivates (their
/// sessions end, their PIN stops working online and leaves every register's offline list);
/// `password` and `pin` reset those secrets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StaffPatch {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = MAX_TEXT_LEN)))]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 3, max = MAX_TEXT_LEN)))]
    pub email: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::outlets::MAX_OUTLETS)))]
    pub outlets: Option<Vec<String>>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 10, max = MAX_TEXT_LEN)))]
    pub password: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 4, max = 8)))]
    pub pin: Option<String>,
}

/// Why a staff member cannot be as asked: a stable code (the API's `error`) and words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffProblem {
    pub code: &'static str,
    pub message: String,
}

fn problem(code: &'static str, message: impl Into<String>) -> StaffProblem {
    StaffProblem { code, message: message.into() }
}

/// An e-mail as stored: trimmed and lower-cased; `None` when empty.
pub fn normalise_email(email: &str) -> Option<String> {
    Some(email.trim().to_lowercase()).filter(|e| !e.is_empty())
}

/// A new password is long enough, a new PIN 4 to 8 digits: checked before anything is hashed.
pub fn check_secrets(password: Option<&str>, pin: Option<&str>) -> Result<(), StaffProblem> {
    if let Some(p) = password {
        if p.chars().count() < MIN_PASSWORD_LEN || p.chars().count() > MAX_TEXT_LEN {
            return Err(problem("weak_password", format!("a password has at least {MIN_PASSWORD_LEN} characters")));
        }
    }
    if let Some(p) = pin {
        check_pin_format(p).map_err(|m| problem("bad_pin", m))?;
    }
    Ok(())
}

/// What a staff member is, as a creation or an edit would leave them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffFields<'a> {
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub role: Role,
    pub outlets: &'a [String],
    /// A password they have or are given.
    pub has_password: bool,
    /// A password being set now (its strength is checked).
    pub new_password: Option<&'a str>,
    pub new_pin: Option<&'a str>,
}

/// The checks a new or edited staff member passes: a name, a well-formed e-mail, a strong enough
/// password that signs in with an e-mail, a 4-to-8-digit PIN, and an outlet for anyone but an admin.
/// The first problem found, by field order.
pub fn check_staff(f: &StaffFields) -> Result<(), StaffProblem> {
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > MAX_TEXT_LEN || name.chars().any(char::is_control) {
        return Err(problem("bad_name", format!("a name is 1 to {MAX_TEXT_LEN} characters")));
    }
    if let Some(e) = f.email {
        let ok = e.chars().count() <= MAX_TEXT_LEN && e.split_once('@').is_some_and(|(u, d)| !u.is_empty() && !d.is_empty());
        if !ok {
            return Err(problem("bad_email", "not an e-mail address"));
        }
    }
    check_secrets(f.new_password, f.new_pin)?;
    if f.has_password && f.email.is_none() {
        return Err(problem("email_required", "a password signs in with an e-mail: give one"));
    }
    if f.outlets.iter().any(|o| o.is_empty() || o.len() > MAX_ID_LEN) {
        return Err(problem("bad_outlet", format!("outlet ids have 1 to {MAX_ID_LEN} characters")));
    }
    if f.role != Role::Admin && f.outlets.is_empty() {
        return Err(problem("no_outlet", "a cashier or manager works at one outlet at least"));
    }
    Ok(())
}

/// An edit decided: the member as they will be, and what changed (for the audit log and for what
/// the store must also do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffEdit {
    pub after: StaffAccount,
    /// `name`, `email`, `role`, `outlets`, `active`, `password`, `pin`: what the edit changes.
    pub changed: Vec<&'static str>,
}

impl StaffEdit {
    /// Deactivated now.
    pub fn deactivates(&self) -> bool {
        self.changed.contains(&"active") && !self.after.active
    }
    /// Their open sessions end: deactivated, or a new password (whoever had the old one is out).
    pub fn ends_sessions(&self) -> bool {
        self.deactivates() || self.changed.contains(&"password")
    }
    /// The audit log's words, never a secret: `role: cashier → manager; pin reset`.
    pub fn detail(&self, before: &StaffAccount) -> String {
        self.changed
            .iter()
            .map(|f| match *f {
                "name" => format!("name: {} → {}", before.name, self.after.name),
                "email" => format!("e-mail: {} → {}", before.email.as_deref().unwrap_or("—"), self.after.email.as_deref().unwrap_or("—")),
                "role" => format!("role: {} → {}", before.role, self.after.role),
                "outlets" => format!("outlets: {} → {}", list(&before.outlets), list(&self.after.outlets)),
                "active" if self.after.active => "reactivated".to_string(),
                "active" => "deactivated".to_string(),
                "password" => "password reset".to_string(),
                _ => "PIN reset".to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn list(outlets: &[String]) -> String {
    if outlets.is_empty() {
        "—".to_string()
    } else {
        outlets.join(", ")
    }
}

/// Why an edit is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffEditRefusal {
    /// 422: a field as given cannot be.
    Invalid(StaffProblem),
    /// 409: the last active administrator would be demoted or deactivated — nobody could manage the
    /// chain any more.
    LastAdmin,
}

/// Decides an edit of `before`, given how many active administrators the chain has now (`before`
/// included when it is one). Outlets are sorted and deduplicated; the store checks they exist.
pub fn apply_staff_patch(before: &StaffAccount, patch: &StaffPatch, active_admins: usize) -> Result<StaffEdit, StaffEditRefusal> {
    let mut after = before.clone();
    let mut changed = Vec::new();
    if let Some(name) = &patch.name {
        after.name = name.trim().to_string();
    }
    if let Some(email) = &patch.email {
        after.email = normalise_email(email);
    }
    if let Some(role) = patch.role {
        after.role = role;
    }
    if let Some(outlets) = &patch.outlets {
        let mut o: Vec<String> = outlets.iter().map(|o| o.trim().to_string()).collect();
        o.sort();
        o.dedup();
        after.outlets = o;
    }
    if let Some(active) = patch.active {
        after.active = active;
    }
    after.has_password = before.has_password || patch.password.is_some();
    after.has_pin = before.has_pin || patch.pin.is_some();
    let fields = StaffFields {
        name: &after.name,
        email: after.email.as_deref(),
        role: after.role,
        outlets: &after.outlets,
        has_password: after.has_password,
        new_password: patch.password.as_deref(),
        new_pin: patch.pin.as_deref(),
    };
    check_staff(&fields).map_err(StaffEditRefusal::Invalid)?;
    let was_admin = before.active && before.role == Role::Admin;
    let is_admin = after.active && after.role == Role::Admin;
    if was_admin && !is_admin && active_admins <= 1 {
        return Err(StaffEditRefusal::LastAdmin);
    }
    for (field, differs) in [
        ("name", after.name != before.name),
        ("email", after.email != before.email),
        ("role", after.role != before.role),
        ("outlets", after.outlets != before.outlets),
        ("active", after.active != before.active),
        ("password", patch.password.is_some()),
        ("pin", patch.pin.is_some()),
    ] {
        if differs {
            changed.push(field);
        }
    }
    Ok(StaffEdit { after, changed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, role: Role) -> StaffAccount {
        StaffAccount {
            id: id.into(),
            name: "Julie".into(),
            email: None,
            role,
            outlets: if role == Role::Admin { vec![] } else { vec!["montreal".into()] },
            active: true,
            has_password: false,
            has_pin: true,
        }
    }

    #[test]
    fn the_last_active_admin_is_neither_demoted_nor_deactivated() {
        let admin = StaffAccount { email: Some("a@x.ca".into()), has_password: true, ..account("admin", Role::Admin) };
        let demote = StaffPatch { role: Some(Role::Manager), outlets: Some(vec!["montreal".into()]), ..Default::default() };
        assert_eq!(apply_staff_patch(&admin, &demote, 1), Err(StaffEditRefusal::LastAdmin));
        let off = StaffPatch { active: Some(false), ..Default::default() };
        assert_eq!(apply_staff_patch(&admin, &off, 1), Err(StaffEditRefusal::LastAdmin));
        // With another admin, both are allowed.
        assert_eq!(apply_staff_patch(&admin, &demote, 2).unwrap().changed, ["role", "outlets"]);
        let edit = apply_staff_patch(&admin, &off, 2).unwrap();
        assert!(edit.deactivates() && edit.ends_sessions());
        // Anything else of the last admin may change.
        let rename = StaffPatch { name: Some("Alice".into()), ..Default::default() };
        assert_eq!(apply_staff_patch(&admin, &rename, 1).unwrap().changed, ["name"]);
        // An inactive admin is not one of the active ones: editing them is never refused for it.
        let gone = StaffAccount { active: false, ..admin.clone() };
        assert!(apply_staff_patch(&gone, &demote, 1).is_ok());
    }

    #[test]
    fn an_edit_is_checked_as_a_creation_is() {
        let julie = account("julie", Role::Cashier);
        let code = |p: StaffPatch| match apply_staff_patch(&julie, &p, 1) {
            Err(StaffEditRefusal::Invalid(pb)) => pb.code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(StaffPatch { outlets: Some(vec![]), ..Default::default() }), "no_outlet");
        assert_eq!(code(StaffPatch { pin: Some("12a4".into()), ..Default::default() }), "bad_pin");
        assert_eq!(code(StaffPatch { password: Some("long enough pw".into()), ..Default::default() }), "email_required");
        assert_eq!(code(StaffPatch { email: Some("julie".into()), ..Default::default() }), "bad_email");
        assert_eq!(code(StaffPatch { name: Some("  ".into()), ..Default::default() }), "bad_name");
        assert_eq!(code(StaffPatch { email: Some("j@x.ca".into()), password: Some("short".into()), ..Default::default() }), "weak_password");
        // A promotion with what signing in needs.
        let up = StaffPatch { role: Some(Role::Manager), email: Some(" Julie@X.ca ".into()), password: Some("gerante-2026!".into()), ..Default::default() };
        let edit = apply_staff_patch(&julie, &up, 1).unwrap();
        assert_eq!(edit.after.email.as_deref(), Some("julie@x.ca"));
        assert_eq!(edit.changed, ["email", "role", "password"]);
        assert!(edit.ends_sessions());
        assert_eq!(edit.detail(&julie), "e-mail: — → julie@x.ca; role: cashier → manager; password reset");
    }

    #[test]
    fn a_pin_reset_keeps_sessions_and_is_named_without_the_pin() {
        let julie = account("julie", Role::Cashier);
        let edit = apply_staff_patch(&julie, &StaffPatch { pin: Some("4321".into()), ..Default::default() }, 1).unwrap();
        assert!(!edit.ends_sessions());
        assert_eq!(edit.detail(&julie), "PIN reset");
        let nothing = apply_staff_patch(&julie, &StaffPatch { outlets: Some(vec!["montreal".into(), "montreal".into()]), ..Default::default() }, 1).unwrap();
        assert!(nothing.changed.is_empty());
    }
}
