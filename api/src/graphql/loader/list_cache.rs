//! A process-wide cache of what facility lists show of each facility: its row, its
//! machines with their properties and its members with their claims. A map page of 20
//! facilities shows about 110 machines, 170 properties, 190 makers and 470 claims; read
//! from the database on every request, they were most of the request's cost. Even a page
//! of names and distances answers 3–4 times as many requests a second with its 20 rows
//! kept here: reading them meant a hand-over to the database's thread and back.
//!
//! Each entry is tagged with the outbox sequence number the search index had applied
//! before the entry was read, and serves only while that is still the applied number.
//! Every write inserts an outbox row in its transaction, so once the indexer applies a
//! write (this instance's, an import's or another replica's) every older entry is
//! retired. A list's details are then exactly as fresh as the list, which comes from the
//! index, and a mutation, which waits for the index to pass its sequence number, is seen
//! by the queries that follow it (DESIGN §2, read your writes).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use makermatch_entities::facility;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sea_orm::DbErr;
use tokio::sync::watch;
use uuid::Uuid;

use super::LoadError;
use super::aggregated::{MachineWithProperties, MemberWithClaims};

/// How many rows an entry holds, the unit of the cache's capacity.
pub trait Rows {
    fn rows(&self) -> u64;
}

impl Rows for Arc<[MachineWithProperties]> {
    fn rows(&self) -> u64 {
        self.iter().map(|m| 1 + m.properties.len() as u64).sum()
    }
}

impl Rows for Arc<[MemberWithClaims]> {
    fn rows(&self) -> u64 {
        self.iter().map(|m| 1 + m.claims.len() as u64).sum()
    }
}

impl Rows for Arc<facility::Model> {
    fn rows(&self) -> u64 {
        1
    }
}

#[derive(Clone)]
struct Tagged<V> {
    seq: i64,
    value: V,
}

#[derive(Clone)]
struct ByRows;

impl<V: Rows> Weighter<Uuid, Tagged<V>> for ByRows {
    fn weight(&self, _: &Uuid, entry: &Tagged<V>) -> u64 {
        // The facility's own entry counts too, so an empty list is not free.
        1 + entry.value.rows()
    }
}

/// One relation of each facility, by facility id.
pub struct PerFacility<V> {
    entries: Cache<Uuid, Tagged<V>, ByRows>,
    /// The highest sequence number a lookup was made at; when the index moves past it,
    /// the retired entries are dropped at once rather than left to eviction.
    swept_at: AtomicI64,
}

impl<V: Rows + Clone> PerFacility<V> {
    /// `per_entry`: the rows a typical entry weighs, for quick_cache's estimate of the
    /// entry count, from which it sizes its table.
    fn new(rows: u64, per_entry: u64) -> Self {
        let estimated = usize::try_from(rows / per_entry.max(1))
            .unwrap_or(usize::MAX)
            .max(16);
        PerFacility {
            entries: Cache::with_weighter(estimated, rows, ByRows),
            swept_at: AtomicI64::new(i64::MIN),
        }
    }

    /// The entries of `ids` current at `seq`, and the ids not found.
    pub fn lookup(
        &self,
        ids: impl Iterator<Item = Uuid>,
        seq: i64,
    ) -> (HashMap<Uuid, V>, Vec<Uuid>) {
        if self.swept_at.fetch_max(seq, Ordering::AcqRel) < seq {
            self.entries.retain(|_, entry| entry.seq >= seq);
        }
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for id in ids {
            match self.entries.get(&id) {
                Some(entry) if entry.seq == seq => {
                    found.insert(id, entry.value);
                }
                _ => missing.push(id),
            }
        }
        (found, missing)
    }

    /// Keeps `value`, read after the index had applied `seq`.
    pub fn store(&self, id: Uuid, value: V, seq: i64) {
        self.entries.insert(id, Tagged { seq, value });
    }
}

/// The cached relations of facility lists, and where the index's applied sequence
/// number is read from.
pub struct ListCache {
    pub facilities: PerFacility<Arc<facility::Model>>,
    pub machines: PerFacility<Arc<[MachineWithProperties]>>,
    pub members: PerFacility<Arc<[MemberWithClaims]>>,
    applied: watch::Receiver<i64>,
}

impl ListCache {
    /// A cache of about `rows` rows (facilities, machines, properties, members and
    /// claims) split between the three; `None` when `rows` is 0, which turns caching off.
    pub fn new(rows: u64, applied: watch::Receiver<i64>) -> Option<Arc<ListCache>> {
        (rows > 0).then(|| {
            // A page of 20 facilities holds about 280 machines and properties and 660
            // members and claims (each facility's entry weighs 2).
            let facilities = rows / 10;
            let machines = (rows - facilities) / 3;
            Arc::new(ListCache {
                // Entry weights on the demo data: a facility 2, its machines about 15, its
                // members about 35.
                facilities: PerFacility::new(facilities, 2),
                machines: PerFacility::new(machines, 15),
                members: PerFacility::new(rows - facilities - machines, 35),
                applied,
            })
        })
    }

    /// The outbox sequence number the index has applied: read before the database, it
    /// is the tag of what the read returns.
    pub fn applied(&self) -> i64 {
        *self.applied.borrow()
    }
}

/// Answers `keys` from `cache` (with the applied sequence number read before anything
/// else) where it holds them; reads the others with `read` and keeps what was read. A
/// relation's `read` answers every id it is given (an empty list for none), so empty
/// lists are kept too; an id `read` does not answer (a facility since deleted) is asked
/// again next time.
pub(super) async fn through_cache<K, V, R>(
    cache: Option<(&PerFacility<V>, i64)>,
    keys: &[K],
    facility: impl Fn(&K) -> Uuid,
    key: impl Fn(Uuid) -> K,
    read: impl FnOnce(Vec<Uuid>) -> R,
) -> Result<HashMap<K, V>, LoadError>
where
    K: Eq + Hash,
    V: Rows + Clone,
    R: Future<Output = Result<HashMap<Uuid, V>, DbErr>>,
{
    let (mut found, missing) = match cache {
        Some((cache, seq)) => cache.lookup(keys.iter().map(&facility), seq),
        None => (HashMap::new(), keys.iter().map(&facility).collect()),
    };
    if !missing.is_empty() {
        for (id, value) in read(missing).await? {
            if let Some((cache, seq)) = cache {
                cache.store(id, value.clone(), seq);
            }
            found.insert(id, value);
        }
    }
    Ok(found.into_iter().map(|(id, v)| (key(id), v)).collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    impl Rows for Vec<u8> {
        fn rows(&self) -> u64 {
            self.len() as u64
        }
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn an_entry_serves_only_while_the_index_stays_where_it_was_read() {
        let cache = PerFacility::<Vec<u8>>::new(1_000, 3);
        cache.store(id(1), vec![1, 2], 5);
        let (found, missing) = cache.lookup([id(1), id(2)].into_iter(), 5);
        assert_eq!(found.get(&id(1)), Some(&vec![1, 2]));
        assert_eq!(missing, [id(2)]);
        let (found, missing) = cache.lookup([id(1)].into_iter(), 6);
        assert!(found.is_empty());
        assert_eq!(missing, [id(1)]);
    }

    #[test]
    fn a_read_that_started_before_a_write_is_never_served_after_it() {
        let cache = PerFacility::<Vec<u8>>::new(1_000, 3);
        // The index moved to 6 while a slow read tagged 5 was still under way.
        let _ = cache.lookup([id(1)].into_iter(), 6);
        cache.store(id(1), vec![9], 5);
        let (found, missing) = cache.lookup([id(1)].into_iter(), 6);
        assert!(found.is_empty());
        assert_eq!(missing, [id(1)]);
    }

    #[test]
    fn the_cache_keeps_to_its_rows() {
        let cache = PerFacility::<Vec<u8>>::new(100, 10);
        for n in 0..50 {
            cache.store(id(n), vec![0; 9], 1);
        }
        assert!(cache.entries.weight() <= 100, "{}", cache.entries.weight());
        let (found, _) = cache.lookup((0..50).map(id), 1);
        assert!(!found.is_empty() && found.len() <= 10, "{}", found.len());
    }
}
