//! GraphQL over WebSocket (`graphql-transport-ws`, legacy `graphql-ws`) held to the same
//! rules as POST: every operation passes the same admission, rate limit, timeout and error
//! naming; a message is no larger than a request body; a socket that never says
//! `connection_init` is closed.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::http::{WebSocketProtocols, WsMessage};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::Response as HttpResponse;
use futures::stream::BoxStream;
use futures::{FutureExt, SinkExt, StreamExt};
use tracing::Instrument;

use super::metrics;
use super::routes::{AppState, connection_data};
use crate::auth::rate::RateLimits;
use crate::graphql::AppSchema;
use crate::graphql::error::Code;
use crate::graphql::offload::RequestDeadline;
use crate::graphql::request::admission::Admission;
use crate::graphql::request::consistency::{self, Written};
use crate::graphql::request::limits::refusal;
use crate::index::IndexHandle;

/// The schema behind one socket, with the door's rules in front of it.
#[derive(Clone)]
pub struct AdmittedSchema {
    schema: AppSchema,
    admission: Arc<Admission>,
    rate_limits: RateLimits,
    timeout: Duration,
    /// Who the socket speaks for, as the rate limit keys callers: the token's subject once
    /// `connection_init` carried one, else the peer's address.
    caller: Arc<Mutex<String>>,
    index: IndexHandle,
    /// The outbox position `connection_init`'s consistency token named (0: none); answers
    /// computed while the index is still below it say they may be stale.
    wanted: Arc<AtomicI64>,
    /// The hot standby queries read from (`database.read_url`), if any.
    standby: Option<super::read_route::Standby>,
}

impl AdmittedSchema {
    /// The rules every operation passes; `Err` is the whole answer.
    async fn gate(&self, request: &mut Request) -> Result<bool, Box<Response>> {
        let caller = self.caller.lock().map(|c| c.clone()).unwrap_or_default();
        if let Err(wait) = self.rate_limits.check(&caller).await {
            return Err(Box::new(Response::from_errors(vec![refusal(
                Code::LimitExceeded,
                format!("too many requests; retry in {} s", wait.as_secs().max(1)),
            )])));
        }
        self.admission
            .admit(request)
            .map_err(|e| Box::new(Response::from_errors(vec![e])))?;
        Ok(is_subscription(request))
    }

    fn named(&self, mut response: Response) -> Response {
        self.admission.name_answer_errors(&mut response);
        self.admission.oversized(&response).unwrap_or(response)
    }

    /// A query's or mutation's answer with its consistency token (what it wrote) and
    /// stale flag.
    fn finished(&self, response: Response, written: &Written, applied_before: i64) -> Response {
        let mut response = self.named(response);
        let stale = applied_before < self.wanted.load(Ordering::Acquire);
        consistency::annotate(&mut response, written, stale);
        response
    }
}

/// Whether the operation `request` runs is a subscription. Its text was admitted, so
/// parsing it here (when the admission left it unparsed) is bounded; a text that does not
/// parse is answered at once either way.
fn is_subscription(request: &mut Request) -> bool {
    let wanted = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return false;
    };
    doc.operations.iter().any(|(name, op)| {
        op.node.ty == OperationType::Subscription
            && match (&wanted, name) {
                (Some(wanted), Some(name)) => wanted == name.as_str(),
                _ => true,
            }
    })
}

impl Executor for AdmittedSchema {
    fn execute(&self, request: Request) -> impl Future<Output = Response> + Send {
        let this = self.clone();
        async move {
            let started = Instant::now();
            let mut request = request;
            if let Err(refused) = this.gate(&mut request).await {
                let operation = metrics::named_operation(request.operation_name.as_deref());
                metrics::record_operation(operation, &refused.errors, started);
                return *refused;
            }
            let operation = metrics::operation_of(&mut request);
            let span = metrics::socket_operation_span(&operation);
            let written = Written::default();
            let applied_before = this.index.applied_seq();
            let token_sent = this.wanted.load(Ordering::Acquire) > 0;
            let (request, _) = super::read_route::route(request, this.standby.as_ref(), token_sent);
            let request = request
                .data(RequestDeadline::after(this.timeout))
                .data(written.clone());
            let executed = tokio::time::timeout(this.timeout, this.schema.execute(request))
                .instrument(span.clone())
                .await;
            let response = match executed {
                Ok(response) => this.finished(response, &written, applied_before),
                Err(_) => timed_out(this.timeout),
            };
            metrics::record_span_outcome(&span, &response.errors);
            metrics::record_operation(operation, &response.errors, started);
            response
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let this = self.clone();
        futures::stream::once(async move { this.gated_stream(request, session_data).await })
            .flatten()
            .boxed()
    }
}

impl AdmittedSchema {
    /// `execute_stream` once the operation has passed the gate (which may wait on the
    /// shared rate budget).
    async fn gated_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let started = Instant::now();
        let subscription = match self.gate(&mut request).await {
            Ok(subscription) => subscription,
            Err(refused) => {
                let operation = metrics::named_operation(request.operation_name.as_deref());
                metrics::record_operation(operation, &refused.errors, started);
                return futures::stream::once(async move { *refused }).boxed();
            }
        };
        let operation = metrics::operation_of(&mut request);
        let this = self.clone();
        let written = Written::default();
        let applied_before = self.index.applied_seq();
        if !subscription {
            let token_sent = self.wanted.load(Ordering::Acquire) > 0;
            (request, _) = super::read_route::route(request, self.standby.as_ref(), token_sent);
            request = request
                .data(RequestDeadline::after(self.timeout))
                .data(written.clone());
        }
        let stream = Executor::execute_stream(&self.schema, request, session_data);
        if subscription {
            // Counted as open for as long as the stream lives.
            let open = metrics::OpenSubscription::open();
            return stream
                .map(move |r| {
                    let _open = &open;
                    this.named(r)
                })
                .boxed();
        }
        // A query or mutation over the socket: one answer, within the request timeout.
        let span = metrics::socket_operation_span(&operation);
        async move {
            let mut stream = stream;
            let next = tokio::time::timeout(this.timeout, stream.next())
                .instrument(span.clone())
                .await;
            let response = match next {
                Ok(Some(response)) => this.finished(response, &written, applied_before),
                Ok(None) => Response::default(),
                Err(_) => timed_out(this.timeout),
            };
            metrics::record_span_outcome(&span, &response.errors);
            metrics::record_operation(operation, &response.errors, started);
            response
        }
        .into_stream()
        .boxed()
    }
}

fn timed_out(limit: Duration) -> Response {
    Response::from_errors(vec![refusal(
        Code::LimitExceeded,
        format!("the request took longer than {} ms", limit.as_millis()),
    )])
}

/// The GraphQL WebSocket protocol a request asks for (`Sec-WebSocket-Protocol`), the first
/// one known of those it lists.
pub fn protocol(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|protocols| {
            protocols
                .split(',')
                .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        })
}

/// Upgrades to a GraphQL socket held to the server's limits.
pub fn upgrade(
    state: AppState,
    admission: Arc<Admission>,
    peer: SocketAddr,
    protocol: WebSocketProtocols,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    let caller = Arc::new(Mutex::new(format!("ip:{}", peer.ip())));
    let executor = AdmittedSchema {
        schema: state.schema.clone(),
        admission,
        rate_limits: state.rate_limits.clone(),
        timeout: Duration::from_millis(state.graphql.request_timeout_ms),
        caller: caller.clone(),
        index: state.index.clone(),
        wanted: Arc::new(AtomicI64::new(0)),
        standby: state.standby.clone(),
    };
    let init_timeout = Duration::from_millis(state.graphql.connection_init_timeout_ms);
    let max_message = state.graphql.max_body_bytes;
    upgrade
        .max_message_size(max_message)
        .max_frame_size(max_message)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            serve(
                socket,
                state,
                executor,
                protocol,
                caller,
                init_timeout,
                peer,
            )
        })
}

/// Why a `graphql-transport-ws` socket is closed, with the codes its clients switch on.
/// async-graphql closes with 1002 both for a refused `connection_init` and for a message
/// it cannot read, and with 1011 for a subscribe before the handshake; graphql-ws
/// clients expect 4403, 4400 and 4401.
mod close {
    pub const BAD_REQUEST: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const INIT_TIMEOUT: u16 = 4408;
    /// What async-graphql sends for both a refused token and an unreadable message.
    pub const LIBRARY_PROTOCOL_ERROR: u16 = 1002;
    /// What async-graphql sends for a `subscribe` before `connection_ack`.
    pub const LIBRARY_NOT_ACKNOWLEDGED: u16 = 1011;
}

/// The close code to send in place of async-graphql's `code`: `refused` says whether the
/// socket's `connection_init` was refused (its token), which is what a 1002 right after it
/// means.
fn close_code(code: u16, refused: bool) -> u16 {
    match code {
        close::LIBRARY_PROTOCOL_ERROR if refused => close::FORBIDDEN,
        close::LIBRARY_PROTOCOL_ERROR => close::BAD_REQUEST,
        close::LIBRARY_NOT_ACKNOWLEDGED => close::UNAUTHORIZED,
        other => other,
    }
}

/// Serves one socket: async-graphql's protocol state machine between the socket's halves,
/// its close codes made the ones graphql-ws names, and closed with 4408 when no
/// `connection_init` came within `init_timeout`.
async fn serve(
    socket: WebSocket,
    state: AppState,
    executor: AdmittedSchema,
    protocol: WebSocketProtocols,
    caller: Arc<Mutex<String>>,
    init_timeout: Duration,
    peer: SocketAddr,
) {
    let wanted = executor.wanted.clone();
    let initialised = Arc::new(AtomicBool::new(false));
    let refused = Arc::new(AtomicBool::new(false));
    let (init_flag, refused_flag) = (initialised.clone(), refused.clone());
    let (mut sink, source) = socket.split();
    // A read error or a close from the client ends the input, as async-graphql-axum does.
    let input = source
        .take_while(|message| futures::future::ready(message.is_ok()))
        .filter_map(|message| {
            futures::future::ready(match message {
                Ok(m @ (Message::Text(_) | Message::Binary(_))) => Some(m.into_data()),
                _ => None,
            })
        });
    let answers = async_graphql::http::WebSocket::new(executor, input, protocol)
        .on_connection_init(move |payload| async move {
            // It came: the wait for a consistency token below must not count as silence.
            init_flag.store(true, Ordering::Release);
            // A malformed token closes the socket with 4400; a good one holds the
            // acknowledgement (so the socket's first operations) until this replica's
            // index applied it, at most `index.read_your_writes_timeout_ms`.
            if let Some(token) = payload.get(consistency::INIT_KEY) {
                // Short: it becomes the close frame's reason, at most 123 bytes.
                let seq = consistency::parse(token.as_str().unwrap_or("")).map_err(|_| {
                    async_graphql::Error::new(
                        "connection_init `consistency` is not a token this server gave (like mm1:42)",
                    )
                })?;
                wanted.store(seq, Ordering::Release);
                state.index.wait_for(seq).await;
            }
            let data = connection_data(
                &state.verifier,
                &state.db,
                state.list_cache.clone(),
                &payload,
            );
            match &data {
                Ok((_, Some(subject))) => {
                    if let Ok(mut c) = caller.lock() {
                        *c = format!("sub:{subject}");
                    }
                }
                Ok((_, None)) => {}
                Err(_) => refused_flag.store(true, Ordering::Release),
            }
            data.map(|(data, _)| data)
        });
    tokio::pin!(answers);
    let deadline = tokio::time::sleep(init_timeout);
    tokio::pin!(deadline);
    loop {
        let next = tokio::select! {
            next = answers.next() => next,
            () = &mut deadline, if !initialised.load(Ordering::Acquire) => {
                tracing::info!(%peer, "closed a WebSocket that sent no connection_init in time");
                let frame = CloseFrame {
                    code: close::INIT_TIMEOUT,
                    reason: "Connection initialisation timeout".into(),
                };
                let _ = sink.send(Message::Close(Some(frame))).await;
                return;
            }
        };
        let message = match next {
            Some(WsMessage::Text(text)) => Message::Text(text.into()),
            Some(WsMessage::Close(code, reason)) => Message::Close(Some(CloseFrame {
                code: close_code(code, refused.load(Ordering::Acquire)),
                reason: reason.into(),
            })),
            None => return,
        };
        if sink.send(message).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_close_codes_become_graphql_ws_ones() {
        assert_eq!(close_code(1002, true), 4403);
        assert_eq!(close_code(1002, false), 4400);
        assert_eq!(close_code(1011, false), 4401);
        assert_eq!(close_code(4429, false), 4429);
    }
}
