//! GraphQL over WebSocket (`graphql-transport-ws`, legacy `graphql-ws`) held to the same
//! rules as POST: every operation passes the same admission, rate limit, timeout and error
//! naming; a message is no larger than a request body; a socket that never says
//! `connection_init` is closed.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response as HttpResponse;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};

use super::metrics;
use super::routes::{AppState, connection_data};
use crate::auth::rate::RateLimits;
use crate::graphql::AppSchema;
use crate::graphql::error::Code;
use crate::graphql::offload::RequestDeadline;
use crate::graphql::request::admission::Admission;
use crate::graphql::request::limits::refusal;

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
}

impl AdmittedSchema {
    /// The rules every operation passes; `Err` is the whole answer.
    fn gate(&self, request: &mut Request) -> Result<bool, Box<Response>> {
        let caller = self.caller.lock().map(|c| c.clone()).unwrap_or_default();
        if let Err(wait) = self.rate_limits.check(&caller) {
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
            if let Err(refused) = this.gate(&mut request) {
                let operation = metrics::named_operation(request.operation_name.as_deref());
                metrics::record_operation(operation, &refused.errors, started);
                return *refused;
            }
            let operation = metrics::operation_of(&mut request);
            let request = request.data(RequestDeadline::after(this.timeout));
            let response =
                match tokio::time::timeout(this.timeout, this.schema.execute(request)).await {
                    Ok(response) => this.named(response),
                    Err(_) => timed_out(this.timeout),
                };
            metrics::record_operation(operation, &response.errors, started);
            response
        }
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let started = Instant::now();
        let subscription = match self.gate(&mut request) {
            Ok(subscription) => subscription,
            Err(refused) => {
                let operation = metrics::named_operation(request.operation_name.as_deref());
                metrics::record_operation(operation, &refused.errors, started);
                return futures::stream::once(async move { *refused }).boxed();
            }
        };
        let operation = metrics::operation_of(&mut request);
        let this = self.clone();
        if !subscription {
            request = request.data(RequestDeadline::after(self.timeout));
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
        async move {
            let mut stream = stream;
            let response = match tokio::time::timeout(this.timeout, stream.next()).await {
                Ok(Some(response)) => this.named(response),
                Ok(None) => Response::default(),
                Err(_) => timed_out(this.timeout),
            };
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

/// Upgrades to a GraphQL socket held to the server's limits.
pub fn upgrade(
    state: AppState,
    admission: Arc<Admission>,
    peer: SocketAddr,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    let caller = Arc::new(Mutex::new(format!("ip:{}", peer.ip())));
    let executor = AdmittedSchema {
        schema: state.schema.clone(),
        admission,
        rate_limits: state.rate_limits.clone(),
        timeout: Duration::from_millis(state.graphql.request_timeout_ms),
        caller: caller.clone(),
    };
    let init_timeout = Duration::from_millis(state.graphql.connection_init_timeout_ms);
    let max_message = state.graphql.max_body_bytes;
    upgrade
        .max_message_size(max_message)
        .max_frame_size(max_message)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let initialised = Arc::new(AtomicBool::new(false));
            let flag = initialised.clone();
            let served = GraphQLWebSocket::new(socket, executor, protocol)
                .on_connection_init(move |payload| async move {
                    let data = connection_data(
                        &state.verifier,
                        &state.db,
                        state.list_cache.clone(),
                        &payload,
                    );
                    if let Ok((_, Some(subject))) = &data
                        && let Ok(mut c) = caller.lock()
                    {
                        *c = format!("sub:{subject}");
                    }
                    flag.store(true, Ordering::Release);
                    data.map(|(data, _)| data)
                })
                .serve();
            tokio::pin!(served);
            tokio::select! {
                () = &mut served => return,
                () = tokio::time::sleep(init_timeout) => {}
            }
            if initialised.load(Ordering::Acquire) {
                served.await;
            } else {
                // Dropping the socket closes it: it never said who it is.
                tracing::info!(%peer, "closed a WebSocket that sent no connection_init in time");
            }
        })
}
