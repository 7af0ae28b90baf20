//! This device: its id, made once at first start; the number the server gives it; and its enrolment
//! (the credential every request carries, the register it sells for).

use super::{Db, Result, META, OUTBOX};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::{Deserialize, Serialize};
use shared::sale::Sale;
use sync_client::LocalDevice;

pub(crate) const DEVICE: &str = "device";
/// The device's one sequence, whatever register it sells for.
pub(crate) const NEXT_SEQ: &str = "next_seq";
/// Before devices, each register had its own sequence under this prefix.
const LEGACY_NEXT_SEQ: &str = "next_seq:";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct DeviceRecord {
    pub id: String,
    pub number: Option<u32>,
    /// Set by enrolment; records made before enrolment existed have none (the device enrols then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolment: Option<Enrolled>,
}

/// What enrolment gave this device, kept with its id so that one read tells who we are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    /// Sent as `Authorization: Device …` with every request; the server keeps only a hash.
    pub credential: String,
    pub register_id: String,
    pub outlet_id: String,
}

impl From<DeviceRecord> for LocalDevice {
    fn from(d: DeviceRecord) -> LocalDevice {
        LocalDevice { id: d.id, number: d.number }
    }
}

impl Db {
    /// This device, created on first call. Creation reads then writes in one readwrite transaction,
    /// which IndexedDB serialises across tabs: two tabs opening at once end with one id.
    pub async fn local_device(&self) -> Result<LocalDevice> {
        if let Some(d) = self.get_meta::<DeviceRecord>(DEVICE).await? {
            return Ok(d.into());
        }
        let tx = self.raw().transaction([META, OUTBOX]).with_mode(TransactionMode::Readwrite).build()?;
        let meta = tx.object_store(META)?;
        let existing: Option<String> = meta.get(DEVICE).primitive()?.await?;
        if let Some(raw) = existing {
            // Another tab made it meanwhile; dropping the transaction wrote nothing.
            return Ok(serde_json::from_str::<DeviceRecord>(&raw)?.into());
        }
        // Sales made before devices existed: the device's sequence continues above every register's
        // old one (their receipts are printed), and their outbox entries are re-keyed by sale id.
        let keys: Vec<String> = meta.get_all_keys().primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        let mut next = 1u64;
        for key in keys.iter().filter(|k| k.starts_with(LEGACY_NEXT_SEQ)) {
            let v: Option<String> = meta.get(key.as_str()).primitive()?.await?;
            next = next.max(v.and_then(|v| v.parse().ok()).unwrap_or(1));
        }
        let outbox = tx.object_store(OUTBOX)?;
        let keys: Vec<String> = outbox.get_all_keys().primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        let values: Vec<String> = outbox.get_all().primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        for (key, json) in keys.into_iter().zip(values) {
            let sale: Sale = serde_json::from_str(&json)?;
            if key != sale.id {
                outbox.delete(key).primitive()?;
                outbox.put(json).with_key(sale.id).primitive()?;
            }
        }
        let record = DeviceRecord { id: uuid::Uuid::now_v7().to_string(), number: None, enrolment: None };
        meta.put(next.to_string()).with_key(NEXT_SEQ).primitive()?;
        meta.put(serde_json::to_string(&record)?).with_key(DEVICE).primitive()?;
        tx.commit().await?;
        Ok(record.into())
    }

    /// Records the number the server gave this device (its answer to our hello).
    pub async fn set_local_device_number(&self, number: u32) -> Result<()> {
        self.update_device(|r| r.number = Some(number)).await
    }

    /// This device's enrolment, if it has one.
    pub async fn enrolment(&self) -> Result<Option<Enrolled>> {
        Ok(self.get_meta::<DeviceRecord>(DEVICE).await?.and_then(|d| d.enrolment))
    }

    /// Records an enrolment: the number and the credential in one step, so the device never holds a
    /// credential without the number its receipts print. The outbox and the sequence are untouched.
    pub async fn save_enrolment(&self, number: u32, enrolled: &Enrolled) -> Result<()> {
        self.update_device(|r| {
            r.number = Some(number);
            r.enrolment = Some(enrolled.clone());
        })
        .await
    }

    /// Forgets the credential (the server no longer accepts it), keeping the id, number, sequence and
    /// every sale: the device can be enrolled again and its queue still goes out under its own key.
    pub async fn forget_enrolment(&self) -> Result<()> {
        self.update_device(|r| r.enrolment = None).await
    }

    /// Changes the device record in one readwrite transaction (made first if this is the first start).
    async fn update_device(&self, change: impl FnOnce(&mut DeviceRecord)) -> Result<()> {
        let device = self.local_device().await?;
        let tx = self.raw().transaction(META).with_mode(TransactionMode::Readwrite).build()?;
        let meta = tx.object_store(META)?;
        let raw: Option<String> = meta.get(DEVICE).primitive()?.await?;
        let mut record =
            raw.map(|r| serde_json::from_str::<DeviceRecord>(&r)).transpose()?.unwrap_or(DeviceRecord { id: device.id, number: None, enrolment: None });
        change(&mut record);
        meta.put(serde_json::to_string(&record)?).with_key(DEVICE).primitive()?;
        tx.commit().await?;
        Ok(())
    }
}
