//! Assignment events as every replica's subscribers see them (DESIGN §3, §7): read from the
//! committed `assignment_events` rows, in id order, which is commit order
//! (`db::dialect::order_event_writers`). One feed per server tails the rows, woken by a
//! commit of its own, by another replica's `NOTIFY` (PostgreSQL), or by a poll, and hands
//! them to this server's subscribers. A subscriber that resumes after an event id, or falls
//! behind the feed, reads what it missed from the rows: nothing is lost to a slow client.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use makermatch_entities::assignment::{self, AssignmentStatus};
use makermatch_entities::assignment_event;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// One transition of one assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentEvent {
    /// The event's row id: its place in the order every subscriber sees.
    pub id: i64,
    pub assignment_id: Uuid,
    pub job_id: Uuid,
    pub facility_id: Uuid,
    pub quantity: i32,
    /// `None` when the event created the assignment.
    pub from: Option<AssignmentStatus>,
    pub to: AssignmentStatus,
    pub actor: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

impl AssignmentEvent {
    pub fn new(event: assignment_event::Model, assignment: &assignment::Model) -> Self {
        AssignmentEvent {
            id: event.id,
            assignment_id: assignment.id,
            job_id: assignment.job_id,
            facility_id: assignment.facility_id,
            quantity: assignment.quantity,
            from: event.from_status,
            to: event.to_status,
            actor: event.actor,
            note: event.note,
            at: event.at,
        }
    }
}

/// Whose events a subscriber follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Job(Uuid),
    Facility(Uuid),
}

impl Scope {
    pub fn keeps(&self, e: &AssignmentEvent) -> bool {
        match self {
            Scope::Job(id) => e.job_id == *id,
            Scope::Facility(id) => e.facility_id == *id,
        }
    }
}

/// The events after `after` in order, at most `limit`, of `scope` (all when `None`).
pub async fn read_after(
    db: &DatabaseConnection,
    after: i64,
    scope: Option<Scope>,
    limit: u64,
) -> Result<Vec<AssignmentEvent>, DbErr> {
    let mut query = assignment_event::Entity::find()
        .find_also_related(assignment::Entity)
        .filter(assignment_event::Column::Id.gt(after));
    query = match scope {
        Some(Scope::Job(id)) => query.filter(assignment::Column::JobId.eq(id)),
        Some(Scope::Facility(id)) => query.filter(assignment::Column::FacilityId.eq(id)),
        None => query,
    };
    let rows = query
        .order_by_asc(assignment_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(event, assignment)| assignment.map(|a| AssignmentEvent::new(event, &a)))
        .collect())
}

/// The id of the newest event (0 when there is none).
async fn last_id(db: &DatabaseConnection) -> Result<i64, DbErr> {
    let newest: Option<Option<i64>> = assignment_event::Entity::find()
        .select_only()
        .column_as(assignment_event::Column::Id.max(), "max")
        .into_tuple()
        .one(db)
        .await?;
    Ok(newest.flatten().unwrap_or(0))
}

/// Subscribers this far behind the feed read the rest from the rows.
const BACKLOG: usize = 1_024;

/// Rows the feed reads at a time.
const PAGE: u64 = 500;

/// The feed's hand-out to this server's subscribers. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<AssignmentEvent>,
    wake: Arc<Notify>,
    /// The id of the newest event handed out.
    position: Arc<AtomicI64>,
}

impl Default for EventBus {
    /// A bus no feed writes to (tools that build a schema without a server).
    fn default() -> Self {
        EventBus {
            tx: broadcast::channel(BACKLOG).0,
            wake: Arc::new(Notify::new()),
            position: Arc::new(AtomicI64::new(0)),
        }
    }
}

/// The running feed; stopping it ends every subscription's live part.
pub struct EventFeed {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl EventFeed {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl EventBus {
    /// Starts the feed from the newest event now committed. `poll` bounds how late an
    /// event of another replica shows when no notification arrives.
    pub async fn start(db: DatabaseConnection, poll: Duration) -> (EventBus, EventFeed) {
        let bus = EventBus::default();
        let start = match last_id(&db).await {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::warn!(error = %e, "the event feed cannot read where events stand yet; it retries");
                None
            }
        };
        if let Some(id) = start {
            bus.position.store(id, Ordering::SeqCst);
        }
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(db, bus.clone(), start, poll, stopped));
        (bus, EventFeed { stop, task })
    }

    /// The feed's wake-up: a PostgreSQL listener calls it for other replicas' commits.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// This server committed events: read them now rather than at the next poll.
    pub fn committed(&self) {
        self.wake.notify_one();
    }

    /// Live events from now on, and the id of the last one already handed out: the
    /// subscriber sees exactly the events after it.
    pub fn subscribe(&self) -> (broadcast::Receiver<AssignmentEvent>, i64) {
        let rx = self.tx.subscribe();
        (rx, self.position.load(Ordering::SeqCst))
    }
}

async fn run(
    db: DatabaseConnection,
    bus: EventBus,
    start: Option<i64>,
    poll: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut cursor = start;
    loop {
        match cursor {
            None => match last_id(&db).await {
                Ok(id) => {
                    bus.position.store(id, Ordering::SeqCst);
                    cursor = Some(id);
                }
                Err(e) => tracing::debug!(error = %e, "the event feed still cannot read"),
            },
            Some(ref mut at) => loop {
                match read_after(&db, *at, None, PAGE).await {
                    Ok(events) => {
                        let full = events.len() as u64 == PAGE;
                        for event in events {
                            *at = event.id;
                            // Handed out before the position moves: a subscriber joining
                            // in between skips nothing it would not receive.
                            let _ = bus.tx.send(event);
                            bus.position.store(*at, Ordering::SeqCst);
                        }
                        if !full {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the event feed cannot read events now; it tries again");
                        break;
                    }
                }
            },
        }
        tokio::select! {
            _ = bus.wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
            _ = stop.changed() => return,
        }
    }
}
