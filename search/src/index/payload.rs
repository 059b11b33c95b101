//! The commit payload: the outbox sequence number the commit includes. Tantivy stores it
//! atomically with the commit, so after a crash the index says exactly which outbox rows
//! it holds and the indexer replays from there.

use serde::{Deserialize, Serialize};

use crate::SearchError;

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    applied_seq: i64,
}

pub(crate) fn encode(applied_seq: i64) -> String {
    format!("{{\"applied_seq\":{applied_seq}}}")
}

/// The sequence number in a commit payload; `None` for an index never committed by us.
pub(crate) fn decode(payload: Option<&str>) -> Result<Option<i64>, SearchError> {
    match payload {
        None => Ok(None),
        Some(text) => serde_json::from_str::<Payload>(text)
            .map(|p| Some(p.applied_seq))
            .map_err(|e| SearchError::BadPayload(format!("{text:?}: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(decode(Some(&encode(42))).unwrap(), Some(42));
        assert_eq!(decode(Some(&encode(-1))).unwrap(), Some(-1));
        assert_eq!(decode(None).unwrap(), None);
        assert!(decode(Some("nope")).is_err());
    }
}
