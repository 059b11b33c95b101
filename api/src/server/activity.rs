//! When a connection last did anything: bytes read or written, or a request of it being
//! answered. The accept loop closes a connection idle for longer than `server.idle_timeout_ms`.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

/// One connection's last activity, shared by its socket and its requests.
pub struct Activity {
    opened: Instant,
    /// Milliseconds from `opened` to the last byte moved or request finished.
    last_ms: AtomicU64,
    /// Requests of this connection being answered now.
    answering: AtomicUsize,
}

impl Activity {
    pub fn new() -> Arc<Activity> {
        Arc::new(Activity {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
            answering: AtomicUsize::new(0),
        })
    }

    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Marks a request as being answered until the guard is dropped: a slow resolver
    /// moves no bytes, and must not make its connection look idle.
    pub fn answering(self: &Arc<Self>) -> Answering {
        self.answering.fetch_add(1, Ordering::Relaxed);
        Answering(self.clone())
    }

    /// Resolves once nothing has happened on the connection for `timeout`.
    pub async fn idle_for(&self, timeout: Duration) {
        loop {
            let last = self.opened + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            tokio::time::sleep_until(last + timeout).await;
            if self.answering.load(Ordering::Relaxed) > 0 {
                // Count again from now: the request's end touches it anyway.
                self.touch();
                continue;
            }
            let last = self.opened + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            if last.elapsed() >= timeout {
                return;
            }
        }
    }
}

/// A request being answered; see `Activity::answering`.
pub struct Answering(Arc<Activity>);

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.touch();
        self.0.answering.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that records its activity and holds its place under the connection cap for as
/// long as it is open, also after an upgrade to WebSocket hands it over.
pub struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
    _permit: OwnedSemaphorePermit,
}

impl<S> Tracked<S> {
    pub fn new(inner: S, activity: Arc<Activity>, permit: OwnedSemaphorePermit) -> Self {
        Tracked {
            inner,
            activity,
            _permit: permit,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_answering_a_request_is_not_idle() {
        let activity = Activity::new();
        let timeout = Duration::from_millis(50);
        let answering = activity.answering();
        tokio::select! {
            () = activity.idle_for(timeout) => panic!("idle while a request was being answered"),
            () = tokio::time::sleep(timeout * 6) => {}
        }
        drop(answering);
        tokio::time::timeout(Duration::from_secs(10), activity.idle_for(timeout))
            .await
            .expect("idle once the answer is done");
    }
}
