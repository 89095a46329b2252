//! Capability tables: a fixed array of slots per task. A capability names an object by table index
//! and generation; the object tables refuse a generation that is not current, so a deleted or stale
//! capability can never reach a recycled object. Plain logic, host-tested.
use abi::cap::CAP_SLOTS;
use abi::{ensure, CapKind, Rights, SysError};

/// One capability: what it points at, with which rights and badge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cap {
    pub kind: CapKind,
    pub index: u16,
    pub gen: u64,
    pub rights: Rights,
    pub badge: u64,
}

impl Cap {
    pub const EMPTY: Cap = Cap::new(CapKind::Empty, 0, 0, Rights::empty());

    pub const fn new(kind: CapKind, index: u16, gen: u64, rights: Rights) -> Cap {
        Cap {
            kind,
            index,
            gen,
            rights,
            badge: 0,
        }
    }

    /// This capability with only the rights also in `mask`.
    pub fn diminished(self, mask: Rights) -> Cap {
        Cap {
            rights: self.rights & mask,
            ..self
        }
    }

    /// A badged copy: only unbadged endpoints and notifications can be minted (a badge, once
    /// given, is fixed).
    pub fn minted(self, mask: Rights, badge: u64) -> Result<Cap, SysError> {
        let badgeable = matches!(self.kind, CapKind::Endpoint | CapKind::Notification);
        ensure(badgeable, SysError::WrongKind)?;
        ensure(self.badge == 0 && badge != 0, SysError::InvalidArgument)?;
        Ok(Cap {
            badge,
            ..self.diminished(mask)
        })
    }
}

pub struct CapTable {
    slots: [Cap; CAP_SLOTS],
}

fn index(slot: u64) -> Result<usize, SysError> {
    let index = (slot < CAP_SLOTS as u64).then_some(slot as usize);
    index.ok_or(SysError::InvalidSlot)
}

impl CapTable {
    pub const fn new() -> CapTable {
        CapTable {
            slots: [Cap::EMPTY; CAP_SLOTS],
        }
    }

    /// The capability in `slot`, which must not be empty.
    pub fn get(&self, slot: u64) -> Result<Cap, SysError> {
        let cap = self.slots[index(slot)?];
        ensure(cap.kind != CapKind::Empty, SysError::EmptySlot)?;
        Ok(cap)
    }

    /// The capability in `slot`, checked for kind and rights.
    pub fn lookup(&self, slot: u64, kind: CapKind, rights: Rights) -> Result<Cap, SysError> {
        let cap = self.get(slot)?;
        ensure(cap.kind == kind, SysError::WrongKind)?;
        ensure(cap.rights.contains(rights), SysError::MissingRights)?;
        Ok(cap)
    }

    /// `lookup` for the IPC fast path: the same checks in fewer branches (one kind test covers
    /// an empty slot), no error code (a refusal goes to the general path, which names it).
    #[inline(always)]
    pub fn find(&self, slot: u64, kind: CapKind, rights: Rights) -> Option<&Cap> {
        let cap = self.slots.get(slot as usize)?;
        (cap.kind == kind && cap.rights.contains(rights)).then_some(cap)
    }

    /// Checks that `slot` exists and is empty (the decode half of an insert).
    pub fn check_empty(&self, slot: u64) -> Result<(), SysError> {
        let empty = self.slots[index(slot)?].kind == CapKind::Empty;
        ensure(empty, SysError::SlotOccupied)
    }

    /// Puts `cap` into an empty slot.
    pub fn insert(&mut self, slot: u64, cap: Cap) -> Result<(), SysError> {
        self.check_empty(slot)?;
        self.slots[slot as usize] = cap;
        Ok(())
    }

    pub fn delete(&mut self, slot: u64) -> Result<Cap, SysError> {
        let cap = self.get(slot)?;
        self.slots[slot as usize] = Cap::EMPTY;
        Ok(cap)
    }

    /// The capabilities held (empty slots skipped).
    pub fn iter(&self) -> impl Iterator<Item = Cap> + '_ {
        self.slots
            .iter()
            .copied()
            .filter(|c| c.kind != CapKind::Empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Cap {
        Cap::new(
            CapKind::Endpoint,
            3,
            7,
            Rights::SEND | Rights::RECEIVE | Rights::GRANT,
        )
    }

    #[test]
    fn lookups_report_specific_errors() {
        let mut t = CapTable::new();
        assert_eq!(t.get(5), Err(SysError::EmptySlot));
        assert_eq!(t.get(CAP_SLOTS as u64), Err(SysError::InvalidSlot));
        assert_eq!(t.get(u64::MAX), Err(SysError::InvalidSlot));
        t.insert(5, endpoint()).unwrap();
        assert_eq!(
            t.lookup(5, CapKind::Task, Rights::empty()),
            Err(SysError::WrongKind)
        );
        assert_eq!(
            t.lookup(5, CapKind::Endpoint, Rights::CONTROL),
            Err(SysError::MissingRights)
        );
        assert_eq!(t.lookup(5, CapKind::Endpoint, Rights::SEND), Ok(endpoint()));
        assert_eq!(t.insert(5, endpoint()), Err(SysError::SlotOccupied));
        assert_eq!(t.delete(5), Ok(endpoint()));
        assert_eq!(t.get(5), Err(SysError::EmptySlot));
        assert_eq!(t.delete(5), Err(SysError::EmptySlot));
    }

    #[test]
    fn copies_only_lose_rights_and_badges_are_fixed() {
        let weak = endpoint().diminished(Rights::SEND | Rights::MAP);
        assert_eq!(weak.rights, Rights::SEND);
        let badged = endpoint().minted(Rights::SEND, 42).unwrap();
        assert_eq!((badged.badge, badged.rights), (42, Rights::SEND));
        assert_eq!(
            badged.minted(Rights::SEND, 9),
            Err(SysError::InvalidArgument)
        );
        assert_eq!(
            endpoint().minted(Rights::SEND, 0),
            Err(SysError::InvalidArgument)
        );
        let task = Cap::new(CapKind::Task, 1, 1, Rights::CONTROL);
        assert_eq!(task.minted(Rights::all(), 1), Err(SysError::WrongKind));
    }
}
