//! The front door: the listening socket and every client connection.
//!
//! dropshot 0.18 owns its accept loop and offers no hook into it: a
//! connection that never sends a byte is held forever (hyper's header
//! timeout starts only with the first byte), nothing bounds how many are
//! open, and its graceful shutdown waits for every request, even one whose
//! body never ends. So the server listens here, and dropshot listens on a
//! loopback port of its own that only the gate talks to. The gate:
//!
//! - admits at most `max_connections` at once. When full, a connection
//!   makes room: the one that has waited longest without sending a byte;
//!   else, of those quiet for a second, the one with a request's head
//!   unfinished (a slow-loris), else the one kept alive unused. One whose
//!   request is complete and waiting for its answer is never pushed out. If none can go, the
//!   newcomer waits a moment for room, then gets a `503` with `Retry-After`
//!   (which the AWS SDKs, npm and pip retry);
//! - closes a connection on which no byte has moved either way for
//!   `idle_timeout` while it is not waiting for an answer: one that never
//!   sends anything, one whose request's head stopped, one kept alive
//!   unused, one whose client stopped reading its answer. A connection
//!   waiting for its answer (its request's head sent; nothing back yet) has
//!   `request_timeout` instead:
//!   the server may be working (reading through to an external
//!   connection, say), and an operation's body has its own deadline;
//! - on [`Gate::stop_accepting`], closes the connections that have not
//!   sent anything; on [`Gate::close_all`], every connection, which is how
//!   shutdown ends after its grace period.
//!
//! Bytes are relayed as they come, unparsed: the request reaches dropshot
//! exactly as the client sent it (SigV4 signs the `Host` header, which
//! passes through untouched).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use slog::{debug, warn, Logger};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::access::AccessLog;

/// What the gate allows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub idle_timeout: Duration,
    pub request_timeout: Duration,
}

/// File descriptors each admitted connection may cost: the client's
/// socket, both ends of the loopback hop to dropshot, and a file its
/// request reads or writes.
pub const FDS_PER_CONNECTION: u64 = 4;

/// Connections over the limit waiting for room (or being refused) at once;
/// past this one is closed without an answer, so a flood cannot exhaust
/// descriptors either.
pub const WAITING_AT_ONCE: usize = 64;

/// How long a connection over the limit waits for room before its `503`.
const ROOM_WAIT: Duration = Duration::from_millis(250);

/// How long a connection kept alive must have been unused before it may
/// be closed to make room.
const UNUSED_BEFORE_EVICTION: Duration = Duration::from_secs(1);

/// Per direction and connection: big enough for few system calls per
/// tarball, small enough that hundreds of connections cost little.
const RELAY_BUFFER: usize = 32 * 1024;

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

/// The running front door.
pub struct Gate {
    local_addr: SocketAddr,
    stop_accepting: watch::Sender<bool>,
    close_all: watch::Sender<bool>,
}

impl Gate {
    /// Starts accepting on `listener`, relaying each admitted connection to
    /// `upstream` (dropshot, on loopback).
    /// The client behind each hop is told to `access`, for request lines.
    pub fn open(
        listener: TcpListener,
        upstream: SocketAddr,
        limits: Limits,
        access: Arc<AccessLog>,
        log: Logger,
    ) -> std::io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let (stop_accepting, stopped) = watch::channel(false);
        let (close_all, closing) = watch::channel(false);
        let signals = Signals { stopped, closing };
        tokio::spawn(accept_loop(listener, upstream, limits, access, log, signals));
        Ok(Self { local_addr, stop_accepting, close_all })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting (new connections are refused by the system) and
    /// closes the connections that have not sent anything.
    pub fn stop_accepting(&self) {
        let _ = self.stop_accepting.send(true);
    }

    /// Closes every connection still open.
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

/// The gate's two signals, as each connection watches them.
#[derive(Clone)]
struct Signals {
    stopped: watch::Receiver<bool>,
    closing: watch::Receiver<bool>,
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    limits: Limits,
    access: Arc<AccessLog>,
    log: Logger,
    mut signals: Signals,
) {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let waiting = Arc::new(Semaphore::new(WAITING_AT_ONCE));
    let admitted = Arc::new(Registry::default());
    let refused = Arc::new(Refused::new());
    let mut last_accept_warning: Option<Instant> = None;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = signals.stopped.wait_for(|stopped| *stopped) => return,
        };
        let (client, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors (EMFILE) or memory: wait for some to be
                // released rather than spin, and say so once a second.
                if last_accept_warning.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                    warn!(log, "accept failed"; "error" => %e);
                    last_accept_warning = Some(Instant::now());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let permit = match Arc::clone(&open).try_acquire_owned() {
            Ok(permit) => Ok(permit),
            Err(_) => match Arc::clone(&waiting).try_acquire_owned() {
                Ok(waiting) => Err(waiting),
                Err(_) => {
                    debug!(log, "connection dropped: too many open and waiting";
                        "remote_addr" => %peer);
                    continue;
                }
            },
        };
        let connection = Connection {
            peer,
            upstream,
            limits,
            signals: signals.clone(),
            registry: Arc::clone(&admitted),
            refused: Arc::clone(&refused),
            access: Arc::clone(&access),
            log: log.clone(),
        };
        let open = Arc::clone(&open);
        tokio::spawn(async move {
            let permit = match permit {
                Ok(permit) => permit,
                Err(waiting) => match connection.room(open).await {
                    Some(permit) => permit,
                    None => {
                        debug!(connection.log, "connection refused: too many open";
                            "remote_addr" => %peer);
                        if let Some(refused) = connection.refused.note() {
                            warn!(connection.log, "refusing connections: the gate is full";
                                "refused_in_the_last_10s" => refused,
                                "max_connections" => connection.limits.max_connections);
                        }
                        refuse(client).await;
                        drop(waiting);
                        return;
                    }
                },
            };
            connection.serve(client).await;
            drop(permit);
        });
    }
}

/// Connections refused for want of room, counted for a warning every 10
/// seconds at most: each refusal is logged at debug only, so that a flood
/// cannot flood the log too.
struct Refused {
    start: Instant,
    count: AtomicU64,
    /// Milliseconds after `start` of the last warning, plus one (0: none).
    warned: AtomicU64,
}

impl Refused {
    const EVERY: Duration = Duration::from_secs(10);

    fn new() -> Self {
        Self { start: Instant::now(), count: AtomicU64::new(0), warned: AtomicU64::new(0) }
    }

    /// Counts a refusal; the count since the last warning when one is due.
    fn note(&self) -> Option<u64> {
        self.count.fetch_add(1, Ordering::Relaxed);
        let now = self.start.elapsed().as_millis() as u64 + 1;
        let warned = self.warned.load(Ordering::Relaxed);
        let due = warned == 0 || now.saturating_sub(warned) >= Self::EVERY.as_millis() as u64;
        let claimed = due
            && self
                .warned
                .compare_exchange(warned, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        claimed.then(|| self.count.swap(0, Ordering::Relaxed))
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

/// Where a connection is in its exchange, for the timeouts and eviction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Phase {
    /// Connected; not a byte yet.
    Silent = 0,
    /// A request's head is arriving: the client has sent bytes since the
    /// last answer, but not yet the blank line that ends the head.
    Asking = 1,
    /// The client's bytes went last and its request's head is complete: its
    /// body is on the way, or it is being answered.
    Waiting = 2,
    /// The server's bytes went last: answered, or answering.
    Answered = 3,
}

/// Finds the blank line (`\r\n\r\n`) that ends a request's head, across
/// reads.
#[derive(Default)]
struct HeadEnd {
    /// How much of `\r\n\r\n` the last bytes matched.
    matched: u8,
}

impl HeadEnd {
    /// Whether `bytes` complete the head.
    fn found_in(&mut self, bytes: &[u8]) -> bool {
        for &byte in bytes {
            self.matched = match (self.matched, byte) {
                (0 | 2, b'\r') => self.matched + 1,
                (1 | 3, b'\n') => self.matched + 1,
                (_, b'\r') => 1,
                _ => 0,
            };
            if self.matched == 4 {
                self.matched = 0;
                return true;
            }
        }
        false
    }
}

/// When a byte last moved on a connection, and which way.
struct Activity {
    start: Instant,
    /// Milliseconds after `start`.
    last: AtomicU64,
    phase: AtomicU8,
}

impl Activity {
    fn new() -> Self {
        Self { start: Instant::now(), last: AtomicU64::new(0), phase: AtomicU8::new(0) }
    }

    fn touch(&self, phase: Phase) {
        self.moved();
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    fn moved(&self) {
        self.last.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Relaxed) {
            0 => Phase::Silent,
            1 => Phase::Asking,
            2 => Phase::Waiting,
            _ => Phase::Answered,
        }
    }

    fn last_moved(&self) -> Instant {
        self.start + Duration::from_millis(self.last.load(Ordering::Relaxed))
    }

    /// When the connection is closed if nothing moves before.
    fn deadline(&self, limits: &Limits) -> Instant {
        let timeout = match self.phase() {
            Phase::Waiting => limits.request_timeout,
            Phase::Silent | Phase::Asking | Phase::Answered => limits.idle_timeout,
        };
        self.last_moved() + timeout
    }
}

/// The admitted connections, for making room.
#[derive(Default)]
struct Registry {
    connections: Mutex<HashMap<u64, Admitted>>,
    next: AtomicU64,
}

/// An admitted connection as the registry knows it: how it moves, and how
/// to tell it to make room.
struct Admitted {
    activity: Arc<Activity>,
    evicted: Arc<Notify>,
}

impl Registry {
    fn enter(&self, activity: Arc<Activity>) -> (u64, Arc<Notify>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let evicted = Arc::new(Notify::new());
        self.lock().insert(id, Admitted { activity, evicted: Arc::clone(&evicted) });
        (id, evicted)
    }

    fn leave(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Closes the connection that has waited longest without sending a
    /// byte; else, of those quiet for a second at least, the one quiet
    /// longest with a request's head unfinished, else the one kept alive
    /// unused longest; one waiting for its answer never.
    ///
    /// A legitimate client sends its request's head at once as soon as it
    /// connects, so to push one out a flood must fill the gate in that
    /// instant.
    fn evict(&self) {
        let now = Instant::now();
        let mut connections = self.lock();
        let candidate = connections
            .iter()
            .filter_map(|(id, Admitted { activity, .. })| {
                let quiet = now.saturating_duration_since(activity.last_moved());
                match activity.phase() {
                    Phase::Silent => Some(((0, quiet), *id)),
                    Phase::Asking if quiet >= UNUSED_BEFORE_EVICTION => Some(((1, quiet), *id)),
                    Phase::Answered if quiet >= UNUSED_BEFORE_EVICTION => Some(((2, quiet), *id)),
                    _ => None,
                }
            })
            // The silent first, then the longest quiet.
            .max_by_key(|((kind, quiet), _)| (std::cmp::Reverse(*kind), *quiet))
            .map(|(_, id)| id);
        if let Some(Admitted { evicted, .. }) = candidate.and_then(|id| connections.remove(&id)) {
            evicted.notify_one();
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Admitted>> {
        self.connections.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One accepted connection, and what serving it needs.
struct Connection {
    peer: SocketAddr,
    upstream: SocketAddr,
    limits: Limits,
    signals: Signals,
    registry: Arc<Registry>,
    refused: Arc<Refused>,
    access: Arc<AccessLog>,
    log: Logger,
}

/// A hop told to the access log, untold when dropped.
struct Told {
    access: Arc<AccessLog>,
    hop: SocketAddr,
    client: SocketAddr,
}

impl Told {
    fn new(access: &Arc<AccessLog>, hop: SocketAddr, client: SocketAddr) -> Self {
        access.connected(hop, client);
        Self { access: Arc::clone(access), hop, client }
    }
}

/// How long a closed hop stays tied to its client: dropshot logs a request
/// cut off by the gate (a timeout, an eviction, shutdown) only once it
/// notices the hop closed, after this connection's end.
const TOLD_AFTER_CLOSE: Duration = Duration::from_secs(2);

impl Drop for Told {
    fn drop(&mut self) {
        let (access, hop, client) = (Arc::clone(&self.access), self.hop, self.client);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(async move {
                tokio::time::sleep(TOLD_AFTER_CLOSE).await;
                access.disconnected(hop, client);
            })),
            Err(_) => access.disconnected(hop, client),
        }
    }
}

impl Connection {
    /// Room for a connection that found the gate full: another makes room
    /// if one can, for [`ROOM_WAIT`] at most.
    async fn room(&self, open: Arc<Semaphore>) -> Option<OwnedSemaphorePermit> {
        let until = Instant::now() + ROOM_WAIT;
        // Another newcomer may take the room made: make room again.
        while Instant::now() < until {
            self.registry.evict();
            let wait = (until - Instant::now()).min(ROOM_WAIT / 4);
            let acquired = tokio::time::timeout(wait, Arc::clone(&open).acquire_owned()).await;
            if let Ok(Ok(permit)) = acquired {
                return Some(permit);
            }
        }
        None
    }

    async fn serve(mut self, client: TcpStream) {
        let _ = client.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let (id, evicted) = self.registry.enter(Arc::clone(&activity));
        // Nothing is asked of dropshot until the client has said something.
        let mut first = [0u8; 1];
        let said = tokio::select! {
            sent = client.peek(&mut first) => matches!(sent, Ok(n) if n > 0),
            _ = tokio::time::sleep_until(activity.deadline(&self.limits)) => {
                debug!(self.log, "closed a connection that sent nothing"; "remote_addr" => %self.peer);
                false
            }
            _ = evicted.notified() => {
                debug!(self.log, "closed a connection that sent nothing, to make room";
                    "remote_addr" => %self.peer);
                false
            }
            _ = self.signals.stopped.wait_for(|stopped| *stopped) => false,
            _ = self.signals.closing.wait_for(|closing| *closing) => false,
        };
        if said {
            activity.touch(Phase::Asking);
            self.relay(client, &activity, &evicted).await;
        }
        self.registry.leave(id);
    }

    async fn relay(&mut self, mut client: TcpStream, activity: &Activity, evicted: &Notify) {
        let mut server = match TcpStream::connect(self.upstream).await {
            Ok(server) => server,
            Err(e) => {
                warn!(self.log, "could not reach the HTTP server behind the gate"; "error" => %e);
                return;
            }
        };
        let _ = server.set_nodelay(true);
        // dropshot sees the hop's address as the client's: the access log
        // is told whose it is, for as long as the connection lasts.
        let hop = server.local_addr().ok();
        debug!(self.log, "accepted connection"; "remote_addr" => %self.peer,
            "hop_addr" => hop.map(|hop| hop.to_string()));
        let _told = hop.map(|hop| Told::new(&self.access, hop, self.peer));
        let (mut from_client, mut to_client) = client.split();
        let (mut from_server, mut to_server) = server.split();
        // The client gone ends the connection. A client that has sent
        // everything may close its side and still wait for the answer; and
        // when the server stops reading (it answered early, say), its answer
        // is still on the way.
        let requests = async {
            // Each request's head is followed to its end; after an answer,
            // the client's next bytes start another.
            let mut head = HeadEnd::default();
            let note = |bytes: &[u8]| {
                let asking = match activity.phase() {
                    Phase::Waiting => false,
                    Phase::Asking => true,
                    Phase::Silent | Phase::Answered => {
                        head = HeadEnd::default();
                        true
                    }
                };
                let head_ends = asking && head.found_in(bytes);
                activity.touch(if asking && !head_ends { Phase::Asking } else { Phase::Waiting });
            };
            let pumped = pump(&mut from_client, &mut to_server, activity, note).await;
            if let Err(Failed::Reading) = pumped {
                return;
            }
            std::future::pending::<()>().await;
        };
        let responses = pump(&mut from_server, &mut to_client, activity, |bytes: &[u8]| {
            // `100 Continue` asks for the body: the request is still waiting.
            match activity.phase() {
                Phase::Waiting if is_continue(bytes) => activity.moved(),
                _ => activity.touch(Phase::Answered),
            }
        });
        let limits = self.limits;
        let idle = async {
            // A change of phase can bring the deadline nearer: look again
            // four times per shorter timeout, so none is overrun by more
            // than a quarter.
            let recheck = limits.idle_timeout.min(limits.request_timeout) / 4;
            loop {
                let now = Instant::now();
                let deadline = activity.deadline(&limits);
                if deadline <= now {
                    return;
                }
                tokio::time::sleep_until(deadline.min(now + recheck)).await;
            }
        };
        let closing = &mut self.signals.closing;
        // Whether the server is done with the connection, and the client
        // may still be sending.
        let server_done = tokio::select! {
            _ = requests => false,
            ended = responses => !matches!(ended, Err(Failed::Writing)),
            _ = idle => {
                debug!(self.log, "closed an idle connection"; "remote_addr" => %self.peer);
                false
            }
            _ = evicted.notified() => {
                debug!(self.log, "closed an unused connection to make room"; "remote_addr" => %self.peer);
                false
            }
            _ = closing.wait_for(|closing| *closing) => false,
        };
        if server_done {
            let _ = to_client.shutdown().await;
            linger(&mut from_client).await;
        }
    }
}

/// Whether the server's bytes are an interim `100 Continue` and nothing
/// more: its blank line is their last bytes.
fn is_continue(bytes: &[u8]) -> bool {
    let interim = bytes.starts_with(b"HTTP/1.1 100 ") || bytes.starts_with(b"HTTP/1.0 100 ");
    let mut head = HeadEnd::default();
    let end = bytes.iter().position(|&byte| head.found_in(&[byte]));
    interim && end == Some(bytes.len() - 1)
}

/// Reads (and drops) what the client is still sending after the server is
/// done, for a little while: a request refused before its body was read
/// still has its body coming, and closing on unread bytes resets the
/// connection, which can destroy the answer before the client reads it.
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

/// Copies one direction until its end, which it passes on; `note` sees
/// the bytes as they come, and the activity that they have gone on.
async fn pump(
    from: &mut (impl AsyncReadExt + Unpin),
    to: &mut (impl AsyncWriteExt + Unpin),
    activity: &Activity,
    mut note: impl FnMut(&[u8]),
) -> Result<(), Failed> {
    let mut buffer = vec![0u8; RELAY_BUFFER];
    loop {
        let n = from.read(&mut buffer).await.map_err(|_| Failed::Reading)?;
        if n == 0 {
            return to.shutdown().await.map_err(|_| Failed::Writing);
        }
        note(&buffer[..n]);
        to.write_all(&buffer[..n]).await.map_err(|_| Failed::Writing)?;
        activity.moved();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_warned_of_once_per_period_with_their_count() {
        let refused = Refused {
            start: Instant::now() - Duration::from_secs(20),
            count: AtomicU64::new(0),
            warned: AtomicU64::new(0),
        };
        assert_eq!(refused.note(), Some(1), "the first is warned of");
        assert_eq!(refused.note(), None);
        assert_eq!(refused.note(), None);
        // As if the last warning were a period ago: the next counts what
        // came since, itself included.
        refused.warned.store(1, Ordering::Relaxed);
        assert_eq!(refused.note(), Some(3));
        assert_eq!(refused.note(), None);
    }

    #[test]
    fn only_a_100_continue_leaves_a_request_waiting() {
        assert!(is_continue(b"HTTP/1.1 100 Continue\r\n\r\n"));
        assert!(!is_continue(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n100"));
        assert!(!is_continue(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"));
        // With the final answer in the same bytes: answered.
        assert!(!is_continue(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"));
    }

    #[test]
    fn a_request_head_ends_at_its_blank_line_across_reads() {
        let mut head = HeadEnd::default();
        assert!(!head.found_in(b"GET / HTTP/1.1\r\nhost: x\r\n"));
        assert!(!head.found_in(b"\r"));
        assert!(head.found_in(b"\nbody"));
        // Lone line ends and stray returns do not end it.
        let mut head = HeadEnd::default();
        assert!(!head.found_in(b"P\r\n\rX\r\r\n"));
        assert!(head.found_in(b"\r\n"));
        let mut head = HeadEnd::default();
        assert!(!head.found_in(b"POST /v1 HTTP/1.1\r\n\n\r\n"));
    }
}
