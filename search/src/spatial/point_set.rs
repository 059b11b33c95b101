//! One geo layer (e.g. makers' coarse positions): an R-tree of unit-sphere points. Entities
//! at the same position share one R-tree entry (a slot) whose members are kept sorted by
//! id; coarse positions put thousands of makers on one grid point, and a page ordered by
//! (distance, id) then reads the first few members of the nearest slots instead of
//! walking thousands of equal-distance entries.

use rstar::{AABB, RTree};
use uuid::Uuid;

use super::LatLon;
use super::slot_tree::{Entry, SlotTree};

const NO_SLOT: u32 = u32::MAX;

/// The entities at one position.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub(crate) at: LatLon,
    pub(crate) xyz: [f64; 3],
    members: Members,
}

/// Most positions hold one entity: keep that case free of a heap allocation.
#[derive(Debug, Clone)]
enum Members {
    One(u32),
    Many(Vec<u32>),
}

impl Slot {
    /// Ords at this position, sorted by entity id.
    pub(crate) fn members(&self) -> &[u32] {
        match &self.members {
            Members::One(ord) => std::slice::from_ref(ord),
            Members::Many(ords) => ords,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct PointSet {
    tree: SlotTree,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Slot of each ord (the engine's compact entity number), `NO_SLOT` when unplaced.
    slot_of: Vec<u32>,
    placed: usize,
}

/// Exact position equality, with -0.0 and 0.0 the same.
fn same_place(a: LatLon, b: LatLon) -> bool {
    a.lat() + 0.0 == b.lat() + 0.0 && a.lon() + 0.0 == b.lon() + 0.0
}

impl PointSet {
    /// Builds the layer in one pass (R-tree bulk loading) from (ord, position) pairs.
    pub(crate) fn bulk(mut entries: Vec<(u32, LatLon)>, id_of: impl Fn(u32) -> Uuid) -> Self {
        let bits = |p: LatLon| ((p.lat() + 0.0).to_bits(), (p.lon() + 0.0).to_bits());
        entries.sort_unstable_by(|a, b| {
            bits(a.1)
                .cmp(&bits(b.1))
                .then_with(|| id_of(a.0).cmp(&id_of(b.0)))
        });
        let mut set = PointSet {
            placed: entries.len(),
            ..PointSet::default()
        };
        let mut tree_entries = Vec::new();
        let mut i = 0;
        while i < entries.len() {
            let at = entries[i].1;
            let mut j = i + 1;
            while j < entries.len() && same_place(entries[j].1, at) {
                j += 1;
            }
            let ords: Vec<u32> = entries[i..j].iter().map(|e| e.0).collect();
            let slot = set.slots.len() as u32;
            for &ord in &ords {
                set.set_slot_of(ord, slot);
            }
            let members = match ords.as_slice() {
                [one] => Members::One(*one),
                _ => Members::Many(ords),
            };
            let xyz = at.unit_vector();
            set.slots.push(Slot { at, xyz, members });
            tree_entries.push(Entry::new(xyz, slot));
            i = j;
        }
        set.tree = SlotTree::bulk(tree_entries);
        set
    }

    fn set_slot_of(&mut self, ord: u32, slot: u32) {
        let i = ord as usize;
        if i >= self.slot_of.len() {
            self.slot_of.resize(i + 1, NO_SLOT);
        }
        self.slot_of[i] = slot;
    }

    /// Number of placed entities.
    pub(crate) fn len(&self) -> usize {
        self.placed
    }

    pub(crate) fn slot(&self, slot: u32) -> &Slot {
        &self.slots[slot as usize]
    }

    /// The slot holding `ord`, if it is placed in this layer.
    pub(crate) fn slot_of(&self, ord: u32) -> Option<u32> {
        self.slot_of
            .get(ord as usize)
            .copied()
            .filter(|&s| s != NO_SLOT)
    }

    /// Places `ord` at `at` (moving it if it was elsewhere).
    pub(crate) fn insert(&mut self, ord: u32, at: LatLon, id_of: impl Fn(u32) -> Uuid) {
        self.remove(ord);
        let xyz = at.unit_vector();
        let existing = self
            .tree
            .at_point(&xyz)
            .find(|&s| same_place(self.slots[s as usize].at, at));
        let slot = match existing {
            Some(slot) => {
                let members = &mut self.slots[slot as usize].members;
                let id = id_of(ord);
                match members {
                    Members::One(other) => {
                        let other = *other;
                        *members = if id_of(other) < id {
                            Members::Many(vec![other, ord])
                        } else {
                            Members::Many(vec![ord, other])
                        };
                    }
                    Members::Many(ords) => {
                        let at = ords.partition_point(|&o| id_of(o) < id);
                        ords.insert(at, ord);
                    }
                }
                slot
            }
            None => {
                let slot = Slot {
                    at,
                    xyz,
                    members: Members::One(ord),
                };
                let index = match self.free.pop() {
                    Some(index) => {
                        self.slots[index as usize] = slot;
                        index
                    }
                    None => {
                        self.slots.push(slot);
                        (self.slots.len() - 1) as u32
                    }
                };
                self.tree.insert(Entry::new(xyz, index));
                index
            }
        };
        self.set_slot_of(ord, slot);
        self.placed += 1;
    }

    /// Takes `ord` out of the layer; a no-op when it is not placed.
    pub(crate) fn remove(&mut self, ord: u32) {
        let Some(slot) = self.slot_of(ord) else {
            return;
        };
        self.slot_of[ord as usize] = NO_SLOT;
        self.placed -= 1;
        let entry = &mut self.slots[slot as usize];
        let now_empty = match &mut entry.members {
            Members::One(_) => true,
            Members::Many(ords) => {
                ords.retain(|&o| o != ord);
                if let [last] = ords.as_slice() {
                    entry.members = Members::One(*last);
                }
                false
            }
        };
        if now_empty {
            let xyz = entry.xyz;
            entry.members = Members::Many(Vec::new());
            self.tree.remove(&Entry::new(xyz, slot));
            self.free.push(slot);
        }
    }

    /// Slots by increasing chord distance from `xyz`, with the squared chord.
    pub(crate) fn nearest(&self, xyz: [f64; 3]) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.tree.nearest(xyz)
    }

    /// The slots holding any of `ords`, as an R-tree of their own: a walk for the nearest
    /// holders of a rare skill then skips the thousands of slots holding none.
    pub(crate) fn subset(&self, ords: impl Iterator<Item = u32>) -> SlotSubset {
        let mut slots: Vec<u32> = ords.filter_map(|o| self.slot_of(o)).collect();
        slots.sort_unstable();
        slots.dedup();
        SlotSubset {
            tree: RTree::bulk_load(
                slots
                    .into_iter()
                    .map(|s| Entry::new(self.slot(s).xyz, s))
                    .collect(),
            ),
        }
    }

    /// Slots within a squared chord of `xyz`, in no particular order.
    pub(crate) fn within(&self, xyz: [f64; 3], chord2: f64) -> impl Iterator<Item = u32> + '_ {
        self.tree.within(xyz, chord2)
    }

    /// Slots inside a 3D envelope, in no particular order.
    pub(crate) fn in_envelope(&self, envelope: &AABB<[f64; 3]>) -> impl Iterator<Item = u32> + '_ {
        self.tree.in_envelope(envelope)
    }
}

/// Some slots of a `PointSet` (`PointSet::subset`), valid while the set is unchanged.
#[derive(Debug)]
pub(crate) struct SlotSubset {
    tree: RTree<Entry>,
}

impl SlotSubset {
    /// Slots by increasing chord distance from `xyz`, with the squared chord.
    pub(crate) fn nearest(&self, xyz: [f64; 3]) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.tree
            .nearest_neighbor_iter_with_distance_2(&xyz)
            .map(|(e, d2)| (e.data, d2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ord: u32) -> Uuid {
        // Reverse the order of ids against ords so sorting by id is visible.
        Uuid::from_u128(u128::from(1000 - ord))
    }

    fn p(lat: f64, lon: f64) -> LatLon {
        LatLon::new(lat, lon).unwrap()
    }

    #[test]
    fn shared_positions_share_a_slot_sorted_by_id() {
        let set = PointSet::bulk(
            vec![(1, p(5.6, -0.2)), (2, p(5.6, -0.2)), (3, p(-1.3, 36.8))],
            id,
        );
        assert_eq!(set.len(), 3);
        let accra = set.slot_of(1).unwrap();
        assert_eq!(set.slot_of(2), Some(accra));
        assert_eq!(set.slot(accra).members(), &[2, 1]);
        let nearest: Vec<u32> = set
            .nearest(p(5.0, 0.0).unit_vector())
            .map(|(s, _)| s)
            .collect();
        assert_eq!(nearest[0], accra);
        assert_eq!(nearest.len(), 2);
    }

    #[test]
    fn insert_move_and_remove_keep_slots_consistent() {
        let mut set = PointSet::bulk(Vec::new(), id);
        set.insert(7, p(0.0, 0.0), id);
        set.insert(8, p(0.0, 0.0), id);
        set.insert(9, p(0.0, -0.0), id);
        let s = set.slot_of(7).unwrap();
        assert_eq!(set.slot(s).members(), &[9, 8, 7]);
        set.insert(8, p(10.0, 10.0), id);
        assert_eq!(set.slot(s).members(), &[9, 7]);
        assert_eq!(set.len(), 3);
        set.remove(7);
        set.remove(9);
        set.remove(9);
        assert_eq!(set.len(), 1);
        assert_eq!(set.nearest([1.0, 0.0, 0.0]).count(), 1);
        set.insert(10, p(1.0, 1.0), id);
        assert_eq!(set.nearest([1.0, 0.0, 0.0]).count(), 2);
        assert_eq!(set.within(p(0.0, 0.0).unit_vector(), 1e-6).count(), 0);
    }
}

#[cfg(test)]
#[path = "point_set_property.rs"]
mod property;
