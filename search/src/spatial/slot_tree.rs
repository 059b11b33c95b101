//! The R-tree of a layer's slots, built so that nothing is ever inserted into a
//! bulk-loaded tree. rstar 0.12's bulk load can leave leaves at uneven depths for some
//! sizes (49–55 and most of 389–447 points, among others), and an insertion into such a tree
//! panics. So the bulk-loaded `base` is only read and removed from; new entries go to `side`,
//! a tree grown by insertion from empty; when the side outgrows a quarter of the base, both
//! are bulk-loaded into a new base (reads then walk one tree again).

use std::iter::Peekable;

use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};

pub(crate) type Entry = GeomWithData<[f64; 3], u32>;

/// Below this many entries the side tree is never merged: small trees are cheap to walk.
const SIDE_MIN: usize = 1_024;

#[derive(Debug, Default)]
pub(crate) struct SlotTree {
    base: RTree<Entry>,
    side: RTree<Entry>,
}

impl SlotTree {
    pub(crate) fn bulk(entries: Vec<Entry>) -> SlotTree {
        SlotTree {
            base: RTree::bulk_load(entries),
            side: RTree::new(),
        }
    }

    pub(crate) fn insert(&mut self, entry: Entry) {
        self.side.insert(entry);
        if self.side.size() > SIDE_MIN && self.side.size() > self.base.size() / 4 {
            let all: Vec<Entry> = self.base.iter().chain(self.side.iter()).copied().collect();
            *self = SlotTree::bulk(all);
        }
    }

    /// Removes `entry`; whether it was there.
    pub(crate) fn remove(&mut self, entry: &Entry) -> bool {
        self.side.remove(entry).is_some() || self.base.remove(entry).is_some()
    }

    pub(crate) fn at_point(&self, xyz: &[f64; 3]) -> impl Iterator<Item = u32> + '_ {
        self.base
            .locate_all_at_point(xyz)
            .chain(self.side.locate_all_at_point(xyz))
            .map(|e| e.data)
    }

    /// Slots by increasing squared chord from `xyz`.
    pub(crate) fn nearest(&self, xyz: [f64; 3]) -> impl Iterator<Item = (u32, f64)> + '_ {
        ByDistance {
            a: self
                .base
                .nearest_neighbor_iter_with_distance_2(&xyz)
                .peekable(),
            b: self
                .side
                .nearest_neighbor_iter_with_distance_2(&xyz)
                .peekable(),
        }
    }

    pub(crate) fn within(&self, xyz: [f64; 3], chord2: f64) -> impl Iterator<Item = u32> + '_ {
        self.base
            .locate_within_distance(xyz, chord2)
            .chain(self.side.locate_within_distance(xyz, chord2))
            .map(|e| e.data)
    }

    pub(crate) fn in_envelope(&self, envelope: &AABB<[f64; 3]>) -> impl Iterator<Item = u32> + '_ {
        self.base
            .locate_in_envelope(envelope)
            .chain(self.side.locate_in_envelope(envelope))
            .map(|e| e.data)
    }
}

/// Two nearest-first walks merged into one.
struct ByDistance<A: Iterator, B: Iterator> {
    a: Peekable<A>,
    b: Peekable<B>,
}

impl<'t, A, B> Iterator for ByDistance<A, B>
where
    A: Iterator<Item = (&'t Entry, f64)>,
    B: Iterator<Item = (&'t Entry, f64)>,
{
    type Item = (u32, f64);

    fn next(&mut self) -> Option<(u32, f64)> {
        let take_a = match (self.a.peek(), self.b.peek()) {
            (Some(a), Some(b)) => a.1 <= b.1,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let next = if take_a { self.a.next() } else { self.b.next() };
        next.map(|(e, d2)| (e.data, d2))
    }
}
