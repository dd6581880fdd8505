//! The journal's write-ahead log put on disk by a thread of its own: every payout waiting at
//! that moment is served by one sync (group commit), and none of them blocks its task's thread
//! while it waits.
//!
//! Why syncing the log's file is enough: in WAL mode every commit is appended to the `-wal` file
//! (SQLite writes it with `write`, here with `synchronous=NORMAL`, so without a sync), and
//! recovery after a power loss replays the commits found whole in that file. `fsync` of a file
//! puts all of its written data on disk, whichever descriptor wrote it. The journal holds its
//! database in exclusive locking mode, so SQLite neither deletes nor replaces the log while it is
//! open (it rewrites it from the start after a checkpoint, which itself syncs the log and then
//! the database, so the commits it overwrites are already on disk; the journal's own
//! `wal_checkpoint(TRUNCATE)`, when it opens and when it binds a batch, truncates the same file,
//! which the thread keeps open). The folder is synced once
//! at the start, so that the log's name survives a power loss too.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

/// One who waits for a sync: told its result.
type Waiter = Box<dyn FnOnce(Result<(), String>) + Send>;

/// The thread that syncs the log, and how many syncs it made.
pub(super) struct Syncer {
    requests: mpsc::Sender<Waiter>,
    syncs: Arc<AtomicU64>,
}

impl Syncer {
    /// Starts the thread for `log`, after syncing `folder`. It ends when the syncer is dropped.
    pub(super) fn start(log: File, folder: &Path) -> std::io::Result<Syncer> {
        File::open(folder)?.sync_all()?;
        let (requests, waiting) = mpsc::channel::<Waiter>();
        let syncs = Arc::new(AtomicU64::new(0));
        let count = syncs.clone();
        std::thread::Builder::new().name("journal-sync".into()).spawn(move || {
            while let Ok(first) = waiting.recv() {
                // Every request was made after its write: one sync covers all that are here.
                let all: Vec<Waiter> = std::iter::once(first).chain(waiting.try_iter()).collect();
                let synced = log.sync_data().map_err(|e| e.to_string());
                count.fetch_add(1, Ordering::SeqCst);
                for tell in all {
                    tell(synced.clone());
                }
            }
        })?;
        Ok(Syncer { requests, syncs })
    }

    /// Waits, without blocking the thread, for a sync that covers every write made before.
    pub(super) async fn sync(&self) -> Result<(), String> {
        let (tell, told) = tokio::sync::oneshot::channel();
        self.ask(Box::new(move |r| {
            let _ = tell.send(r);
        }))?;
        told.await.map_err(|_| STOPPED.to_owned())?
    }

    /// The same, blocking the calling thread.
    pub(super) fn sync_blocking(&self) -> Result<(), String> {
        let (tell, told) = mpsc::channel();
        self.ask(Box::new(move |r| {
            let _ = tell.send(r);
        }))?;
        told.recv().map_err(|_| STOPPED.to_owned())?
    }

    fn ask(&self, waiter: Waiter) -> Result<(), String> {
        self.requests.send(waiter).map_err(|_| STOPPED.to_owned())
    }

    /// Syncs made since the journal was opened.
    pub(super) fn count(&self) -> u64 {
        self.syncs.load(Ordering::SeqCst)
    }
}

const STOPPED: &str = "the journal's sync thread stopped";
