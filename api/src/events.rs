//! Assignment events published to subscribers of this server after their transaction
//! committed (DESIGN §3, §7). In-process: subscribers connected to another replica learn
//! of a transition when it is made there.

use chrono::{DateTime, Utc};
use makermatch_entities::assignment::AssignmentStatus;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::services::assignments::Changed;

/// One transition of one assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentEvent {
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

impl From<&Changed> for AssignmentEvent {
    fn from(c: &Changed) -> Self {
        AssignmentEvent {
            assignment_id: c.assignment.id,
            job_id: c.assignment.job_id,
            facility_id: c.assignment.facility_id,
            quantity: c.assignment.quantity,
            from: c.event.from_status,
            to: c.event.to_status,
            actor: c.event.actor.clone(),
            note: c.event.note.clone(),
            at: c.event.at,
        }
    }
}

/// Subscribers that fall this far behind lose the oldest events (and are told so).
const BACKLOG: usize = 1_024;

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<AssignmentEvent>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            tx: broadcast::channel(BACKLOG).0,
        }
    }
}

impl EventBus {
    /// Sends to every current subscriber; nobody listening is fine.
    pub fn publish(&self, event: AssignmentEvent) {
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<AssignmentEvent> {
        self.tx.subscribe()
    }
}
