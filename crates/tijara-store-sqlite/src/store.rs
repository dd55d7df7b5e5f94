//! The store: opening the database, the writer thread (group commit) and the readers.

use crate::apply::apply_in;
use crate::error::{MAX_TRIES, Stop, backoff, classify, copy, is_constraint, log_fault};
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tijara::ports::storage::{Changeset, CommitOutcome, Durability, StorageError};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// How hard SQLite works to keep a commit through a power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteDurability {
    /// `synchronous=FULL` (default): every commit is on disk before it is acknowledged, but a
    /// batch of a cart's deferred changes where [`SqliteOptions::deferred_commits`] is on.
    #[default]
    Full,
    /// `synchronous=NORMAL`: faster; in WAL mode a power loss may roll back the last commits,
    /// never corrupt the database. Opt-in only.
    Normal,
}

/// How the store opens its database. `SqliteOptions::default()` is what [`SqliteStore::connect`]
/// uses: durable commits (a cart's deferred ones excepted), no memory map, point reads inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// `synchronous=FULL` (default) or `NORMAL`.
    pub durability: SqliteDurability,
    /// With [`SqliteDurability::Full`], whether a batch of commits that are all
    /// [`Durability::Deferred`] (a cart's changes; one that moves stock or publishes an event
    /// is synced all the same) is committed at `synchronous=NORMAL`, without syncing the
    /// write-ahead log (default `true`; `deferred_commits=off` in the URL: every commit
    /// synced). Such a commit survives a crash of any process, kill -9 included (the operating
    /// system holds it); a crash of the machine or a power loss may undo it, never a synced
    /// commit made after it, since syncing the log makes all that precedes it durable.
    pub deferred_commits: bool,
    /// `PRAGMA mmap_size` in bytes for every connection (`None`: SQLite's default, no map).
    /// Reads through the map skip a `pread` and a page copy per page; see the crate's README
    /// for what it measured.
    pub mmap_size: Option<u64>,
    /// Where reads run (default: [`ReadMode::Inline`]).
    pub reads: ReadMode,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            durability: SqliteDurability::default(),
            deferred_commits: true,
            mmap_size: None,
            reads: ReadMode::default(),
        }
    }
}

/// Where the reads run. With a pool or threads a storage call is one hop to a thread holding a
/// connection and one back (they differ in how the thread is woken); inline, a point read makes
/// no hop. See the crate's README and `docs/benchmarks.md` for what each measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadMode {
    /// On Tokio's blocking pool, with a connection taken from a pool of up to 8.
    BlockingPool,
    /// On 8 dedicated reader threads, each owning a connection, fed by one queue.
    Threads,
    /// Point reads (a document by id or key, stock counters, the catalog's version, a product
    /// page, a checkout snapshot, an idempotency record) and pages of up to 100 listed
    /// documents run on the calling thread, with a pooled connection: no hop at all. They
    /// take tens of microseconds on a warm page cache; in WAL mode a reader never waits for
    /// the writer. Longer listings, searches and the other reads stay on Tokio's blocking
    /// pool as with [`ReadMode::BlockingPool`]. The default.
    #[default]
    Inline,
}

impl ReadMode {
    /// The mode a URL's `reads=` names: `pool`, `threads` or `inline`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "pool" => Some(Self::BlockingPool),
            "threads" => Some(Self::Threads),
            "inline" => Some(Self::Inline),
            _ => None,
        }
    }
}

impl SqliteOptions {
    /// These options with durability `d`.
    pub fn with_durability(mut self, d: SqliteDurability) -> Self {
        self.durability = d;
        self
    }

    /// These options with deferred commits on (the default) or off
    /// ([`SqliteOptions::deferred_commits`]).
    pub fn with_deferred_commits(mut self, on: bool) -> Self {
        self.deferred_commits = on;
        self
    }

    /// These options with reads run as `mode` says.
    pub fn with_reads(mut self, mode: ReadMode) -> Self {
        self.reads = mode;
        self
    }

    /// These options with a memory map of up to `bytes` per connection.
    pub fn with_mmap_size(mut self, bytes: u64) -> Self {
        self.mmap_size = Some(bytes);
        self
    }
}

/// The most changesets one transaction holds.
const MAX_BATCH: usize = 64;
/// Reader connections (and reads running at once).
const READERS: usize = 8;

/// A piece of work for the writer thread: the connection (or why there is none), and the
/// answer whether the work spoiled it.
pub(crate) type Task = Box<dyn FnOnce(Result<&mut Connection, &StorageError>) -> bool + Send>;

// A changeset is moved once into the writer's queue: kept inline rather than boxed (an
// allocation per commit) although it is larger than a task's box.
#[allow(clippy::large_enum_variant)]
enum Job {
    Commit {
        changes: Changeset,
        reply: oneshot::Sender<Result<CommitOutcome, StorageError>>,
    },
    Run(Task),
}

/// A read for a reader thread: its connection (or why there is none); answers whether to
/// keep the connection.
type ReadJob = Box<dyn FnOnce(Result<&Connection, &StorageError>) -> bool + Send>;

/// Where the database is and how its connections are opened.
#[derive(Debug, Clone)]
struct Opener {
    /// `None`: in memory (one connection, the writer's, which serves the reads too).
    path: Option<PathBuf>,
    read_only: bool,
    /// `mode=rw`: never create the file, at the first open or any later one (a writer reopened
    /// after a fault, a reader thread), so a vanished file is an error, not a new empty shop.
    must_exist: bool,
    options: SqliteOptions,
}

impl Opener {
    /// Whether the writer may commit a batch of deferred commits without syncing the log: a
    /// file opened for writing, synced at every commit unless told otherwise.
    fn defers(&self) -> bool {
        self.path.is_some()
            && !self.read_only
            && self.options.durability == SqliteDurability::Full
            && self.options.deferred_commits
    }

    fn open(&self, writer: bool) -> rusqlite::Result<Connection> {
        let c = match &self.path {
            None => Connection::open_in_memory()?,
            Some(p) => {
                let mut flags = OpenFlags::default();
                if self.read_only {
                    flags.remove(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE);
                    flags.insert(OpenFlags::SQLITE_OPEN_READ_ONLY);
                } else if self.must_exist {
                    flags.remove(OpenFlags::SQLITE_OPEN_CREATE);
                }
                Connection::open_with_flags(p, flags)?
            }
        };
        c.busy_timeout(Duration::from_secs(5))?;
        // The query planner's stability guarantee: no plan depends on a value bound to a
        // statement. Without it, SQLite marks a statement whose compilation looked at a bound
        // value — it reads the value of a `LIMIT ?` (`computeLimitRegisters`) — to be
        // compiled again whenever that parameter is bound again, which is at every run: the
        // owners' listing each checkout then made (the unpaid-orders limit) was re-prepared
        // every time, ~100,000 instructions, 5 % of an HTTP checkout. No statement here gains from
        // a value-dependent plan: no `ANALYZE` statistics are kept, and the one `LIKE`
        // pattern starts with `%`.
        c.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        if writer && !self.read_only {
            let mode = if self.path.is_some() { "WAL" } else { "MEMORY" };
            c.pragma_update(None, "journal_mode", mode)?;
        }
        let sync = match self.options.durability {
            SqliteDurability::Full => "FULL",
            SqliteDurability::Normal => "NORMAL",
        };
        c.pragma_update(None, "synchronous", sync)?;
        c.pragma_update(None, "foreign_keys", "ON")?;
        // The writer keeps its temporary data in memory: the savepoint journal of a commit
        // batch (the original of each page a changeset touches, kept so that a failing
        // changeset rolls back alone), which otherwise spills into a new file under /var/tmp
        // past 64 KiB — created, written and deleted for one batch. It serves rollbacks within
        // a transaction only; the commit's durability is the WAL's. Readers keep SQLite's
        // default, so a large sort of a search may still spill to disk instead of memory.
        if writer {
            c.pragma_update(None, "temp_store", "MEMORY")?;
        }
        // Page cache: the writer keeps 8 MiB, so the indexes of a growing order table stay in
        // memory; each reader 1 MiB (the operating system caches the file for them) — the
        // same bound as the sqlx adapter: 8 + 8 × 1 MiB.
        c.pragma_update(None, "cache_size", if writer { -8192 } else { -1024 })?;
        if let Some(bytes) = self.options.mmap_size {
            c.pragma_update(None, "mmap_size", i64::try_from(bytes).unwrap_or(i64::MAX))?;
        }
        c.set_prepared_statement_cache_capacity(64);
        Ok(c)
    }
}

struct Inner {
    writer: mpsc::Sender<Job>,
    opener: Opener,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    /// The reader threads' queue ([`ReadMode::Threads`] on a file).
    reader_threads: Option<flume::Sender<ReadJob>>,
    /// Test hook: the writer's `max_page_count` (0: never set).
    page_limit: Arc<AtomicU32>,
    /// Reads running now (for [`SqliteStore::pool`]).
    busy: AtomicU32,
    /// What searches keep between them (see the `search` module).
    search: Arc<crate::search::SearchCache>,
}

/// Counts one read as running while it lives.
struct Busy<'a>(&'a AtomicU32);

impl<'a> Busy<'a> {
    fn start(count: &'a AtomicU32) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Busy(count)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Storage in one SQLite file (WAL, busy timeout 5 s), or in memory, on rusqlite: one writer
/// thread commits queued changesets in batches; reads run on a small pool of connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.opener.path)
            .field("read_only", &self.inner.opener.read_only)
            .field("options", &self.inner.opener.options)
            .finish()
    }
}

/// What a URL names: a file (and whether read-only) or memory, and the read mode it asks
/// for (`reads=`), if any.
///
/// Read as `sqlx` reads a SQLite URL, so that `sqlite://…` and `sqlx+sqlite://…` (and the CLI,
/// which opens SQLite through sqlx) name the same file: the path is percent-decoded (`%20` is a
/// space, `%3F` a `?`), and so are the query's names and values; a parameter this adapter does
/// not know is refused with the list of those it does, rather than ignored.
fn parse_url(url: &str) -> Result<ParsedUrl, StorageError> {
    let rest = if let Some(r) = url.strip_prefix("sqlite://") {
        r
    } else if let Some(r) = url.strip_prefix("sqlite:") {
        r
    } else if !url.contains("://") && !url.trim().is_empty() {
        url
    } else {
        return Err(StorageError::Unavailable(format!(
            "unsupported database URL {:?}: this adapter opens sqlite://… URLs and file paths \
             (PostgreSQL: use tijara-store-sqlx)",
            redact(url)
        )));
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| {
            StorageError::Unavailable(format!(
                "the database path {path:?} is not UTF-8 once its %-escapes are decoded: write \
                 the path's characters themselves, or escape only whole UTF-8 characters"
            ))
        })?;
    let mut read_only = false;
    let mut must_exist = false;
    let mut memory = path == ":memory:" || path.is_empty();
    let mut reads = None;
    let mut mmap_size = None;
    let mut durability = None;
    let mut deferred_commits = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "mode" => match value.as_ref() {
                "ro" => read_only = true,
                "rw" => must_exist = true,
                "rwc" => {}
                "memory" => memory = true,
                _ => {
                    return Err(StorageError::Unavailable(format!(
                        "unknown mode={value:?} in the database URL: use mode=rwc (the \
                         default: created if missing), mode=rw (the file must exist), mode=ro \
                         (read-only) or mode=memory"
                    )));
                }
            },
            "mmap_size" => {
                mmap_size = Some(value.parse::<u64>().map_err(|_| {
                    StorageError::Unavailable(format!(
                        "mmap_size={value:?} in the database URL: give a number of bytes \
                         (0: no memory map)"
                    ))
                })?);
            }
            "synchronous" => {
                durability = Some(match value.to_ascii_lowercase().as_str() {
                    "full" => SqliteDurability::Full,
                    "normal" => SqliteDurability::Normal,
                    _ => {
                        return Err(StorageError::Unavailable(format!(
                            "unknown synchronous={value:?} in the database URL: use \
                             synchronous=full (the default) or synchronous=normal"
                        )));
                    }
                });
            }
            "reads" => {
                reads = Some(ReadMode::from_name(&value).ok_or_else(|| {
                    StorageError::Unavailable(format!(
                        "unknown reads={value:?} in the database URL: use reads=inline, \
                         reads=pool or reads=threads"
                    ))
                })?);
            }
            _ => {
                let pair = format!("{key}={value}");
                match tijara::ports::storage::deferred_commits_param(&pair)? {
                    Some(on) => deferred_commits = Some(on),
                    None => {
                        return Err(StorageError::Unavailable(format!(
                            "{key:?} in the database URL is no parameter of this adapter: it \
                             takes mode, synchronous, deferred_commits, reads and mmap_size \
                             (see docs/operations.md)"
                        )));
                    }
                }
            }
        }
    }
    Ok(ParsedUrl {
        path: (!memory).then(|| PathBuf::from(path.as_ref())),
        read_only,
        must_exist,
        reads,
        mmap_size,
        durability,
        deferred_commits,
    })
}

/// What a database URL says.
struct ParsedUrl {
    /// The file (`None`: in memory).
    path: Option<PathBuf>,
    /// `mode=ro`.
    read_only: bool,
    /// `mode=rw`: the file must exist (never created).
    must_exist: bool,
    /// `reads=`, if given.
    reads: Option<ReadMode>,
    /// `mmap_size=`, if given.
    mmap_size: Option<u64>,
    /// `synchronous=`, if given.
    durability: Option<SqliteDurability>,
    /// `deferred_commits=on|off`, if given.
    deferred_commits: Option<bool>,
}

/// A URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `sqlite://path`, `sqlite:path`, a plain path or
    /// `sqlite::memory:` with durable commits (unless the URL says `synchronous=normal`; a
    /// cart's deferred changes unless it says `deferred_commits=off`), and
    /// runs the migrations. `?mode=ro` opens a file
    /// read-only. Must be called inside a Tokio runtime (reads run on its blocking pool).
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        Self::connect_with(url, SqliteOptions::default()).await
    }

    /// Like [`SqliteStore::connect`], with options. A failure names the database.
    pub async fn connect_with(url: &str, options: SqliteOptions) -> Result<Self, StorageError> {
        let named = |e: StorageError| match e {
            StorageError::Unavailable(m) => {
                StorageError::Unavailable(format!("{}: {m}", redact(url)))
            }
            StorageError::Backend(source) => {
                StorageError::Backend(format!("{}: {source}", redact(url)).into())
            }
            other => other,
        };
        let ParsedUrl {
            path,
            read_only,
            must_exist,
            reads,
            mmap_size,
            durability,
            deferred_commits,
        } = parse_url(url).map_err(named)?;
        // Said here in words; the open without SQLite's create flag would refuse it anyway.
        let missing = |p: &&PathBuf| {
            std::fs::metadata(p).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        };
        if let Some(file) = path.as_ref().filter(|p| must_exist && missing(p)) {
            return Err(named(StorageError::Unavailable(format!(
                "no database at {} (mode=rw opens an existing file only): check the path, or \
                 drop mode=rw to create it",
                file.display()
            ))));
        }
        let options = match durability {
            Some(d) => options.with_durability(d),
            None => options,
        };
        let options = match deferred_commits {
            Some(on) => options.with_deferred_commits(on),
            None => options,
        };
        let options = match reads {
            Some(mode) => options.with_reads(mode),
            None => options,
        };
        let options = match mmap_size {
            Some(bytes) => options.with_mmap_size(bytes),
            None => options,
        };
        let opener = Opener {
            path,
            read_only,
            must_exist,
            options,
        };
        let (tx, rx) = mpsc::channel::<Job>(1024);
        let (ready, opened) = oneshot::channel::<Result<(), StorageError>>();
        let page_limit = Arc::new(AtomicU32::new(0));
        let reader_threads = match (options.reads, &opener.path) {
            (ReadMode::Threads, Some(_)) => Some(spawn_readers(&opener)?),
            _ => None,
        };
        let inner = Arc::new(Inner {
            writer: tx,
            opener,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(READERS)),
            reader_threads,
            page_limit,
            busy: AtomicU32::new(0),
            search: Arc::default(),
        });
        // The writer thread opens its connection and runs the migrations, then owns it.
        let open_inner = inner.opener.clone();
        let limit = inner.page_limit.clone();
        std::thread::Builder::new()
            .name("tijara-sqlite-writer".into())
            .spawn(move || {
                let first = open_inner
                    .open(true)
                    .map_err(|e| classify(e).0)
                    .and_then(|mut c| {
                        crate::migrate::run(&mut c)
                            .map_err(|e| StorageError::Backend(Box::new(e)))
                            .map(|()| c)
                    });
                let conn = match first {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                let _ = ready.send(Ok(()));
                Writer {
                    conn: Some(conn),
                    opener: open_inner,
                    page_limit: limit,
                    full: None,
                }
                .run(rx);
            })
            .map_err(|e| {
                StorageError::Unavailable(format!("cannot start the SQLite writer: {e}"))
            })?;
        opened
            .await
            .map_err(|_| StorageError::Unavailable("the SQLite writer has stopped".into()))?
            .map_err(named)?;
        Ok(SqliteStore { inner })
    }
}

impl SqliteStore {
    /// **Fault injection for tests only**: caps the database at its current size (`Some(_)`:
    /// SQLite's `PRAGMA max_page_count` on the writer connection, so a write that needs a new
    /// page fails with SQLITE_FULL, "database or disk is full", as on a full disk), or lifts the
    /// cap (`None`: space is back). The cap applies to every writer connection, including one
    /// that replaces a connection spoiled by the fault. Not for production use.
    #[doc(hidden)]
    pub fn limit_pages_for_tests(&self, pages: Option<u32>) {
        // SQLite's largest page count; 0 means the hook was never used.
        self.inner
            .page_limit
            .store(pages.unwrap_or(4_294_967_294).max(1), Ordering::SeqCst);
    }

    /// Whether a cart's deferred commits skip the log's sync here
    /// ([`SqliteOptions::deferred_commits`]): a file opened for writing at
    /// `synchronous=FULL` without `deferred_commits=off`.
    pub fn defers_commits(&self) -> bool {
        self.inner.opener.defers()
    }

    /// The reader connections (busy: reads running now; idle: connections kept for the next
    /// reads) and the jobs queued for the writer (commits and other writes not started yet).
    pub(crate) fn pool(&self) -> tijara::ports::storage::PoolStatus {
        let busy = self.inner.busy.load(Ordering::Relaxed);
        let idle = if self.inner.reader_threads.is_some() {
            // Each reader thread owns its connection: the threads not reading wait.
            u32::try_from(READERS)
                .unwrap_or(u32::MAX)
                .saturating_sub(busy)
        } else {
            self.inner
                .idle
                .lock()
                .map_or(0, |idle| u32::try_from(idle.len()).unwrap_or(u32::MAX))
        };
        let writer = &self.inner.writer;
        let queued = writer.max_capacity().saturating_sub(writer.capacity());
        tijara::ports::storage::PoolStatus::new(
            idle,
            busy,
            u32::try_from(READERS).unwrap_or(u32::MAX),
        )
        .with_write_queue(u32::try_from(queued).unwrap_or(u32::MAX))
    }

    /// Runs `PRAGMA integrity_check`: `"ok"` for a sound database, else SQLite's findings.
    pub async fn integrity_check(&self) -> Result<String, StorageError> {
        self.read("integrity_check", |c| {
            let mut st = c.prepare("PRAGMA integrity_check")?;
            let rows = st
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows.join("\n"))
        })
        .await
    }

    pub(crate) async fn commit_changes(
        &self,
        changes: Changeset,
    ) -> Result<CommitOutcome, StorageError> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .writer
            .send(Job::Commit { changes, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Runs `f` on the writer's connection, in queue order with the commits: one hop to the
    /// writer thread and back.
    pub(crate) async fn on_writer<T, F>(&self, op: &'static str, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, Stop> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let task: Task = Box::new(move |conn| {
            let (r, spoiled) = match conn {
                Ok(c) => {
                    let (r, spoiled) = match f(c) {
                        Ok(v) => (Ok(v), false),
                        Err(Stop::Port(e)) => (Err(e), false),
                        Err(Stop::Db(e)) => {
                            let spoiled = crate::error::spoils_connection(&e);
                            (Err(classify(e).0), spoiled)
                        }
                    };
                    // A task left inside a transaction (a read of the in-memory database that
                    // failed to end its own) would make the next batch's `BEGIN IMMEDIATE`
                    // fail: end it here, or have a file's connection reopened (an in-memory
                    // database keeps its only connection).
                    (r, spoiled || !ended_transaction(c))
                }
                Err(e) => (Err(copy(e)), false),
            };
            let _ = reply.send(r);
            spoiled
        });
        self.inner
            .writer
            .send(Job::Run(task))
            .await
            .map_err(|_| stopped())?;
        let r = answer.await.map_err(|_| stopped())?;
        if let Err(e) = &r {
            log_fault(op, e);
        }
        r
    }

    /// The searches' shared cache.
    pub(crate) fn search_cache(&self) -> Arc<crate::search::SearchCache> {
        self.inner.search.clone()
    }

    /// Runs the point read `f` on the calling thread with a pooled connection
    /// ([`ReadMode::Inline`]), else as [`SqliteStore::read`] does.
    pub(crate) async fn read_point<T, F>(&self, op: &'static str, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Stop> + Send + 'static,
    {
        if self.inner.opener.options.reads != ReadMode::Inline || self.inner.opener.path.is_none() {
            return self.read(op, f).await;
        }
        let busy = Busy::start(&self.inner.busy);
        let pooled = self.inner.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match pooled {
            Some(c) => c,
            None => self.inner.opener.open(false).map_err(|e| classify(e).0)?,
        };
        let (r, keep) = run_read(&conn, f);
        if keep && let Ok(mut idle) = self.inner.idle.lock() {
            idle.push(conn);
        }
        drop(busy);
        if let Err(e) = &r {
            log_fault(op, e);
        }
        r
    }

    /// Runs the read `f` on a reader connection on Tokio's blocking pool: one hop for the whole
    /// call, however many statements it runs. In memory, the writer's connection serves it.
    pub(crate) async fn read<T, F>(&self, op: &'static str, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Stop> + Send + 'static,
    {
        if self.inner.opener.path.is_none() {
            return self.on_writer(op, move |c: &mut Connection| f(c)).await;
        }
        if let Some(queue) = &self.inner.reader_threads {
            let (reply, answer) = oneshot::channel();
            let inner = self.inner.clone();
            let job: ReadJob = Box::new(move |conn| {
                let busy = Busy::start(&inner.busy);
                let (r, keep) = match conn {
                    Ok(c) => run_read(c, f),
                    Err(e) => (Err(copy(e)), true),
                };
                drop(busy);
                let _ = reply.send(r);
                keep
            });
            queue.send(job).map_err(|_| stopped())?;
            let r = answer.await.map_err(|_| stopped())?;
            if let Err(e) = &r {
                log_fault(op, e);
            }
            return r;
        }
        let permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| stopped())?;
        let inner = self.inner.clone();
        let r = tokio::task::spawn_blocking(move || {
            let busy = Busy::start(&inner.busy);
            let pooled = inner.idle.lock().ok().and_then(|mut idle| idle.pop());
            let conn = match pooled {
                Some(c) => c,
                None => inner.opener.open(false).map_err(|e| classify(e).0)?,
            };
            let (r, keep) = run_read(&conn, f);
            if keep && let Ok(mut idle) = inner.idle.lock() {
                idle.push(conn);
            }
            drop(busy);
            drop(permit);
            r
        })
        .await
        .map_err(|_| StorageError::Unavailable("a SQLite reader stopped".into()))?;
        if let Err(e) = &r {
            log_fault(op, e);
        }
        r
    }
}

/// Runs a read; answers whether its connection may be used again.
fn run_read<T>(
    c: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, Stop>,
) -> (Result<T, StorageError>, bool) {
    let (r, keep) = match f(c) {
        Ok(v) => (Ok(v), true),
        Err(Stop::Port(e)) => (Err(e), true),
        Err(Stop::Db(e)) => {
            let keep = !crate::error::spoils_connection(&e);
            (Err(classify(e).0), keep)
        }
    };
    // A read left inside a transaction would pin its snapshot for every later read on this
    // connection: end it, or drop the connection.
    (r, keep && ended_transaction(c))
}

/// Whether `c` is outside any transaction, after rolling back one a job left open: false when
/// that rollback failed, and the connection must not serve again.
fn ended_transaction(c: &Connection) -> bool {
    c.is_autocommit() || c.execute_batch("ROLLBACK").is_ok() && c.is_autocommit()
}

/// Starts the reader threads of [`ReadMode::Threads`]; each opens its connection on its first
/// read (and again after a fault spoiled it). They stop when the store is dropped.
fn spawn_readers(opener: &Opener) -> Result<flume::Sender<ReadJob>, StorageError> {
    let (tx, rx) = flume::unbounded::<ReadJob>();
    for n in 0..READERS {
        let rx = rx.clone();
        let opener = opener.clone();
        std::thread::Builder::new()
            .name(format!("tijara-sqlite-reader-{n}"))
            .spawn(move || {
                let mut conn: Option<Connection> = None;
                while let Ok(job) = rx.recv() {
                    if conn.is_none() {
                        match opener.open(false) {
                            Ok(c) => conn = Some(c),
                            Err(e) => {
                                job(Err(&classify(e).0));
                                continue;
                            }
                        }
                    }
                    let keep = match &conn {
                        Some(c) => job(Ok(c)),
                        None => true,
                    };
                    if !keep {
                        conn = None;
                    }
                }
            })
            .map_err(|e| StorageError::Unavailable(format!("cannot start a SQLite reader: {e}")))?;
    }
    Ok(tx)
}

fn stopped() -> StorageError {
    StorageError::Unavailable("the SQLite writer has stopped".into())
}

struct Commit {
    changes: Changeset,
    reply: oneshot::Sender<Result<CommitOutcome, StorageError>>,
}

/// The writer thread's state: its connection (`None` after a fault spoiled it: reopened on the
/// next job) and what it needs to reopen it.
struct Writer {
    conn: Option<Connection>,
    opener: Opener,
    page_limit: Arc<AtomicU32>,
    /// The `synchronous` level `conn` is at when it is known: `true` FULL, `false` NORMAL
    /// (`None` after it is reopened, which sets the options' level).
    full: Option<bool>,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        // A job taken from the queue while a batch was open, to run after that batch.
        let mut held: Option<Job> = None;
        loop {
            let first = match held.take() {
                Some(j) => j,
                None => match rx.blocking_recv() {
                    Some(j) => j,
                    None => return,
                },
            };
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
            // In queue order: runs of commits are one transaction each; other work runs alone.
            let mut commits = Vec::new();
            for job in jobs {
                match job {
                    Job::Commit { changes, reply } => commits.push(Commit { changes, reply }),
                    Job::Run(task) => {
                        if !commits.is_empty() {
                            self.batch(std::mem::take(&mut commits), &mut |_| None);
                        }
                        self.task(task);
                    }
                }
            }
            if !commits.is_empty() {
                // The last run of commits may take in those queued while it is applied: they
                // share its commit (one WAL sync) instead of waiting for the next. A job that
                // is not a commit ends the intake and runs next, in queue order.
                // Once a job is held the intake is over, also for a retry of the batch (a busy
                // database): a later commit must not pass the held job, nor a second job
                // replace it.
                // A deferred batch, committed without syncing the log, takes in deferrable
                // commits only: a commit to be synced is held for the next batch.
                let mut late = |deferred: bool| late_commit(&mut rx, &mut held, deferred);
                self.batch(commits, &mut late);
            }
        }
    }

    /// The connection at `synchronous=FULL` (`full`) or `NORMAL`, where the store defers
    /// commits ([`Opener::defers`]; otherwise at the options' level): see [`Writer::conn`].
    /// SQLite refuses to change the level inside a transaction, so it is set before the
    /// batch's `BEGIN`, and only when it differs from the connection's.
    fn conn_at(&mut self, full: bool) -> Result<&mut Connection, StorageError> {
        self.conn()?;
        let c = self.conn.as_mut().ok_or_else(stopped)?;
        if self.opener.defers() && self.full != Some(full) {
            let level = if full {
                "PRAGMA synchronous = FULL"
            } else {
                "PRAGMA synchronous = NORMAL"
            };
            // Unknown until it is set: a failure sets it again next time.
            self.full = None;
            c.execute_batch(level).map_err(|e| classify(e).0)?;
            self.full = Some(full);
        }
        Ok(c)
    }

    /// The connection, reopened if a fault spoiled it; the page cap of the test hook applied.
    fn conn(&mut self) -> Result<&mut Connection, StorageError> {
        if self.conn.is_none() {
            let c = self.opener.open(true).map_err(|e| classify(e).0)?;
            self.conn = Some(c);
            // Opened at the options' level.
            self.full = None;
        }
        let limit = self.page_limit.load(Ordering::SeqCst);
        let c = self.conn.as_mut().ok_or_else(stopped)?;
        if limit != 0 {
            c.query_row(&format!("PRAGMA max_page_count = {limit}"), [], |_| Ok(()))
                .map_err(|e| classify(e).0)?;
        }
        Ok(c)
    }

    fn spoiled(&mut self) {
        // An in-memory database lives in its connection: it cannot be replaced.
        if self.opener.path.is_some() {
            tracing::warn!(target: "storage", backend = "SQLite (rusqlite)",
                "replacing the SQLite writer connection after a fault");
            self.conn = None;
        }
    }

    /// Runs a job that is not a changeset (an idempotency claim, events acknowledged, a
    /// document deleted…) at `synchronous=FULL`: they are never deferred.
    fn task(&mut self, task: Task) {
        let spoiled = match self.conn_at(true) {
            Ok(c) => task(Ok(c)),
            Err(e) => task(Err(&e)),
        };
        if spoiled {
            self.spoiled();
        }
    }

    /// Commits a batch in one transaction (one fsync, none for a deferred batch), retrying a
    /// busy database with backoff.
    /// `late` gives commits queued since the batch was taken, which join it (see [`pass`]);
    /// it is told whether the batch is deferred, which only deferrable commits may join
    /// ([`joins`]). A batch whose commits are all deferrable ([`deferrable`]: a cart's
    /// changes) is committed without syncing the log where the store defers commits
    /// ([`SqliteOptions::deferred_commits`]).
    fn batch(&mut self, mut jobs: Vec<Commit>, late: &mut dyn FnMut(bool) -> Option<Commit>) {
        let mut attempt = 0;
        let started = std::time::Instant::now();
        let deferred = self.opener.defers() && jobs.iter().all(|j| deferrable(&j.changes));
        loop {
            let e = match self.conn_at(!deferred) {
                Ok(c) => match pass(c, &mut jobs, &mut || late(deferred)) {
                    Ok(results) => {
                        // Through the `metrics` facade: nothing until a recorder is installed.
                        metrics::histogram!("tijara_storage_commit_seconds", "backend" => "sqlite")
                            .record(started.elapsed().as_secs_f64());
                        metrics::histogram!("tijara_storage_commit_batch_size", "backend" => "sqlite")
                            .record(u32::try_from(jobs.len()).map_or(f64::MAX, f64::from));
                        for (j, r) in jobs.into_iter().zip(results) {
                            let _ = j.reply.send(r);
                        }
                        return;
                    }
                    Err(e) => {
                        if crate::error::spoils_connection(&e) {
                            self.spoiled();
                        }
                        let (e, retry) = classify(e);
                        attempt += 1;
                        if retry && attempt < MAX_TRIES {
                            std::thread::sleep(backoff(attempt));
                            continue;
                        }
                        e
                    }
                },
                Err(e) => e,
            };
            log_fault("commit", &e);
            for j in jobs {
                let _ = j.reply.send(Err(copy(&e)));
            }
            return;
        }
    }
}

/// The next commit queued while a batch (deferred or not) is applied, if it may join it; a job
/// that may not (a commit to be synced for a deferred batch, or any job that is not a commit)
/// is put in `held`, to run after the batch in queue order, and ends the intake: once a job is
/// held nothing more is taken.
fn late_commit(
    rx: &mut mpsc::Receiver<Job>,
    held: &mut Option<Job>,
    deferred: bool,
) -> Option<Commit> {
    if held.is_some() {
        return None;
    }
    match rx.try_recv() {
        Ok(Job::Commit { changes, reply }) if joins(&changes, deferred) => {
            Some(Commit { changes, reply })
        }
        Ok(other) => {
            *held = Some(other);
            None
        }
        Err(_) => None,
    }
}

/// Whether a changeset may be committed without syncing the log: marked
/// [`Durability::Deferred`] (a cart's change) and moving no stock and publishing no event,
/// which must never be lost with it whatever the caller marked (an order's sale, its
/// messages).
fn deferrable(changes: &Changeset) -> bool {
    changes.durability == Durability::Deferred
        && changes.stock.is_empty()
        && changes.events.is_empty()
}

/// Whether a commit queued while a batch is applied may join it: any commit may join a batch
/// that syncs the log; a deferred batch (committed without syncing it) takes only deferrable
/// commits ([`deferrable`]), and one to be synced runs in the next batch.
fn joins(changes: &Changeset, deferred_batch: bool) -> bool {
    !deferred_batch || deferrable(changes)
}

/// A connection's `synchronous` level: 1 NORMAL (a commit does not sync the log), 2 FULL.
#[cfg(test)]
fn level_now(c: &Connection) -> i64 {
    c.pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap_or(0)
}

fn exec(c: &Connection, sql: &str) -> rusqlite::Result<()> {
    c.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// One transaction over the batch, a savepoint around each changeset when there are several:
/// a changeset that fails (a version conflict, out of stock, a CHECK constraint) is rolled
/// back alone and answered with its error; the others commit together. A database error
/// (busy, disk full…) fails the whole batch, rolled back.
///
/// Before the commit, unless the batch was one changeset that failed (applied without a
/// savepoint, it is rolled back whole), the commits `late` gives (those
/// queued while the batch was being applied) join the batch, each in its savepoint, up to
/// [`MAX_BATCH`]: they are durable with the same WAL sync instead of waiting for the next one.
/// They are added to `jobs`, so that a retry of the batch applies them again.
fn pass(
    c: &mut Connection,
    jobs: &mut Vec<Commit>,
    late: &mut dyn FnMut() -> Option<Commit>,
) -> rusqlite::Result<Vec<Result<CommitOutcome, StorageError>>> {
    let r = pass_in(c, jobs, late);
    if r.is_err() && !c.is_autocommit() {
        let _ = c.execute_batch("ROLLBACK");
    }
    r
}

/// Applies one changeset, in a savepoint when `alone` is false.
fn apply_one(
    c: &Connection,
    changes: &Changeset,
    alone: bool,
) -> rusqlite::Result<Result<CommitOutcome, StorageError>> {
    if !alone {
        exec(c, "SAVEPOINT cs")?;
    }
    let outcome = match apply_in(c, changes) {
        Ok(o) => Ok(o),
        Err(Stop::Port(e)) => Err(e),
        Err(Stop::Db(e)) if is_constraint(&e) => Err(StorageError::Backend(Box::new(e))),
        Err(Stop::Db(e)) => return Err(e),
    };
    if !alone {
        if outcome.is_err() {
            exec(c, "ROLLBACK TO cs")?;
        }
        exec(c, "RELEASE cs")?;
    }
    Ok(outcome)
}

fn pass_in(
    c: &mut Connection,
    jobs: &mut Vec<Commit>,
    late: &mut dyn FnMut() -> Option<Commit>,
) -> rusqlite::Result<Vec<Result<CommitOutcome, StorageError>>> {
    let single = jobs.len() == 1;
    exec(c, "BEGIN IMMEDIATE")?;
    let mut results = Vec::with_capacity(jobs.len());
    for j in jobs.iter() {
        results.push(apply_one(c, &j.changes, single)?);
    }
    // A changeset applied without a savepoint (alone) is kept or rolled back whole, so a batch
    // whose lone changeset failed takes no more.
    let lone_failed = single && results.first().is_some_and(Result::is_err);
    while !lone_failed && jobs.len() < MAX_BATCH {
        let Some(j) = late() else { break };
        // Kept in the batch even when a database error stops it: it fails (or is retried)
        // with the others.
        let outcome = apply_one(c, &j.changes, false);
        jobs.push(j);
        results.push(outcome?);
    }
    if results.iter().all(Result::is_err) {
        // Nothing to keep: no commit, no fsync.
        exec(c, "ROLLBACK")?;
    } else {
        #[cfg(test)]
        tests::LEVEL_AT_COMMIT.set(level_now(c));
        exec(c, "COMMIT")?;
    }
    Ok(results)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    thread_local! {
        /// The writer connection's `synchronous` level at the last `COMMIT` this thread made.
        pub(crate) static LEVEL_AT_COMMIT: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
    }
    use tijara::ports::storage::DocKind;
    use tijara_testkit::storage::doc;

    /// A migrated in-memory database (this crate's unit tests).
    pub(crate) fn db() -> Connection {
        let mut c = Connection::open_in_memory().expect("opens");
        crate::migrate::run(&mut c).expect("migrates");
        c
    }

    #[test]
    fn a_read_left_in_a_transaction_is_ended_before_its_connection_is_pooled() {
        let c = db();
        let (r, keep) = run_read(&c, |c| {
            c.execute_batch("BEGIN")?;
            Ok(c.query_row("SELECT count(*) FROM docs", [], |r| r.get::<_, i64>(0))?)
        });
        assert_eq!(r.ok(), Some(0));
        assert!(
            keep,
            "the transaction could be ended: the connection is kept"
        );
        assert!(c.is_autocommit(), "no transaction left open");
        let (r, keep) = run_read(&c, |c| {
            c.execute_batch("BEGIN")?;
            Err::<(), _>(Stop::Port(StorageError::Unavailable("refused".into())))
        });
        assert!(matches!(r, Err(StorageError::Unavailable(_))));
        assert!(keep && c.is_autocommit(), "ended after an error too");
    }

    /// A commit job writing the cart `id` (expecting `expected`), and where its answer goes.
    fn job(
        id: &str,
        expected: Option<u64>,
    ) -> (
        Commit,
        oneshot::Receiver<Result<CommitOutcome, StorageError>>,
    ) {
        let (reply, answer) = oneshot::channel();
        let changes = Changeset {
            docs: vec![doc(DocKind::Cart, id, expected, "{}")],
            ..Changeset::default()
        };
        (Commit { changes, reply }, answer)
    }

    /// A commit job that writes the new cart `id`, then fails on a version conflict: only a
    /// rollback of the whole changeset removes `id`.
    fn half_then_conflict(id: &str) -> Commit {
        let (reply, _) = oneshot::channel();
        let changes = Changeset {
            docs: vec![
                doc(DocKind::Cart, id, None, "{}"),
                doc(DocKind::Cart, &format!("{id}-missing"), Some(7), "{}"),
            ],
            ..Changeset::default()
        };
        Commit { changes, reply }
    }

    fn carts(c: &Connection) -> Vec<String> {
        let mut st = c
            .prepare("SELECT id FROM docs WHERE kind = 'cart' ORDER BY id")
            .expect("prepares");
        st.query_map([], |r| r.get(0))
            .expect("reads")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    #[test]
    fn commits_queued_during_a_batch_join_it_and_a_failing_one_rolls_back_alone() {
        let mut c = db();
        let (first, _) = job("a", None);
        let mut queued: Vec<Commit> = vec![
            job("b", None).0,
            // Writes "c", then conflicts: rolled back alone, "c" with it.
            half_then_conflict("c"),
            job("d", None).0,
        ];
        queued.reverse();
        let mut jobs = vec![first];
        let results = pass(&mut c, &mut jobs, &mut || queued.pop()).expect("no database error");
        assert_eq!(jobs.len(), 4, "the three queued commits joined the batch");
        assert!(results[0].is_ok() && results[1].is_ok() && results[3].is_ok());
        assert!(
            matches!(results[2], Err(StorageError::Conflict { .. })),
            "{:?}",
            results[2]
        );
        assert!(c.is_autocommit(), "committed");
        assert_eq!(carts(&c), ["a", "b", "d"]);
    }

    /// The catalog's version (raised by the triggers on `docs` for products, sellers and
    /// categories).
    fn catalog_version(c: &Connection) -> i64 {
        c.query_row(
            "SELECT version FROM catalog_version WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .expect("reads")
    }

    /// A product written (its trigger raises the catalog's version), then a sale of a variant
    /// that does not exist: the changeset fails after its first statement.
    fn product_then_unknown_sale(id: &str) -> Commit {
        let (reply, _) = oneshot::channel();
        let changes = Changeset {
            docs: vec![doc(DocKind::Product, id, None, "{}")],
            stock: vec![tijara::ports::storage::StockOp::Sell {
                variant: tijara_core::VariantId::new("no-such-variant").expect("an id"),
                quantity: 1,
            }],
            ..Changeset::default()
        };
        Commit { changes, reply }
    }

    /// The writes of `docs` and `stock` are `OR FAIL` (no statement journal): what a failed
    /// changeset wrote before its error, the trigger's work included, is still undone, by the
    /// transaction when it is alone and by its savepoint in a batch.
    /// `failing("…-1")` applied alone, then `failing("…-2")` in a batch between the carts "a"
    /// and "b": each `failing` is answered with an error `fails_as` accepts, and the carts
    /// are committed.
    fn alone_then_in_a_batch(
        c: &mut Connection,
        failing: fn(&str) -> Commit,
        prefix: &str,
        fails_as: fn(&StorageError) -> bool,
    ) {
        let mut jobs = vec![failing(&format!("{prefix}-1"))];
        let alone = pass(c, &mut jobs, &mut || None).expect("no database error");
        assert!(matches!(&alone[0], Err(e) if fails_as(e)), "{alone:?}");
        let mut queued = vec![job("b", None).0, failing(&format!("{prefix}-2"))];
        let mut jobs = vec![job("a", None).0];
        let results = pass(c, &mut jobs, &mut || queued.pop()).expect("no database error");
        assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
        assert!(
            matches!(&results[1], Err(e) if fails_as(e)),
            "{:?}",
            results[1]
        );
    }

    #[test]
    fn a_failed_changeset_leaves_nothing_of_its_writes_nor_of_their_triggers() {
        let mut c = db();
        let before = catalog_version(&c);
        alone_then_in_a_batch(&mut c, product_then_unknown_sale, "p", |e| {
            matches!(e, StorageError::UnknownVariant(_))
        });
        let products: i64 = c
            .query_row(
                "SELECT count(*) FROM docs WHERE kind = 'product'",
                [],
                |r| r.get(0),
            )
            .expect("reads");
        assert_eq!(products, 0, "no product kept");
        assert_eq!(catalog_version(&c), before, "the triggers' raises undone");
        assert_eq!(carts(&c), ["a", "b"]);
    }

    /// A product written alone, as a changeset.
    fn product(id: &str) -> Commit {
        let (reply, _) = oneshot::channel();
        let changes = Changeset {
            docs: vec![doc(DocKind::Product, id, None, "{}")],
            ..Changeset::default()
        };
        Commit { changes, reply }
    }

    /// An `OR FAIL` write that SQLite itself stops after writing its row (a trigger raising
    /// `FAIL`, which keeps the row where `ABORT` would undo it): the changeset fails and
    /// nothing of it is left, alone and in a batch.
    #[test]
    fn an_or_fail_write_stopped_after_its_row_leaves_nothing() {
        let mut c = db();
        let before = catalog_version(&c);
        let mut jobs = vec![product("p-ok")];
        let results = pass(&mut c, &mut jobs, &mut || None).expect("no database error");
        assert!(results[0].is_ok(), "{results:?}");
        assert_eq!(
            catalog_version(&c),
            before + 1,
            "a product raises the version"
        );
        c.execute_batch(
            "CREATE TEMP TRIGGER boom AFTER INSERT ON docs WHEN NEW.id LIKE 'boom%' \
             BEGIN SELECT RAISE(FAIL, 'boom'); END",
        )
        .expect("the trigger");
        alone_then_in_a_batch(&mut c, product, "boom", |e| {
            matches!(e, StorageError::Backend(_))
        });
        let kept: i64 = c
            .query_row("SELECT count(*) FROM docs WHERE id LIKE 'boom%'", [], |r| {
                r.get(0)
            })
            .expect("reads");
        assert_eq!(kept, 0, "no row of a failed write kept");
        assert_eq!(catalog_version(&c), before + 1, "no raise of theirs kept");
        assert_eq!(carts(&c), ["a", "b"]);
    }

    /// `mode=rw` holds at every open, not only the first: a file gone meanwhile is an error,
    /// never a new empty database (a writer reopened after a fault, a reader thread).
    #[test]
    fn a_file_that_must_exist_is_never_created_by_a_later_open() {
        let db = tijara_testkit::storage::TempDb::new("must-exist");
        let opener = |must_exist| Opener {
            path: Some(db.path().to_path_buf()),
            read_only: false,
            must_exist,
            options: SqliteOptions::default(),
        };
        assert!(opener(true).open(true).is_err(), "no file yet");
        assert!(!db.path().exists(), "nothing created");
        drop(opener(false).open(true).expect("created without mode=rw"));
        drop(opener(true).open(false).expect("an existing file opens"));
        std::fs::remove_file(db.path()).expect("removed");
        assert!(opener(true).open(true).is_err(), "gone: refused");
        assert!(!db.path().exists(), "not created again");
    }

    /// A writer on a new file, with deferred commits on or off.
    fn writer_on(db: &tijara_testkit::storage::TempDb, deferred_commits: bool) -> Writer {
        let opener = Opener {
            path: Some(db.path().to_path_buf()),
            read_only: false,
            must_exist: false,
            options: SqliteOptions::default().with_deferred_commits(deferred_commits),
        };
        let mut c = opener.open(true).expect("opens");
        crate::migrate::run(&mut c).expect("migrates");
        Writer {
            conn: Some(c),
            opener,
            page_limit: Arc::default(),
            full: None,
        }
    }

    /// The level the last batch committed at on this thread (its `COMMIT`'s, not after it).
    fn committed_at() -> i64 {
        LEVEL_AT_COMMIT.replace(0)
    }

    /// A commit job like [`job`], marked deferred (a cart's change).
    fn deferred(
        id: &str,
    ) -> (
        Commit,
        oneshot::Receiver<Result<CommitOutcome, StorageError>>,
    ) {
        let (mut j, answer) = job(id, None);
        j.changes.durability = Durability::Deferred;
        (j, answer)
    }

    #[test]
    fn a_batch_of_deferred_commits_is_committed_without_syncing_the_log() {
        let db = tijara_testkit::storage::TempDb::new("deferred-batch");
        let mut w = writer_on(&db, true);
        let (j, mut answer) = deferred("a");
        let mut told = Vec::new();
        w.batch(vec![j], &mut |d| {
            told.push(d);
            None
        });
        assert!(matches!(answer.try_recv(), Ok(Ok(_))), "answered");
        assert_eq!(committed_at(), 1, "all deferred: committed at NORMAL");
        assert_eq!(told, [true], "late commits are told the batch is deferred");
        let (j, _) = job("b", None);
        w.batch(vec![j], &mut |d| {
            assert!(!d, "a synced batch takes any commit");
            None
        });
        assert_eq!(committed_at(), 2, "a flushed commit: FULL");
        let ((d, _), (f, _)) = (deferred("c"), job("d", None));
        w.batch(vec![d, f], &mut |_| None);
        assert_eq!(
            committed_at(),
            2,
            "one commit to sync: the whole batch is synced"
        );
        // A deferred change that moves stock or publishes an event is synced all the same.
        let (mut e, _) = deferred("e");
        e.changes.events.push(tijara::ports::storage::NewEvent::new(
            "cart:e",
            "cart.changed",
            "{}",
        ));
        w.batch(vec![e], &mut |d| {
            assert!(!d);
            None
        });
        assert_eq!(committed_at(), 2, "an event is never deferred");
        let (j, _) = deferred("f");
        w.batch(vec![j], &mut |_| None);
        assert_eq!(committed_at(), 1);
        // Other writes (idempotency claims, events acknowledged…) are never deferred.
        let seen = Arc::new(AtomicU32::new(0));
        let saw = seen.clone();
        w.task(Box::new(move |c| {
            saw.store(
                u32::try_from(level_now(c.expect("open"))).unwrap_or(0),
                Ordering::SeqCst,
            );
            false
        }));
        assert_eq!(seen.load(Ordering::SeqCst), 2, "a task runs at FULL");
        // A reopened connection (after a fault) is set again.
        w.conn = None;
        let (j, _) = deferred("g");
        w.batch(vec![j], &mut |_| None);
        assert_eq!(committed_at(), 1, "set again after a reopen");
        assert_eq!(
            carts(w.conn.as_ref().expect("open")),
            ["a", "b", "c", "d", "e", "f", "g"]
        );
    }

    #[test]
    fn a_commit_to_sync_queued_during_a_deferred_batch_waits_for_the_next() {
        let (tx, mut rx) = mpsc::channel::<Job>(8);
        let send = |(c, _): (Commit, _)| {
            tx.try_send(Job::Commit {
                changes: c.changes,
                reply: c.reply,
            })
            .map_err(|_| "queued")
            .expect("room");
        };
        send(deferred("a"));
        send(job("b", None));
        send(deferred("c"));
        let mut held = None;
        let first = late_commit(&mut rx, &mut held, true).expect("a deferred commit joins");
        assert_eq!(first.changes.docs[0].id, "a");
        assert!(
            late_commit(&mut rx, &mut held, true).is_none(),
            "b must sync"
        );
        assert!(
            matches!(&held, Some(Job::Commit { changes, .. }) if changes.docs[0].id == "b"),
            "b is held for the next batch"
        );
        assert!(
            late_commit(&mut rx, &mut held, true).is_none(),
            "nothing passes a held job"
        );
        // A batch that syncs takes any commit.
        let (mut held, mut rx2) = (None, {
            let (tx2, rx2) = mpsc::channel::<Job>(8);
            let (c, _) = job("d", None);
            tx2.try_send(Job::Commit {
                changes: c.changes,
                reply: c.reply,
            })
            .map_err(|_| "queued")
            .expect("room");
            rx2
        });
        assert!(late_commit(&mut rx2, &mut held, false).is_some());
        assert!(held.is_none());
    }

    #[test]
    fn with_deferred_commits_off_every_batch_syncs_the_log() {
        let db = tijara_testkit::storage::TempDb::new("deferred-off");
        let mut w = writer_on(&db, false);
        let (j, mut answer) = deferred("a");
        w.batch(vec![j], &mut |d| {
            assert!(!d, "not deferred");
            None
        });
        assert!(matches!(answer.try_recv(), Ok(Ok(_))));
        assert_eq!(level_now(w.conn.as_ref().expect("open")), 2);
        let memory = Opener {
            path: None,
            read_only: false,
            must_exist: false,
            options: SqliteOptions::default(),
        };
        assert!(!memory.defers(), "in memory: nothing to sync");
        let normal = Opener {
            path: Some(db.path().to_path_buf()),
            read_only: false,
            must_exist: false,
            options: SqliteOptions::default().with_durability(SqliteDurability::Normal),
        };
        assert!(
            !normal.defers(),
            "synchronous=NORMAL: no commit syncs the log already"
        );
    }

    #[test]
    fn a_deferred_batch_takes_in_deferred_commits_only() {
        assert!(joins(&deferred("a").0.changes, true));
        assert!(
            !joins(&job("b", None).0.changes, true),
            "a commit to sync waits for the next batch"
        );
        assert!(joins(&job("c", None).0.changes, false));
        assert!(joins(&deferred("d").0.changes, false));
    }

    #[test]
    fn a_lone_changeset_that_failed_takes_no_late_commit() {
        let mut c = db();
        let first = half_then_conflict("a");
        let mut asked = 0;
        let mut jobs = vec![first];
        let results = pass(&mut c, &mut jobs, &mut || {
            asked += 1;
            Some(job("b", None).0)
        })
        .expect("no database error");
        assert_eq!(asked, 0, "a failed lone changeset ends the batch");
        assert_eq!(jobs.len(), 1);
        assert!(results[0].is_err());
        assert!(carts(&c).is_empty(), "rolled back");
    }

    #[test]
    fn the_intake_stops_at_the_batch_limit() {
        let mut c = db();
        let mut n = 0;
        let mut jobs = vec![job("first", None).0];
        let results = pass(&mut c, &mut jobs, &mut || {
            n += 1;
            Some(job(&format!("late-{n:03}"), None).0)
        })
        .expect("no database error");
        assert_eq!(jobs.len(), MAX_BATCH);
        assert_eq!(results.len(), MAX_BATCH);
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(carts(&c).len(), MAX_BATCH);
    }

    /// How often the owners' listing was compiled again in `runs` runs on `c`, each with
    /// other bound values (the second and later pages of an owner's orders).
    fn list_reprepares(c: &Connection, runs: usize) -> i32 {
        for i in 0..20 {
            c.execute(
                "INSERT INTO doc_owners (kind, owner, id) VALUES ('order', 'unpaid-email:x', ?1)",
                [format!("o{i:02}")],
            )
            .expect("inserts");
        }
        let mut st = c
            .prepare_cached(crate::port::LIST_BY_OWNER)
            .expect("prepares");
        for run in 0..runs {
            let after = format!("o{run:02}");
            let limit = i64::try_from(100 - run).expect("small");
            let mut rows = st
                .query(rusqlite::params!["order", "unpaid-email:x", after, limit])
                .expect("runs");
            while rows.next().expect("steps").is_some() {}
        }
        st.get_status(rusqlite::StatementStatus::RePrepare)
    }

    #[test]
    fn statements_are_not_compiled_again_for_new_bound_values() {
        let opener = Opener {
            path: None,
            read_only: false,
            must_exist: false,
            options: SqliteOptions::default(),
        };
        let mut c = opener.open(true).expect("opens");
        crate::migrate::run(&mut c).expect("migrates");
        assert_eq!(
            list_reprepares(&c, 5),
            0,
            "the store's connections keep their plans"
        );
        // Without the planner's stability guarantee the same statement is compiled again at
        // each run (`LIMIT ?`): what the setting is for. Should a newer SQLite stop doing
        // this, the setting's comment in `Opener::open` is out of date.
        let plain = db();
        assert!(
            list_reprepares(&plain, 5) >= 4,
            "SQLite no longer re-prepares for a new LIMIT value"
        );
    }
}
