//! The front door: the listening socket and every client connection.
//!
//! dropshot 0.18 owns its accept loop and offers no hook into it: a
//! connection that never sends a byte is held forever (hyper's header
//! timeout starts only with the first byte), nothing bounds how many are
//! open, and its graceful shutdown waits for every request, even one whose
//! body never ends. So the server listens here, and dropshot listens on a
//! loopback port of its own that only the gate talks to. The gate:
//!
//! - admits at most `max_connections` at once. When full, the connection
//!   that has waited longest without sending a byte is closed to make room;
//!   if there is none, the newcomer waits a moment for room, then gets a
//!   `503` with `Retry-After` (which the AWS SDKs, npm and pip retry);
//! - closes a connection on which no byte has moved either way for
//!   `idle_timeout`: one that never sends anything, one kept alive and
//!   unused, one whose body stopped arriving;
//! - on [`Gate::close_all`], drops every connection still open, which is
//!   how shutdown ends after its grace period.
//!
//! Bytes are relayed as they come, unparsed: the request reaches dropshot
//! exactly as the client sent it (SigV4 signs the `Host` header, which
//! passes through untouched).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use slog::{debug, info, warn, Logger};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::time::Instant;

/// What the gate allows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub idle_timeout: Duration,
}

/// File descriptors each admitted connection costs: the client's socket
/// and both ends of the loopback hop to dropshot.
pub const FDS_PER_CONNECTION: u64 = 3;

/// What a connection over the limit is told, in AWS's error shape.
static OVER_LIMIT: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    let body = r#"{"message":"The server has too many open connections; retry in a moment."}"#;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\n\
         content-type: application/json\r\n\
         x-amzn-errortype: ServiceUnavailableException\r\n\
         retry-after: 1\r\n\
         connection: close\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
});

/// Per direction and connection: big enough for few system calls per
/// tarball, small enough that hundreds of connections cost little.
const RELAY_BUFFER: usize = 32 * 1024;

/// The running front door.
pub struct Gate {
    local_addr: SocketAddr,
    /// Stops the accept loop (`true`), then every connection (`close_all`).
    stop_accepting: watch::Sender<bool>,
    close_all: watch::Sender<bool>,
}

impl Gate {
    /// Starts accepting on `listener`, relaying each admitted connection to
    /// `upstream` (dropshot, on loopback).
    pub fn open(
        listener: TcpListener,
        upstream: SocketAddr,
        limits: Limits,
        log: Logger,
    ) -> std::io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let (stop_accepting, stop_rx) = watch::channel(false);
        let (close_all, close_rx) = watch::channel(false);
        tokio::spawn(accept_loop(listener, upstream, limits, log, stop_rx, close_rx));
        Ok(Self { local_addr, stop_accepting, close_all })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting: new connections are refused by the system.
    pub fn stop_accepting(&self) {
        let _ = self.stop_accepting.send(true);
    }

    /// Drops every connection still open.
    pub fn close_all(&self) {
        let _ = self.close_all.send(true);
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.stop_accepting();
        self.close_all();
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    limits: Limits,
    log: Logger,
    mut stop: watch::Receiver<bool>,
    close_all: watch::Receiver<bool>,
) {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let waiting = Arc::new(Semaphore::new(WAITING_AT_ONCE));
    let silent = Arc::new(Silent::default());
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stop| *stop) => return,
        };
        let (client, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors (EMFILE) or memory: wait for some to be
                // released rather than spin.
                warn!(log, "accept failed"; "error" => %e);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let admitted = match Arc::clone(&open).try_acquire_owned() {
            Ok(permit) => Admitted::Now(permit),
            Err(_) => match Arc::clone(&waiting).try_acquire_owned() {
                Ok(waiting) => {
                    // Full: the connection that has waited longest without
                    // sending a byte makes room, if there is one.
                    silent.evict_oldest();
                    Admitted::Waiting(waiting)
                }
                Err(_) => {
                    info!(log, "connection dropped: too many open and waiting";
                        "remote_addr" => %peer);
                    continue;
                }
            },
        };
        let connection = Connection {
            peer,
            upstream,
            idle_timeout: limits.idle_timeout,
            close_all: close_all.clone(),
            silent: Arc::clone(&silent),
            log: log.clone(),
        };
        let open = Arc::clone(&open);
        tokio::spawn(async move {
            let permit = match admitted {
                Admitted::Now(permit) => permit,
                Admitted::Waiting(waiting) => {
                    let freed = tokio::time::timeout(ROOM_WAIT, open.acquire_owned()).await;
                    match freed {
                        Ok(Ok(permit)) => permit,
                        _ => {
                            info!(connection.log, "connection refused: too many open";
                                "remote_addr" => %peer, "max_connections" => limits.max_connections);
                            refuse(client).await;
                            drop(waiting);
                            return;
                        }
                    }
                }
            };
            connection.relay(client).await;
            drop(permit);
        });
    }
}

/// How a connection got past the limit: at once, or waiting for room.
enum Admitted {
    Now(tokio::sync::OwnedSemaphorePermit),
    Waiting(tokio::sync::OwnedSemaphorePermit),
}

/// Connections over the limit waiting for room (or being refused) at once;
/// past this one is closed without an answer, so a flood cannot exhaust
/// descriptors either.
const WAITING_AT_ONCE: usize = 64;

/// How long a connection over the limit waits for room before its `503`.
const ROOM_WAIT: Duration = Duration::from_millis(250);

/// The admitted connections that have not sent a byte yet, oldest first:
/// the first to go when the gate is full. A legitimate client sends its
/// request as soon as it connects, so to push one out a flood must open
/// `max` connections in that instant; a connection that connects and
/// waits is pushed out by the next one that needs its room.
#[derive(Default)]
struct Silent {
    queue: std::sync::Mutex<std::collections::VecDeque<(u64, Arc<tokio::sync::Notify>)>>,
    next: AtomicU64,
}

impl Silent {
    fn enter(&self) -> (u64, Arc<tokio::sync::Notify>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let evicted = Arc::new(tokio::sync::Notify::new());
        self.lock().push_back((id, Arc::clone(&evicted)));
        (id, evicted)
    }

    fn leave(&self, id: u64) {
        let mut queue = self.lock();
        // Usually the newest: searched from the back.
        if let Some(at) = queue.iter().rposition(|(entry, _)| *entry == id) {
            queue.remove(at);
        }
    }

    fn evict_oldest(&self) {
        if let Some((_, evicted)) = self.lock().pop_front() {
            evicted.notify_one();
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::VecDeque<(u64, Arc<tokio::sync::Notify>)>>
    {
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Answers `503` and closes, reading (a little, briefly) what the client
/// sent first: closing with unread bytes resets the connection, and the
/// client would see the reset rather than the answer.
async fn refuse(mut client: TcpStream) {
    let answer = async {
        client.write_all(&OVER_LIMIT).await?;
        client.shutdown().await?;
        let mut sink = [0u8; 4096];
        for _ in 0..16 {
            if client.read(&mut sink).await? == 0 {
                break;
            }
        }
        std::io::Result::Ok(())
    };
    let _ = tokio::time::timeout(Duration::from_millis(500), answer).await;
}

/// When a byte last moved, in milliseconds since `start`.
struct Activity {
    start: Instant,
    last: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        self.last.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn idle_until(&self, timeout: Duration) -> Instant {
        self.start + Duration::from_millis(self.last.load(Ordering::Relaxed)) + timeout
    }
}

/// One admitted connection, and what its relay needs.
struct Connection {
    peer: SocketAddr,
    upstream: SocketAddr,
    idle_timeout: Duration,
    close_all: watch::Receiver<bool>,
    silent: Arc<Silent>,
    log: Logger,
}

impl Connection {
    async fn relay(mut self, client: TcpStream) {
        let _ = client.set_nodelay(true);
        // Nothing is asked of dropshot until the client has said something.
        let (id, evicted) = self.silent.enter();
        let mut first = [0u8; 1];
        let said = tokio::select! {
            sent = client.peek(&mut first) => matches!(sent, Ok(n) if n > 0),
            _ = tokio::time::sleep(self.idle_timeout) => {
                debug!(self.log, "closed a connection that sent nothing"; "remote_addr" => %self.peer);
                false
            }
            _ = evicted.notified() => {
                debug!(self.log, "closed a connection that sent nothing to make room";
                    "remote_addr" => %self.peer);
                false
            }
            _ = self.close_all.wait_for(|close| *close) => false,
        };
        self.silent.leave(id);
        if said {
            relay(client, self.peer, self.upstream, self.idle_timeout, self.close_all, &self.log)
                .await;
        }
    }
}

async fn relay(
    mut client: TcpStream,
    peer: SocketAddr,
    upstream: SocketAddr,
    idle_timeout: Duration,
    mut close_all: watch::Receiver<bool>,
    log: &Logger,
) {
    let activity = Activity { start: Instant::now(), last: AtomicU64::new(0) };
    let mut server = match TcpStream::connect(upstream).await {
        Ok(server) => server,
        Err(e) => {
            warn!(log, "could not reach the HTTP server behind the gate"; "error" => %e);
            return;
        }
    };
    let _ = server.set_nodelay(true);
    // dropshot's log names the hop's address: this line ties it to the client.
    if let Ok(hop) = server.local_addr() {
        debug!(log, "relaying a connection"; "remote_addr" => %peer, "hop_addr" => %hop);
    }
    let (mut from_client, mut to_client) = client.split();
    let (mut from_server, mut to_server) = server.split();
    // The client gone ends the connection. A client that has sent
    // everything may close its side and still wait for the answer; and
    // when the server stops reading (it answered early, say), its answer is
    // still on the way.
    let requests = async {
        if let Err(Failed::Reading) = pump(&mut from_client, &mut to_server, &activity).await {
            return;
        }
        std::future::pending::<()>().await;
    };
    let responses = pump(&mut from_server, &mut to_client, &activity);
    let idle = async {
        loop {
            let until = activity.idle_until(idle_timeout);
            if until <= Instant::now() {
                return;
            }
            tokio::time::sleep_until(until).await;
        }
    };
    let answered = tokio::select! {
        _ = requests => false,
        ended = responses => ended.is_ok(),
        _ = idle => {
            debug!(log, "closed an idle connection"; "remote_addr" => %peer);
            false
        }
        _ = close_all.wait_for(|close| *close) => false,
    };
    if answered {
        linger(&mut from_client).await;
    }
}

/// Reads (and drops) what the client is still sending after the server has
/// answered and closed, for a little while: a request refused before its
/// body was read still has its body coming, and closing on unread bytes
/// resets the connection, which can destroy the answer before the client
/// reads it.
async fn linger(from_client: &mut (impl AsyncReadExt + Unpin)) {
    const LINGER_TIME: Duration = Duration::from_secs(2);
    const LINGER_BYTES: usize = 16 << 20;
    let drain = async {
        let mut sink = vec![0u8; RELAY_BUFFER];
        let mut read = 0;
        while read < LINGER_BYTES {
            match from_client.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(n) => read += n,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER_TIME, drain).await;
}

/// Which side of a [`pump`] failed.
enum Failed {
    Reading,
    Writing,
}

/// Copies one direction until its end, which it passes on.
async fn pump(
    from: &mut (impl AsyncReadExt + Unpin),
    to: &mut (impl AsyncWriteExt + Unpin),
    activity: &Activity,
) -> Result<(), Failed> {
    let mut buffer = vec![0u8; RELAY_BUFFER];
    loop {
        let n = from.read(&mut buffer).await.map_err(|_| Failed::Reading)?;
        if n == 0 {
            return to.shutdown().await.map_err(|_| Failed::Writing);
        }
        activity.touch();
        to.write_all(&buffer[..n]).await.map_err(|_| Failed::Writing)?;
        activity.touch();
    }
}
