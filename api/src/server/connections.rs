//! Accepting connections within bounds. `axum::serve` kept every socket for as long as the
//! client liked: silent ones forever, headers trickled a line a second never cut off, and
//! enough idle ones to exhaust the open-file limit (and with it the search index's writer).
//! Here each connection is HTTP/1 with:
//! - a header-read timeout (hyper's): from when the server waits for a request until its
//!   headers are complete, so it also bounds the silence before a new or kept-alive
//!   connection's next request;
//! - an idle timeout: no byte moved either way, and no request of it being answered, for
//!   `idle_timeout` closes it (a client that stopped reading its answer, a silent socket
//!   when the header timeout is longer);
//! - a cap: past `max_connections` open at once, a new connection is answered a short 503
//!   and closed, never left hanging.
//!
//! WebSocket sockets are exempt from the idle timeout once upgraded. async-graphql's
//! `keepalive_timeout` is not a server ping but a limit on the client's silence, and the
//! server sends nothing while a subscription has no event; graphql-ws clients do not ping
//! unless told to (`keepAlive` is 0 by default). So an idle subscription socket is silent
//! both ways however healthy it is, and any silence limit here would drop it. Upgraded
//! sockets still count towards the cap until they close.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use super::activity::{Activity, Tracked};

/// Connections being refused at once; past it, an excess connection is closed outright.
/// Counted in `file_limit::RESERVED_FILES`.
pub const MAX_REFUSING: usize = 64;

/// How long a refused connection may take to read its answer before it is closed.
const REFUSAL_TIME: Duration = Duration::from_secs(1);

/// Warnings about refused or failed connections come at most this often: a flood would
/// otherwise flood the log too.
const WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// How long to wait before accepting again when accepting failed (out of file
/// descriptors, mostly): the waiting connection stays in the backlog meanwhile.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting, lets every
/// request in flight finish and closes idle connections. Upgraded (WebSocket) sockets are
/// not waited for.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let refusal: Arc<[u8]> = refusal_response(limits.max_connections).into();
    // `stopping` asks connections to finish; each holds a `running` receiver until it ends.
    let (stopping_tx, stopping_rx) = watch::channel(false);
    let (running_tx, running_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    let mut last_accept_warning: Option<Instant> = None;
    let mut last_cap_warning: Option<Instant> = None;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&e, &mut last_accept_warning).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers are written as they are ready: held back for the client's acknowledgement
        // of the previous segment (Nagle), a small answer can wait for its delayed ACK.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY on a connection");
        }
        match open.clone().try_acquire_owned() {
            Ok(permit) => {
                let activity = Activity::new();
                let io = Tracked::new(stream, activity.clone(), permit);
                tokio::spawn(connection(
                    io,
                    peer,
                    activity,
                    app.clone(),
                    limits,
                    stopping_rx.clone(),
                    running_rx.clone(),
                ));
            }
            Err(_) => {
                if last_cap_warning.is_none_or(|t| t.elapsed() >= WARNING_INTERVAL) {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "at the connection limit: refusing new connections with 503 (see server.max_connections)"
                    );
                    last_cap_warning = Some(Instant::now());
                }
                refuse(stream, peer, &refusing, &refusal);
            }
        }
    }
    drop(listener);
    drop(running_rx);
    let _ = stopping_tx.send(true);
    running_tx.closed().await;
}

/// One connection, from its first byte to its close (or its upgrade).
async fn connection(
    io: Tracked<TcpStream>,
    peer: SocketAddr,
    activity: Arc<Activity>,
    app: Router,
    limits: Limits,
    mut stopping: watch::Receiver<bool>,
    _running: watch::Receiver<()>,
) {
    let answering = activity.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        // What `into_make_service_with_connect_info` gave handlers.
        request.extensions_mut().insert(ConnectInfo(peer));
        let guard = answering.answering();
        let app = app.clone();
        async move {
            let response = app.oneshot(request.map(Body::new)).await;
            drop(guard);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut conn = pin!(
        builder
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades()
    );
    let mut idle = pin!(activity.idle_for(limits.idle_timeout));
    let mut finishing = false;
    loop {
        tokio::select! {
            served = conn.as_mut() => {
                if let Err(e) = served {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            () = &mut idle => {
                tracing::debug!(%peer, "closing an idle connection");
                // Dropping the connection closes the socket.
                return;
            }
            stop = stopping.wait_for(|stop| *stop), if !finishing => {
                let _ = stop;
                finishing = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// The answer to a connection past the cap.
fn refusal_response(max_connections: usize) -> Vec<u8> {
    let body = format!(
        "makermatch is at its connection limit ({max_connections} open connections); retry in a few seconds\n"
    );
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\nretry-after: 5\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Answers 503 and closes, in a task bounded in time; when too many are being refused
/// already, closes at once.
fn refuse(mut stream: TcpStream, peer: SocketAddr, refusing: &Arc<Semaphore>, answer: &Arc<[u8]>) {
    let Ok(permit) = refusing.clone().try_acquire_owned() else {
        tracing::debug!(%peer, "connection limit reached; closed a connection unanswered");
        return;
    };
    tracing::debug!(%peer, "connection limit reached; refusing a connection");
    let answer = answer.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let _ = tokio::time::timeout(REFUSAL_TIME, async move {
            stream.write_all(&answer).await?;
            stream.shutdown().await?;
            // Read what the client sent until it closes: closing with unread bytes would
            // reset the connection, and the client could lose the answer.
            let mut sink = [0u8; 4_096];
            let mut drained = 0usize;
            while drained < 64 * 1024 {
                match stream.read(&mut sink).await? {
                    0 => break,
                    n => drained += n,
                }
            }
            Ok::<(), std::io::Error>(())
        })
        .await;
    });
}

/// Accepting failed: a connection reset before it was accepted is nothing; anything else
/// (out of file descriptors) is waited out, with a warning at most every 10 s.
async fn accept_failed(e: &std::io::Error, last_warning: &mut Option<Instant>) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    if last_warning.is_none_or(|t| t.elapsed() >= WARNING_INTERVAL) {
        tracing::warn!(error = %e, "cannot accept connections; lower server.max_connections or raise the open-file limit");
        *last_warning = Some(Instant::now());
    }
    tokio::time::sleep(ACCEPT_RETRY).await;
}
