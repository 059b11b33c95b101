//! Read-your-writes across replicas. A mutation's answer carries the outbox position it
//! wrote as a token (`extensions.consistency`, and over HTTP the header
//! `X-Makermatch-Consistency`); a request that sends the token back to any replica first
//! waits, bounded by `index.read_your_writes_timeout_ms`, until that replica's index
//! applied it. Past the bound it runs anyway and says so (`extensions.consistencyStale`,
//! header `X-Makermatch-Consistency-Stale`).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_graphql::{Context, Response, Result, Value};
use axum::http::HeaderName;

use crate::graphql::search_support::index;

/// The request and response header carrying the token.
pub const HEADER: HeaderName = HeaderName::from_static("x-makermatch-consistency");
/// The response header saying the wait for a sent token ran out.
pub const STALE_HEADER: HeaderName = HeaderName::from_static("x-makermatch-consistency-stale");
/// The key of the token in a WebSocket's `connection_init` payload.
pub const INIT_KEY: &str = "consistency";

const PREFIX: &str = "mm1:";
/// Longer tokens are refused unread.
const MAX_TOKEN_BYTES: usize = 64;

/// The highest outbox position one request wrote: put in the request's data by the door it
/// came through, raised by every resolver that waits for its write.
#[derive(Debug, Clone, Default)]
pub struct Written(Arc<AtomicI64>);

impl Written {
    pub fn record(&self, seq: i64) {
        self.0.fetch_max(seq, Ordering::AcqRel);
    }

    /// The position written, if the request wrote anything.
    pub fn seq(&self) -> Option<i64> {
        Some(self.0.load(Ordering::Acquire)).filter(|seq| *seq > 0)
    }
}

/// What a mutation resolver calls once its write committed: remembers the position for
/// the answer's token, then waits (bounded) until this replica's index shows the write.
pub async fn wait_for_write(ctx: &Context<'_>, seq: i64) -> Result<()> {
    if let Ok(written) = ctx.data::<Written>() {
        written.record(seq);
    }
    index(ctx)?.wait_for(seq).await;
    Ok(())
}

pub fn token(seq: i64) -> String {
    format!("{PREFIX}{seq}")
}

/// The position a token names, or why it is no token.
pub fn parse(token: &str) -> std::result::Result<i64, String> {
    let token = token.trim();
    let seq = (token.len() <= MAX_TOKEN_BYTES)
        .then(|| token.strip_prefix(PREFIX))
        .flatten()
        .and_then(|digits| digits.parse::<i64>().ok())
        .filter(|seq| *seq >= 0);
    seq.ok_or_else(|| {
        format!(
            "the consistency token is not one this server gave; send back the `X-Makermatch-Consistency` header or `extensions.consistency` of a mutation's answer unchanged (like `{PREFIX}42`), or none"
        )
    })
}

/// Adds the token of what the request wrote, and the stale flag, to the answer.
pub fn annotate(response: &mut Response, written: &Written, stale: bool) {
    if let Some(seq) = written.seq() {
        response
            .extensions
            .insert(INIT_KEY.to_owned(), Value::from(token(seq)));
    }
    if stale {
        response
            .extensions
            .insert("consistencyStale".to_owned(), Value::from(true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        assert_eq!(parse(&token(42)), Ok(42));
        assert_eq!(parse(" mm1:0 "), Ok(0));
        for bad in [
            "",
            "42",
            "mm1:",
            "mm1:-3",
            "mm2:4",
            "mm1:4x",
            &"9".repeat(80),
        ] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains("X-Makermatch-Consistency"), "{bad}");
        }
    }

    #[test]
    fn the_highest_write_is_kept() {
        let written = Written::default();
        assert_eq!(written.seq(), None);
        written.record(7);
        written.record(3);
        assert_eq!(written.seq(), Some(7));
    }
}
