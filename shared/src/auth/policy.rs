//! The access rule: who a request comes from ([`Caller`]), what a route needs ([`Access`]), and the
//! decision ([`Caller::check`]) — 401 when nobody is identified, 403 when someone is but may not. The
//! server is the gate: it resolves the caller from the request's credentials and asks this module.

use super::Role;
use crate::money::Money;

/// A signed-in staff member (cookie session or bearer token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffCaller {
    pub id: String,
    pub role: Role,
    pub outlets: Vec<String>,
}

/// An enrolled device, by its credential. It acts for the cashier switched in at it, at its outlet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceCaller {
    pub id: String,
    pub number: u32,
    pub register_id: String,
    pub outlet_id: String,
    /// The staff member the device says is switched in (checked by the server to work at the outlet).
    pub cashier: Option<String>,
}

/// Everyone a request identifies: a staff session, an enrolled device, both or neither.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Caller {
    pub staff: Option<StaffCaller>,
    pub device: Option<DeviceCaller>,
}

/// What a route needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, the API document, signing in, enrolling with a one-time code).
    Public,
    /// An enrolled device: pushing its outbox, its own number, its outlet's PIN verifiers.
    Device,
    /// The counter: an enrolled device, or any signed-in staff member (cashier-level, their outlets).
    Counter,
    /// A signed-in staff member of at least this role (a device alone is not enough).
    Staff(Role),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// 401: no valid credential for this route.
    Unauthenticated,
    /// 403: identified, but this role, device or outlet may not.
    Forbidden,
}

impl Caller {
    pub fn is_anonymous(&self) -> bool {
        self.staff.is_none() && self.device.is_none()
    }

    pub fn check(&self, access: Access) -> Result<(), Denied> {
        let ok = match access {
            Access::Public => true,
            Access::Device => self.device.is_some(),
            Access::Counter => self.device.is_some() || self.staff.is_some(),
            Access::Staff(min) => self.staff.as_ref().is_some_and(|s| s.role >= min),
        };
        match (ok, access) {
            (true, _) => Ok(()),
            (false, Access::Device) if self.device.is_none() => Err(Denied::Unauthenticated),
            (false, Access::Staff(_)) if self.staff.is_none() => Err(Denied::Unauthenticated),
            (false, _) if self.is_anonymous() => Err(Denied::Unauthenticated),
            (false, _) => Err(Denied::Forbidden),
        }
    }

    /// Whether this caller may see or act on `outlet`'s data: an admin any; staff their outlets; a
    /// device its own.
    pub fn may_see_outlet(&self, outlet: &str) -> bool {
        self.staff.as_ref().is_some_and(|s| s.role == Role::Admin || s.outlets.iter().any(|o| o == outlet))
            || self.device.as_ref().is_some_and(|d| d.outlet_id == outlet)
    }

    /// The outlets this caller may see; `None` for all of them (an admin).
    pub fn outlets(&self) -> Option<Vec<String>> {
        if self.staff.as_ref().is_some_and(|s| s.role == Role::Admin) {
            return None;
        }
        let mut out: Vec<String> = self.staff.iter().flat_map(|s| s.outlets.iter().cloned()).collect();
        out.extend(self.device.iter().map(|d| d.outlet_id.clone()));
        out.sort();
        out.dedup();
        Some(out)
    }

    /// Whether this caller is a staff member of at least `role` who may act at `outlet`.
    pub fn is_staff_at(&self, role: Role, outlet: &str) -> bool {
        self.staff.as_ref().is_some_and(|s| s.role >= role && (s.role == Role::Admin || s.outlets.iter().any(|o| o == outlet)))
    }

    /// Who to record in the audit log: the signed-in staff member, else the cashier at the device.
    pub fn actor(&self) -> String {
        self.staff
            .as_ref()
            .map(|s| s.id.clone())
            .or_else(|| self.device.as_ref().and_then(|d| d.cashier.clone()))
            .unwrap_or_default()
    }
}

/// Who made an enrolment code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeIssuer {
    /// The server's command line or the demo start: whoever runs the server.
    CommandLine,
    /// A staff member, as they are now.
    Staff(StaffCaller),
    /// A staff member no longer active (or no longer on file).
    Gone,
}

/// Whether a code from `issuer` may enrol a device that is now bound to `device_outlet` (`None`: a new
/// device, or one never enrolled). Any code enrols a new device; taking over an enrolled (or revoked)
/// device id — moving it, giving it a new credential, undoing a revocation — needs a code from someone
/// who runs that device's outlet, or a code from another outlet's manager would hijack it.
pub fn may_enrol(issuer: &CodeIssuer, device_outlet: Option<&str>) -> bool {
    let Some(outlet) = device_outlet else { return true };
    match issuer {
        CodeIssuer::CommandLine => true,
        CodeIssuer::Staff(s) => Caller { staff: Some(s.clone()), device: None }.is_staff_at(Role::Manager, outlet),
        CodeIssuer::Gone => false,
    }
}

/// How far a cashier may move a price from the catalog's without a manager: 20 % (basis points).
pub const CASHIER_OVERRIDE_LIMIT_BP: i64 = 2_000;

/// Whether `role` may sell at `price` a product the catalog prices at `catalog`. A manager or admin
/// may set any price; a cashier may move it by at most [`CASHIER_OVERRIDE_LIMIT_BP`] either way.
pub fn override_allowed(role: Role, catalog: Money, price: Money) -> bool {
    if role >= Role::Manager {
        return true;
    }
    let diff = (i128::from(price.0) - i128::from(catalog.0)).abs();
    diff * 10_000 <= i128::from(catalog.0).abs() * i128::from(CASHIER_OVERRIDE_LIMIT_BP)
}

/// How far `price` moves from `catalog`, in basis points of the catalog price (−5 000 is half off),
/// rounded half away from zero: what the register shows when it asks a manager to approve a price.
/// `None` for a catalog price of zero (any change is infinitely many percent).
pub fn price_change_bp(catalog: Money, price: Money) -> Option<i64> {
    let base = i128::from(catalog.0).abs();
    if base == 0 {
        return None;
    }
    let diff = (i128::from(price.0) - i128::from(catalog.0)) * 10_000;
    let bp = (diff.abs() + base / 2) / base;
    i64::try_from(if diff < 0 { -bp } else { bp }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, outlets: &[&str]) -> Caller {
        Caller { staff: Some(StaffCaller { id: "s".into(), role, outlets: outlets.iter().map(|o| o.to_string()).collect() }), device: None }
    }
    fn device(outlet: &str) -> Caller {
        Caller {
            staff: None,
            device: Some(DeviceCaller { id: "d".into(), number: 1, register_id: "r".into(), outlet_id: outlet.into(), cashier: None }),
        }
    }

    #[test]
    fn nobody_gets_401_and_the_wrong_somebody_403() {
        let nobody = Caller::default();
        assert_eq!(nobody.check(Access::Public), Ok(()));
        for a in [Access::Device, Access::Counter, Access::Staff(Role::Cashier)] {
            assert_eq!(nobody.check(a), Err(Denied::Unauthenticated), "{a:?}");
        }
        assert_eq!(staff(Role::Cashier, &["m"]).check(Access::Staff(Role::Manager)), Err(Denied::Forbidden));
        assert_eq!(staff(Role::Admin, &[]).check(Access::Staff(Role::Manager)), Ok(()));
        // A device is not a staff session, and a session is not a device.
        assert_eq!(device("m").check(Access::Staff(Role::Cashier)), Err(Denied::Unauthenticated));
        assert_eq!(staff(Role::Admin, &[]).check(Access::Device), Err(Denied::Unauthenticated));
        assert_eq!(device("m").check(Access::Counter), Ok(()));
    }

    #[test]
    fn outlets_bound_everyone_but_admins() {
        assert!(staff(Role::Manager, &["m"]).may_see_outlet("m"));
        assert!(!staff(Role::Manager, &["m"]).may_see_outlet("l"));
        assert!(staff(Role::Admin, &[]).may_see_outlet("l"));
        assert!(device("m").may_see_outlet("m"));
        assert!(!device("m").may_see_outlet("l"));
        assert_eq!(staff(Role::Admin, &[]).outlets(), None);
        assert_eq!(device("m").outlets(), Some(vec!["m".to_string()]));
        assert!(staff(Role::Manager, &["m"]).is_staff_at(Role::Manager, "m"));
        assert!(!staff(Role::Manager, &["m"]).is_staff_at(Role::Manager, "l"));
        assert!(!staff(Role::Cashier, &["m"]).is_staff_at(Role::Manager, "m"));
    }

    #[test]
    fn only_a_code_from_someone_who_runs_its_outlet_takes_over_an_enrolled_device() {
        let manager = |outlet: &str| CodeIssuer::Staff(StaffCaller { id: "m".into(), role: Role::Manager, outlets: vec![outlet.into()] });
        let admin = CodeIssuer::Staff(StaffCaller { id: "a".into(), role: Role::Admin, outlets: vec![] });
        for issuer in [manager("l"), admin.clone(), CodeIssuer::CommandLine, CodeIssuer::Gone] {
            assert!(may_enrol(&issuer, None), "a new device: {issuer:?}");
        }
        assert!(may_enrol(&manager("m"), Some("m")));
        assert!(may_enrol(&admin, Some("m")));
        assert!(may_enrol(&CodeIssuer::CommandLine, Some("m")));
        assert!(!may_enrol(&manager("l"), Some("m")), "another outlet's manager");
        assert!(!may_enrol(&CodeIssuer::Gone, Some("m")));
        let cashier = CodeIssuer::Staff(StaffCaller { id: "c".into(), role: Role::Cashier, outlets: vec!["m".into()] });
        assert!(!may_enrol(&cashier, Some("m")));
    }

    #[test]
    fn a_cashier_moves_a_price_by_at_most_a_fifth_a_manager_by_anything() {
        assert!(override_allowed(Role::Cashier, Money(1000), Money(800)));
        assert!(override_allowed(Role::Cashier, Money(1000), Money(1200)));
        assert!(!override_allowed(Role::Cashier, Money(1000), Money(799)));
        assert!(!override_allowed(Role::Cashier, Money(1000), Money(0)));
        assert!(override_allowed(Role::Manager, Money(1000), Money(0)));
        assert!(!override_allowed(Role::Cashier, Money(i64::MAX), Money(i64::MIN)));
    }

    #[test]
    fn a_price_change_in_basis_points() {
        assert_eq!(price_change_bp(Money(2999), Money(1500)), Some(-4998));
        assert_eq!(price_change_bp(Money(1000), Money(500)), Some(-5000));
        assert_eq!(price_change_bp(Money(1000), Money(1200)), Some(2000));
        assert_eq!(price_change_bp(Money(1000), Money(1000)), Some(0));
        assert_eq!(price_change_bp(Money(3), Money(2)), Some(-3333));
        assert_eq!(price_change_bp(Money(2), Money(1)), Some(-5000));
        assert_eq!(price_change_bp(Money(0), Money(100)), None);
        assert_eq!(price_change_bp(Money(1), Money(i64::MAX)), None, "out of i64: none, never a panic");
        assert_eq!(price_change_bp(Money(i64::MAX), Money(0)), Some(-10_000));
    }
}
