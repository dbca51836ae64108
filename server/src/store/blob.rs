//! Where package assets keep their bytes: by content, each named by the
//! SHA-256 of its bytes, behind one small interface, [`BlobStore`], with an
//! implementation on disk ([`FsBlobStore`]) and one in memory
//! ([`MemoryBlobStore`], for `--ephemeral`).
//!
//! Which version has which asset is metadata, kept by the [`Store`](super::Store);
//! this module only keeps bytes, so that an object store serving several
//! replicas could implement the interface later. An upload is [`Staged`]
//! and hashed while it streams in (npm publishes SHA-512 and SHA-1, PyPI
//! SHA-256), so an asset of a gibibyte is never held in memory, then
//! committed. On disk, commit syncs the temporary file, renames it to its
//! content address and syncs the directory before it returns; the caller
//! commits the metadata only after that, so a crash leaves at worst a blob
//! that nothing names, never metadata without bytes. [`BlobStore::sweep`]
//! clears such blobs, and the files of interrupted uploads, at start.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream, StreamExt as _};
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha512};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// The most one write to disk or one item of a [`BlobRead`] holds: large
/// enough that per-chunk costs vanish, small enough that serving a large
/// asset takes little memory.
pub const CHUNK_SIZE: usize = 64 * 1024;

/// Blobs up to this size are read whole when opened, in one call.
const READ_WHOLE: u64 = 1 << 20;

/// What identifies a blob's content, in the forms npm and PyPI publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    /// Lowercase hex: the blob's name, and PyPI's `sha256` digest.
    pub sha256: String,
    /// Raw, for npm's `dist.integrity` ([`Digests::integrity`]).
    pub sha512: [u8; 64],
    /// Lowercase hex: npm's `dist.shasum`.
    pub sha1: String,
    pub size: u64,
}

impl Digests {
    /// npm's `dist.integrity`: `sha512-` and the digest in standard base64.
    pub fn integrity(&self) -> String {
        format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(self.sha512))
    }
}

/// What [`BlobStore::sweep`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Files of uploads that a crash interrupted.
    pub temp_files: u64,
    /// Committed blobs that no metadata names.
    pub blobs: u64,
    /// What the two held together.
    pub bytes: u64,
}

/// A blob being read: its size (for `Content-Length`) and its content in
/// chunks of at most [`CHUNK_SIZE`] bytes.
pub struct BlobRead {
    pub size: u64,
    pub chunks: BoxStream<'static, io::Result<Bytes>>,
}

/// An upload in progress, hashed as it is written; it becomes a blob when
/// the store that staged it commits it. Dropped uncommitted, it leaves
/// nothing behind.
pub struct Staged {
    sink: Sink,
    sha256: Sha256,
    sha512: Sha512,
    sha1: Sha1,
    size: u64,
    max_size: u64,
    /// A write failed, was refused or was cancelled: what was kept is not
    /// the upload, so it cannot be committed.
    spoiled: bool,
}

enum Sink {
    File { file: tokio::fs::File, temp: TempPath },
    Memory(Vec<u8>),
}

/// A staged file, removed when dropped unless [kept](TempPath::keep).
/// Removal is synchronous: an unlink is quick, and `Drop` cannot wait.
struct TempPath(Option<PathBuf>);

impl TempPath {
    fn path(&self) -> &Path {
        self.0.as_deref().expect("a path until it is kept")
    }

    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        // Best effort: a file left behind (the disk failed, the process
        // died) is what `sweep` clears at the next start.
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Staged {
    fn new(sink: Sink, max_size: u64) -> Self {
        let (sha256, sha512, sha1) = (Sha256::new(), Sha512::new(), Sha1::new());
        Self { sink, sha256, sha512, sha1, size: 0, max_size, spoiled: false }
    }

    /// Appends `chunk`. Past the size limit given at staging it is refused
    /// with [`io::ErrorKind::FileTooLarge`], before anything is kept; after
    /// any error the upload can only be dropped.
    pub async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        if self.spoiled {
            return Err(io::Error::other("an earlier write of this upload failed"));
        }
        let end = self.size.checked_add(chunk.len() as u64);
        if end.is_none_or(|end| end > self.max_size) {
            self.spoiled = true;
            let limit = format!("the upload is larger than {} bytes", self.max_size);
            return Err(io::Error::new(io::ErrorKind::FileTooLarge, limit));
        }
        // Cleared only when every piece is written and hashed, so a write
        // cancelled halfway (the client went away) spoils the upload too.
        self.spoiled = true;
        // In pieces, so that one large chunk gives the runtime its thread
        // back between the file's writes.
        for piece in chunk.chunks(CHUNK_SIZE) {
            match &mut self.sink {
                Sink::File { file, .. } => file.write_all(piece).await?,
                Sink::Memory(bytes) => bytes.extend_from_slice(piece),
            }
            self.sha256.update(piece);
            self.sha512.update(piece);
            self.sha1.update(piece);
            self.size += piece.len() as u64;
        }
        self.spoiled = false;
        Ok(())
    }

    /// The digests of what was written so far.
    pub fn digests(&self) -> Digests {
        Digests {
            sha256: hex::encode(self.sha256.clone().finalize()),
            sha512: self.sha512.clone().finalize().into(),
            sha1: hex::encode(self.sha1.clone().finalize()),
            size: self.size,
        }
    }

    fn finish(self) -> io::Result<(Sink, Digests)> {
        if self.spoiled {
            return Err(io::Error::other("a write of this upload failed; it cannot be committed"));
        }
        let digests = self.digests();
        Ok((self.sink, digests))
    }
}

fn staged_elsewhere() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "the upload was staged by another kind of store")
}

/// Storage for blobs, named by the SHA-256 of their content.
#[async_trait]
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// Starts an upload of at most `max_size` bytes.
    async fn stage(&self, max_size: u64) -> io::Result<Staged>;

    /// Makes a staged upload a blob. Content that is stored already is kept
    /// as it is (same name, same bytes). Once this returns the blob survives
    /// a crash, so metadata may name it.
    async fn commit(&self, staged: Staged) -> io::Result<Digests>;

    /// Stores `bytes` at once: [`BlobStore::stage`], write, commit.
    async fn put(&self, bytes: &[u8], max_size: u64) -> io::Result<Digests> {
        let mut staged = self.stage(max_size).await?;
        staged.write(bytes).await?;
        self.commit(staged).await
    }

    /// The blob named `sha256`, as a stream; `None` if there is none. A
    /// name that is not 64 lowercase hex digits is refused
    /// ([`io::ErrorKind::InvalidInput`]), as by every method that takes one.
    async fn open(&self, sha256: &str) -> io::Result<Option<BlobRead>>;

    /// The whole blob in memory: for small ones, and tests.
    async fn read_all(&self, sha256: &str) -> io::Result<Option<Bytes>>;

    /// Removes a blob; one that is not there is fine.
    async fn remove(&self, sha256: &str) -> io::Result<()>;

    /// Removes what a crash left: the files of interrupted uploads, and every
    /// blob whose SHA-256 is not in `keep` (committed, but the metadata that
    /// would name it was not). For the start, before any upload: one in
    /// progress would lose its file.
    async fn sweep(&self, keep: &HashSet<String>) -> io::Result<SweepReport>;
}

/// Refuses a name that is not 64 lowercase hex digits before it comes near
/// a path: names come from requests and are joined to the blob directory.
fn check_name(sha256: &str) -> io::Result<()> {
    let hex = sha256.len() == 64 && sha256.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if hex {
        Ok(())
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256 in lowercase hex"))
    }
}

/// Blobs in the data directory: `blobs/sha256/<first 2 hex>/<hex>` (two
/// hex digits of fan-out keep directories small), staged in `blobs/tmp`, on
/// the same filesystem so that the rename from one to the other is atomic.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    blobs: PathBuf,
    tmp: PathBuf,
}

impl FsBlobStore {
    /// Opens (creating if needed) the blob directories in `data_dir`.
    pub fn open(data_dir: &Path) -> io::Result<Self> {
        let root = data_dir.join("blobs");
        let store = Self { blobs: root.join("sha256"), tmp: root.join("tmp") };
        for dir in [&store.blobs, &store.tmp] {
            std::fs::create_dir_all(dir)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
        }
        Ok(store)
    }

    /// Where the blob named `sha256` lives; the name is checked already.
    fn path(&self, sha256: &str) -> PathBuf {
        self.blobs.join(&sha256[..2]).join(sha256)
    }
}

/// `None` for a file that is not there.
fn found<T>(result: io::Result<T>) -> io::Result<Option<T>> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        result => result.map(Some),
    }
}

/// Moves a synced staged file to its content address (unless the content is
/// there already), then syncs the directories whose entries may have
/// changed, so that the blob is on stable storage when this returns.
fn settle(temp: TempPath, target: &Path, blobs: &Path) -> io::Result<()> {
    let shard = target.parent().expect("a blob lives in a shard directory");
    std::fs::create_dir_all(shard)?;
    if !target.exists() {
        std::fs::rename(temp.path(), target)?;
        temp.keep();
    }
    // Synced even when the blob was there: a concurrent commit of the same
    // bytes may have renamed it and not yet synced.
    sync_dir(shard)?;
    sync_dir(blobs)
}

/// Makes the entries created or renamed in `dir` durable. Only Unix opens a
/// directory as a file to sync it; elsewhere this is left to the system.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn sweep_dirs(blobs: &Path, tmp: &Path, keep: &HashSet<String>) -> io::Result<SweepReport> {
    let mut report = SweepReport::default();
    let mut remove = |path: &Path, size: u64| {
        report.bytes += size;
        std::fs::remove_file(path)
    };
    for entry in std::fs::read_dir(tmp)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            remove(&entry.path(), entry.metadata()?.len())?;
            report.temp_files += 1;
        }
    }
    for shard in std::fs::read_dir(blobs)? {
        for blob in std::fs::read_dir(shard?.path())? {
            let blob = blob?;
            // Only what commit names is this sweep's to judge.
            let name = blob.file_name();
            let Some(name) = name.to_str().filter(|name| check_name(name).is_ok()) else {
                continue;
            };
            if !keep.contains(name) {
                remove(&blob.path(), blob.metadata()?.len())?;
                report.blobs += 1;
            }
        }
    }
    Ok(report)
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn stage(&self, max_size: u64) -> io::Result<Staged> {
        let path = self.tmp.join(uuid::Uuid::new_v4().to_string());
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
        Ok(Staged::new(Sink::File { file, temp: TempPath(Some(path)) }, max_size))
    }

    async fn commit(&self, staged: Staged) -> io::Result<Digests> {
        let (sink, digests) = staged.finish()?;
        let Sink::File { mut file, temp } = sink else { return Err(staged_elsewhere()) };
        // Flush hands tokio's buffered write to the system; the sync puts the
        // bytes on disk before the rename can make them a blob.
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        let (target, blobs) = (self.path(&digests.sha256), self.blobs.clone());
        // On the blocking pool, as tokio's own file work: no request's worker
        // thread waits for the disk. (A panic there comes back as an error.)
        let settled = tokio::task::spawn_blocking(move || settle(temp, &target, &blobs));
        settled.await.map_err(io::Error::other)??;
        Ok(digests)
    }

    async fn open(&self, sha256: &str) -> io::Result<Option<BlobRead>> {
        check_name(sha256)?;
        let path = self.path(sha256);
        // One trip to the blocking pool opens the file, sizes it and, when
        // it is small, reads it: each trip costs a wake-up and a switch.
        let opened = tokio::task::spawn_blocking(move || {
            let Some(file) = found(std::fs::File::open(path))? else { return Ok(None) };
            let size = file.metadata()?.len();
            if size > READ_WHOLE {
                return Ok(Some((size, Err(file))));
            }
            let mut whole = Vec::with_capacity(size as usize);
            io::Read::read_to_end(&mut &file, &mut whole)?;
            Ok::<_, io::Error>(Some((size, Ok(Bytes::from(whole)))))
        });
        let (size, file) = match opened.await.map_err(io::Error::other)?? {
            Some(opened) => opened,
            None => return Ok(None),
        };
        let file = match file {
            Ok(whole) => {
                let size = whole.len() as u64;
                let pieces = (0..whole.len())
                    .step_by(CHUNK_SIZE)
                    .map(move |start| Ok(whole.slice(start..whole.len().min(start + CHUNK_SIZE))));
                return Ok(Some(BlobRead { size, chunks: stream::iter(pieces).boxed() }));
            }
            Err(file) => tokio::fs::File::from_std(file),
        };
        let chunks = stream::try_unfold(file, |mut file| async move {
            let mut chunk = BytesMut::with_capacity(CHUNK_SIZE);
            match file.read_buf(&mut chunk).await? {
                0 => Ok(None),
                _ => Ok(Some((chunk.freeze(), file))),
            }
        });
        Ok(Some(BlobRead { size, chunks: chunks.boxed() }))
    }

    async fn read_all(&self, sha256: &str) -> io::Result<Option<Bytes>> {
        check_name(sha256)?;
        Ok(found(tokio::fs::read(self.path(sha256)).await)?.map(Bytes::from))
    }

    async fn remove(&self, sha256: &str) -> io::Result<()> {
        check_name(sha256)?;
        found(tokio::fs::remove_file(self.path(sha256)).await).map(drop)
    }

    async fn sweep(&self, keep: &HashSet<String>) -> io::Result<SweepReport> {
        // A copy for the blocking pool; the sweep runs once, at start.
        let (store, keep) = (self.clone(), keep.clone());
        let swept =
            tokio::task::spawn_blocking(move || sweep_dirs(&store.blobs, &store.tmp, &keep));
        swept.await.map_err(io::Error::other)?
    }
}

/// Blobs in memory, dying with the process; staged uploads grow a `Vec`.
#[derive(Default)]
pub struct MemoryBlobStore {
    blobs: Mutex<HashMap<String, Bytes>>,
}

impl MemoryBlobStore {
    /// A panic while the map was held cannot have left it half-changed (each
    /// change is one call), so a poisoned lock is still good.
    fn blobs(&self) -> MutexGuard<'_, HashMap<String, Bytes>> {
        self.blobs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Counts the blobs rather than printing their bytes.
impl fmt::Debug for MemoryBlobStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryBlobStore").field("blobs", &self.blobs().len()).finish()
    }
}

#[async_trait]
impl BlobStore for MemoryBlobStore {
    async fn stage(&self, max_size: u64) -> io::Result<Staged> {
        Ok(Staged::new(Sink::Memory(Vec::new()), max_size))
    }

    async fn commit(&self, staged: Staged) -> io::Result<Digests> {
        let (sink, digests) = staged.finish()?;
        let Sink::Memory(bytes) = sink else { return Err(staged_elsewhere()) };
        self.blobs().entry(digests.sha256.clone()).or_insert_with(|| bytes.into());
        Ok(digests)
    }

    async fn open(&self, sha256: &str) -> io::Result<Option<BlobRead>> {
        let Some(bytes) = self.read_all(sha256).await? else { return Ok(None) };
        let len = bytes.len();
        // Slices share the stored buffer: nothing is copied.
        let chunks = (0..len)
            .step_by(CHUNK_SIZE)
            .map(move |start| Ok(bytes.slice(start..len.min(start + CHUNK_SIZE))));
        Ok(Some(BlobRead { size: len as u64, chunks: stream::iter(chunks).boxed() }))
    }

    async fn read_all(&self, sha256: &str) -> io::Result<Option<Bytes>> {
        check_name(sha256)?;
        Ok(self.blobs().get(sha256).cloned())
    }

    async fn remove(&self, sha256: &str) -> io::Result<()> {
        check_name(sha256)?;
        self.blobs().remove(sha256);
        Ok(())
    }

    async fn sweep(&self, keep: &HashSet<String>) -> io::Result<SweepReport> {
        let mut report = SweepReport::default();
        self.blobs().retain(|name, bytes| {
            let kept = keep.contains(name);
            if !kept {
                report.blobs += 1;
                report.bytes += bytes.len() as u64;
            }
            kept
        });
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt as _;

    use super::*;

    const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn stores() -> (tempfile::TempDir, FsBlobStore, MemoryBlobStore) {
        let dir = tempfile::tempdir().unwrap();
        let fs = FsBlobStore::open(dir.path()).unwrap();
        (dir, fs, MemoryBlobStore::default())
    }

    /// The files directly under `dir`, or under its shard directories.
    fn files(dir: &Path) -> usize {
        let entries = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path());
        entries.map(|path| if path.is_dir() { files(&path) } else { 1 }).sum()
    }

    async fn chunks(store: &dyn BlobStore, sha256: &str) -> Vec<Bytes> {
        let read = store.open(sha256).await.unwrap().expect("the blob is there");
        let chunks: Vec<Bytes> = read.chunks.try_collect().await.unwrap();
        assert_eq!(read.size, chunks.iter().map(|c| c.len() as u64).sum::<u64>());
        chunks
    }

    #[tokio::test]
    async fn round_trip_with_known_digests() {
        let (_dir, fs, memory) = stores();
        for store in [&fs as &dyn BlobStore, &memory] {
            let digests = store.put(b"abc", 3).await.unwrap();
            assert_eq!(digests.sha256, ABC_SHA256);
            assert_eq!(digests.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
            assert_eq!(
                hex::encode(digests.sha512),
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                 2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
            );
            assert_eq!(
                digests.integrity(),
                "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw=="
            );
            assert_eq!(digests.size, 3);
            assert_eq!(chunks(store, ABC_SHA256).await.concat(), b"abc");
            assert_eq!(store.read_all(ABC_SHA256).await.unwrap().unwrap(), "abc");
            store.remove(ABC_SHA256).await.unwrap();
            assert!(store.open(ABC_SHA256).await.unwrap().is_none(), "{store:?}");
            store.remove(ABC_SHA256).await.expect("removing a missing blob is fine");
        }
    }

    #[tokio::test]
    async fn on_disk_content_is_stored_once_and_outlives_the_store() {
        let (dir, fs, _) = stores();
        assert_eq!(fs.put(b"abc", 10).await.unwrap(), fs.put(b"abc", 10).await.unwrap());
        assert_eq!(files(&fs.blobs), 1);
        assert_eq!(files(&fs.tmp), 0);
        assert!(dir.path().join("blobs/sha256/ba").join(ABC_SHA256).is_file());
        let reopened = FsBlobStore::open(dir.path()).unwrap();
        assert_eq!(reopened.read_all(ABC_SHA256).await.unwrap().unwrap(), "abc");
    }

    #[tokio::test]
    async fn the_size_limit_refuses_and_leaves_nothing() {
        let (_dir, fs, memory) = stores();
        for store in [&fs as &dyn BlobStore, &memory] {
            let refused = store.put(b"abcd", 3).await.unwrap_err();
            assert_eq!(refused.kind(), io::ErrorKind::FileTooLarge);
            let mut staged = store.stage(3).await.unwrap();
            staged.write(b"ab").await.unwrap();
            let refused = staged.write(b"cd").await.unwrap_err();
            assert_eq!(refused.kind(), io::ErrorKind::FileTooLarge);
            assert_eq!(staged.digests().size, 2, "the refused chunk is not kept");
            assert!(store.commit(staged).await.is_err(), "a refused upload is not committed");
            assert!(store.read_all(ABC_SHA256).await.unwrap().is_none());
        }
        assert_eq!((files(&fs.tmp), files(&fs.blobs)), (0, 0));
    }

    #[tokio::test]
    async fn a_dropped_upload_leaves_no_file() {
        let (_dir, fs, _) = stores();
        let mut staged = fs.stage(10).await.unwrap();
        staged.write(b"ab").await.unwrap();
        staged.write(b"c").await.unwrap();
        assert_eq!(staged.digests().sha256, ABC_SHA256, "the digests so far");
        assert_eq!(files(&fs.tmp), 1);
        drop(staged);
        assert_eq!((files(&fs.tmp), files(&fs.blobs)), (0, 0));
    }

    #[tokio::test]
    async fn sweep_removes_leftovers_and_unnamed_blobs() {
        let (_dir, fs, memory) = stores();
        std::fs::write(fs.tmp.join("interrupted"), b"1234567").unwrap();
        for (store, leftovers) in [(&fs as &dyn BlobStore, 1), (&memory, 0)] {
            let kept = store.put(b"abc", 10).await.unwrap().sha256;
            let unnamed = store.put(b"hello", 10).await.unwrap().sha256;
            let report = store.sweep(&HashSet::from([kept.clone()])).await.unwrap();
            let bytes = 5 + 7 * leftovers;
            assert_eq!(report, SweepReport { temp_files: leftovers, blobs: 1, bytes });
            assert!(store.read_all(&kept).await.unwrap().is_some());
            assert!(store.read_all(&unnamed).await.unwrap().is_none());
        }
        assert_eq!((files(&fs.tmp), files(&fs.blobs)), (0, 1));
        let again = fs.sweep(&HashSet::new()).await.unwrap();
        assert_eq!(again, SweepReport { temp_files: 0, blobs: 1, bytes: 3 });
    }

    #[tokio::test]
    async fn malformed_names_are_refused_before_the_disk() {
        let (dir, fs, memory) = stores();
        // Where `../x` would lead: blobs/sha256/.. /../x.
        std::fs::write(dir.path().join("x"), b"secret").unwrap();
        for store in [&fs as &dyn BlobStore, &memory] {
            store.put(b"abc", 3).await.unwrap();
            for name in ["../x", &ABC_SHA256.to_uppercase(), &ABC_SHA256[..62], "", "é"] {
                let refused = |e: io::Error| assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
                refused(store.open(name).await.err().expect("refused"));
                refused(store.read_all(name).await.unwrap_err());
                refused(store.remove(name).await.unwrap_err());
            }
        }
        assert!(dir.path().join("x").is_file());
    }

    #[tokio::test]
    async fn a_large_blob_streams_in_chunks() {
        let (_dir, fs, memory) = stores();
        let data: Vec<u8> = (0..5 << 20).map(|i: u32| (i % 251) as u8).collect();
        for store in [&fs as &dyn BlobStore, &memory] {
            let mut staged = store.stage(5 << 20).await.unwrap();
            for piece in data.chunks(1_000_000) {
                staged.write(piece).await.unwrap();
            }
            let digests = store.commit(staged).await.unwrap();
            assert_eq!(digests.sha256, hex::encode(Sha256::digest(&data)));
            assert_eq!(digests.size, data.len() as u64);
            let chunks = chunks(store, &digests.sha256).await;
            assert!(chunks.len() >= 80, "{} chunks", chunks.len());
            assert!(chunks.iter().all(|c| c.len() <= CHUNK_SIZE));
            assert!(chunks.concat() == data, "the bytes come back as they went in");
        }
    }

    /// Read whole up to [`READ_WHOLE`], streamed past it: the same bytes,
    /// the same size and chunks either way, an empty blob included.
    #[tokio::test]
    async fn blobs_either_side_of_the_whole_read_come_back_intact() {
        let (_dir, fs, _memory) = stores();
        for size in [0, 1, CHUNK_SIZE as u64 + 1, READ_WHOLE, READ_WHOLE + 1] {
            let data: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
            let mut staged = fs.stage(size).await.unwrap();
            staged.write(&data).await.unwrap();
            let digests = fs.commit(staged).await.unwrap();
            let opened = fs.open(&digests.sha256).await.unwrap().expect("stored");
            assert_eq!(opened.size, size);
            let chunks = chunks(&fs, &digests.sha256).await;
            assert!(chunks.iter().all(|c| !c.is_empty() && c.len() <= CHUNK_SIZE), "{size}");
            assert!(chunks.concat() == data, "{size}: the bytes come back as they went in");
        }
    }
}
