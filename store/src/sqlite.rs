//! The embedded backend: one SQLite file per database (`<folder>/<dbName>.db`), one table per
//! collection holding `(seq, id, doc)`, expression indexes on the fields the routes filter by.
//!
//! Durability: WAL with `synchronous=FULL`, so a write is on disk when its future resolves.
//! Concurrency: every write goes through one writer thread (SQLite has one writer anyway, and
//! this keeps write order equal to acknowledgement order); reads use a small pool of read-only
//! connections so that list routes do not queue behind fsyncs.
//!
//! Filters: conditions on indexed scalar fields are pushed down as `json_extract` comparisons so
//! the planner uses the index; the whole filter is then checked row by row by the
//! `doc_matches` SQL function, which is [`Filter::matches`], so both backends share one
//! definition of what matches.

use crate::{
    Document, FindOptions, IndexSpec, JSON_ROWS_BUFFER, JsonRows, Result, Store, StoreError, Write,
    check_collection, document_id,
    filter::{Filter, Op, candidates},
};
use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags, ToSql, functions::FunctionFlags, params};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, mpsc};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

const READERS: usize = 4;
/// Prepared statements kept per connection: a few per collection (get, insert, upsert,
/// delete, the list queries), so the busy ones are never prepared twice.
const STATEMENT_CACHE: usize = 256;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: Option<PathBuf>,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    /// `None` once closed: read connections must be gone before the final checkpoint.
    readers: Vec<Mutex<Option<Connection>>>,
    next_reader: AtomicUsize,
    tables: RwLock<HashSet<String>>,
    indexes: RwLock<HashMap<String, Vec<IndexSpec>>>,
    closed: AtomicBool,
}

impl Inner {
    /// Runs `f` on the next read connection, round robin.
    fn with_reader<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let n = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let conn = self.readers[n].lock().map_err(backend)?;
        f(conn.as_ref().ok_or(StoreError::Closed)?)
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, creating its folder too.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(Some(path)))
            .await
            .map_err(backend)?
    }

    /// `<folder>/<db_name>.db`, as the official LokiJS driver names its file.
    pub async fn open_in_folder(folder: impl AsRef<Path>, db_name: &str) -> Result<Self> {
        Self::open(folder.as_ref().join(format!("{db_name}.db"))).await
    }

    /// A private in-memory database, gone when the store is dropped.
    pub async fn open_in_memory() -> Result<Self> {
        tokio::task::spawn_blocking(|| Self::open_blocking(None))
            .await
            .map_err(backend)?
    }

    fn open_blocking(path: Option<PathBuf>) -> Result<Self> {
        let writer = match &path {
            Some(p) => {
                if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(backend)?;
                }
                Connection::open(p).map_err(backend)?
            }
            None => Connection::open_in_memory().map_err(backend)?,
        };
        writer
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;",
            )
            .map_err(backend)?;
        register_functions(&writer)?;
        writer.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let tables = existing_tables(&writer)?;

        let mut readers = Vec::new();
        if let Some(p) = &path {
            for _ in 0..READERS {
                let conn = Connection::open_with_flags(
                    p,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )
                .map_err(backend)?;
                conn.execute_batch("PRAGMA busy_timeout=10000; PRAGMA query_only=ON;")
                    .map_err(backend)?;
                register_functions(&conn)?;
                conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                readers.push(Mutex::new(Some(conn)));
            }
        }

        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                let mut conn = writer;
                while let Ok(job) = rx.recv() {
                    job(&mut conn);
                }
                // Fold the WAL back into the main file so a clean shutdown leaves one file.
                if let Err(e) =
                    conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")
                {
                    tracing::warn!("final checkpoint failed: {e}");
                }
            })
            .map_err(backend)?;

        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(Some(tx)),
                writer_thread: Mutex::new(Some(thread)),
                readers,
                next_reader: AtomicUsize::new(0),
                tables: RwLock::new(tables),
                indexes: RwLock::new(HashMap::new()),
                closed: AtomicBool::new(false),
            }),
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// Runs `f` on the writer thread and waits for its answer.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        {
            let guard = self.inner.writer.lock().map_err(backend)?;
            let sender = guard.as_ref().ok_or(StoreError::Closed)?;
            sender.send(job).map_err(|_| StoreError::Closed)?;
        }
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on a read connection (the writer when the database is in memory).
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        if self.inner.readers.is_empty() {
            return self.write(move |conn| f(conn)).await;
        }
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.with_reader(f))
            .await
            .map_err(backend)?
    }

    /// `SELECT column FROM collection WHERE … ORDER BY … LIMIT … OFFSET …` and its arguments.
    fn select(
        &self,
        collection: &str,
        column: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<(String, Vec<String>)> {
        let (where_sql, args) = where_clause(filter, &self.indexed_fields(collection))?;
        let mut order = Vec::new();
        for s in &options.sort {
            order.push(format!(
                "json_extract(doc, '{}') {}",
                json_path(&s.field)?,
                if s.descending { "DESC" } else { "ASC" }
            ));
        }
        order.push("seq ASC".to_owned());
        let limit = options.limit.map(|l| l as i64).unwrap_or(-1);
        let sql = format!(
            "SELECT {column} FROM \"{collection}\"{where_sql} ORDER BY {} LIMIT {limit} OFFSET {}",
            order.join(", "),
            options.skip
        );
        Ok((sql, args))
    }

    fn table_known(&self, collection: &str) -> bool {
        self.inner
            .tables
            .read()
            .map(|t| t.contains(collection))
            .unwrap_or(false)
    }

    /// Makes sure the table exists before a write. Cheap after the first time.
    async fn ensure_table(&self, collection: &str) -> Result<()> {
        check_collection(collection)?;
        if self.table_known(collection) {
            return Ok(());
        }
        let name = collection.to_owned();
        self.write(move |conn| create_table(conn, &name)).await?;
        self.inner
            .tables
            .write()
            .map_err(backend)?
            .insert(collection.to_owned());
        Ok(())
    }

    fn indexed_fields(&self, collection: &str) -> Vec<String> {
        self.inner
            .indexes
            .read()
            .ok()
            .and_then(|m| {
                m.get(collection)
                    .map(|v| v.iter().map(|i| i.field.clone()).collect())
            })
            .unwrap_or_default()
    }
}

fn register_functions(conn: &Connection) -> Result<()> {
    conn.create_scalar_function(
        "doc_matches",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            // The filter is the same for every row of a statement: parse it once.
            let filter =
                ctx.get_or_create_aux(1, |v| -> std::result::Result<Filter, serde_json::Error> {
                    serde_json::from_slice(v.as_bytes().unwrap_or_default())
                })?;
            let doc: serde_json::Value = serde_json::from_str(&ctx.get::<String>(0)?)
                .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
            Ok(filter.matches(&doc))
        },
    )
    .map_err(backend)
}

fn existing_tables(conn: &Connection) -> Result<HashSet<String>> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        .map_err(backend)?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(backend)?;
    names
        .collect::<std::result::Result<_, _>>()
        .map_err(backend)
}

fn create_table(conn: &Connection, collection: &str) -> Result<()> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS \"{collection}\" (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            doc TEXT NOT NULL CHECK (json_valid(doc))
        )"
    ))
    .map_err(backend)
}

/// `$."a"."b"` for `a.b`; fields are checked to a safe alphabet first so the path can be
/// written into index definitions (which cannot take parameters).
pub fn json_path(field: &str) -> Result<String> {
    let ok = !field.is_empty()
        && field.split('.').all(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '-' | '$'))
        });
    if !ok {
        return Err(StoreError::Backend(format!("invalid field path `{field}`")));
    }
    let segments: Vec<String> = field.split('.').map(|s| format!("\"{s}\"")).collect();
    Ok(format!("$.{}", segments.join(".")))
}

fn index_name(collection: &str, field: &str) -> String {
    let clean: String = field
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("idx_{collection}_{clean}")
}

/// The SQL for a `find`/`count`: indexed pushdowns plus the row-level filter.
fn where_clause(filter: &Filter, indexed: &[String]) -> Result<(String, Vec<String>)> {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for cond in filter.top_level_conditions() {
        if !indexed.contains(&cond.field) {
            continue;
        }
        let sql_op = match cond.op {
            Op::Eq => "=",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
            _ => continue,
        };
        // Only a value that can stand for nothing but a string compares the same in SQL.
        if let serde_json::Value::String(s) = &cond.value
            && candidates(&cond.value).len() == 1
        {
            parts.push(format!(
                "json_extract(doc, '{}') {sql_op} ?",
                json_path(&cond.field)?
            ));
            args.push(s.clone());
        }
    }
    if *filter != Filter::All {
        parts.push("doc_matches(doc, ?)".to_owned());
        args.push(serde_json::to_string(filter).map_err(backend)?);
    }
    let sql = if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    };
    Ok((sql, args))
}

fn apply_write(conn: &Connection, write: &Write) -> Result<()> {
    match write {
        Write::Create { collection, doc } => insert(conn, collection, doc),
        Write::Put { collection, doc } => upsert(conn, collection, doc),
        Write::Delete { collection, id } => {
            conn.prepare_cached(&format!("DELETE FROM \"{collection}\" WHERE id = ?1"))
                .and_then(|mut stmt| stmt.execute([id]))
                .map_err(backend)?;
            Ok(())
        }
    }
}

fn insert(conn: &Connection, collection: &str, doc: &Document) -> Result<()> {
    let id = document_id(doc)?;
    let text = serde_json::to_string(doc).map_err(backend)?;
    // Cached: preparing the statement again for every write cost more than running it.
    match conn
        .prepare_cached(&format!(
            "INSERT INTO \"{collection}\" (id, doc) VALUES (?1, ?2)"
        ))
        .and_then(|mut stmt| stmt.execute(params![id, text]))
    {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(StoreError::Duplicate(id.to_owned(), collection.to_owned()))
        }
        Err(e) => Err(backend(e)),
    }
}

fn upsert(conn: &Connection, collection: &str, doc: &Document) -> Result<()> {
    let id = document_id(doc)?;
    let text = serde_json::to_string(doc).map_err(backend)?;
    conn.prepare_cached(&format!("INSERT INTO \"{collection}\" (id, doc) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc"))
    .and_then(|mut stmt| stmt.execute(params![id, text]))
    .map(|_| ())
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            StoreError::Duplicate(id.to_owned(), collection.to_owned())
        }
        e => backend(e),
    })
}

fn table_exists(conn: &Connection, collection: &str) -> Result<bool> {
    conn.prepare_cached("SELECT count(*) FROM sqlite_master WHERE type='table' AND name = ?1")
        .and_then(|mut stmt| stmt.query_row([collection], |r| r.get::<_, i64>(0)))
        .map(|n| n > 0)
        .map_err(backend)
}

#[async_trait]
impl Store for SqliteStore {
    async fn create(&self, collection: &str, doc: Document) -> Result<()> {
        document_id(&doc)?;
        self.ensure_table(collection).await?;
        let c = collection.to_owned();
        self.write(move |conn| insert(conn, &c, &doc)).await
    }

    async fn put(&self, collection: &str, doc: Document) -> Result<()> {
        document_id(&doc)?;
        self.ensure_table(collection).await?;
        let c = collection.to_owned();
        self.write(move |conn| upsert(conn, &c, &doc)).await
    }

    async fn update(&self, collection: &str, doc: Document) -> Result<()> {
        let id = document_id(&doc)?.to_owned();
        self.ensure_table(collection).await?;
        let c = collection.to_owned();
        self.write(move |conn| {
            let text = serde_json::to_string(&doc).map_err(backend)?;
            let n = conn
                .execute(
                    &format!("UPDATE \"{c}\" SET doc = ?1 WHERE id = ?2"),
                    params![text, id],
                )
                .map_err(backend)?;
            if n == 0 {
                Err(StoreError::NotFound(id, c))
            } else {
                Ok(())
            }
        })
        .await
    }

    async fn get(&self, collection: &str, id: &str) -> Result<Option<Document>> {
        check_collection(collection)?;
        let (c, id) = (collection.to_owned(), id.to_owned());
        self.read(move |conn| {
            if !table_exists(conn, &c)? {
                return Ok(None);
            }
            let mut stmt = conn
                .prepare_cached(&format!("SELECT doc FROM \"{c}\" WHERE id = ?1"))
                .map_err(backend)?;
            let mut rows = stmt.query([id]).map_err(backend)?;
            match rows.next().map_err(backend)? {
                Some(row) => {
                    let text: String = row.get(0).map_err(backend)?;
                    Ok(Some(serde_json::from_str(&text).map_err(backend)?))
                }
                None => Ok(None),
            }
        })
        .await
    }

    async fn delete(&self, collection: &str, id: &str) -> Result<bool> {
        check_collection(collection)?;
        let (c, id) = (collection.to_owned(), id.to_owned());
        self.write(move |conn| {
            if !table_exists(conn, &c)? {
                return Ok(false);
            }
            let n = conn
                .execute(&format!("DELETE FROM \"{c}\" WHERE id = ?1"), [id])
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn find(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Vec<Document>> {
        check_collection(collection)?;
        let sql = self.select(collection, "doc", filter, options)?;
        let c = collection.to_owned();
        self.read(move |conn| {
            if !table_exists(conn, &c)? {
                return Ok(Vec::new());
            }
            let (sql, args) = sql;
            let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
            let params: Vec<&dyn ToSql> = args.iter().map(|a| a as &dyn ToSql).collect();
            let rows = stmt
                .query_map(params.as_slice(), |r| r.get::<_, String>(0))
                .map_err(backend)?;
            let mut out = Vec::new();
            for text in rows {
                out.push(serde_json::from_str(&text.map_err(backend)?).map_err(backend)?);
            }
            Ok(out)
        })
        .await
    }

    async fn find_json(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
        omit: &'static [&'static str],
    ) -> Result<JsonRows> {
        check_collection(collection)?;
        // The text as stored is what is sent: SQLite removes the omitted fields without the
        // document passing through serde.
        let column = if omit.is_empty() {
            "doc".to_owned()
        } else {
            let mut paths = Vec::new();
            for field in omit {
                paths.push(format!("'{}'", json_path(field)?));
            }
            format!("json_remove(doc, {})", paths.join(", "))
        };
        let (sql, args) = self.select(collection, &column, filter, options)?;
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        if self.inner.readers.is_empty() {
            // In memory there is one connection, the writer's: read everything at once.
            let docs = self.find(collection, filter, options).await?;
            return Ok(crate::json_rows(docs, omit));
        }
        let (tx, rx) = tokio::sync::mpsc::channel(JSON_ROWS_BUFFER);
        let c = collection.to_owned();
        let inner = self.inner.clone();
        // The read runs on a blocking thread while the caller consumes the channel; a failure
        // is the stream's last item.
        tokio::task::spawn_blocking(move || {
            let streamed = inner.with_reader(|conn| {
                if !table_exists(conn, &c)? {
                    return Ok(());
                }
                let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
                let params: Vec<&dyn ToSql> = args.iter().map(|a| a as &dyn ToSql).collect();
                let mut rows = stmt.query(params.as_slice()).map_err(backend)?;
                while let Some(row) = rows.next().map_err(backend)? {
                    let text = row.get::<_, String>(0).map_err(backend)?;
                    // A consumer that went away (the client hung up) ends the read.
                    if tx.blocking_send(Ok(text)).is_err() {
                        break;
                    }
                }
                Ok(())
            });
            if let Err(e) = streamed {
                let _ = tx.blocking_send(Err(e));
            }
        });
        Ok(rx)
    }

    async fn count(&self, collection: &str, filter: &Filter) -> Result<u64> {
        check_collection(collection)?;
        let (where_sql, args) = where_clause(filter, &self.indexed_fields(collection))?;
        let sql = format!("SELECT count(*) FROM \"{collection}\"{where_sql}");
        let c = collection.to_owned();
        self.read(move |conn| {
            if !table_exists(conn, &c)? {
                return Ok(0);
            }
            let params: Vec<&dyn ToSql> = args.iter().map(|a| a as &dyn ToSql).collect();
            conn.query_row(&sql, params.as_slice(), |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(backend)
        })
        .await
    }

    async fn write_batch(&self, writes: Vec<Write>) -> Result<()> {
        for w in &writes {
            let collection = match w {
                Write::Create { collection, doc } | Write::Put { collection, doc } => {
                    document_id(doc)?;
                    collection
                }
                Write::Delete { collection, .. } => collection,
            };
            self.ensure_table(collection).await?;
        }
        self.write(move |conn| {
            let tx = conn.transaction().map_err(backend)?;
            for w in &writes {
                apply_write(&tx, w)?;
            }
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn ensure_index(&self, collection: &str, index: IndexSpec) -> Result<()> {
        self.ensure_table(collection).await?;
        let path = json_path(&index.field)?;
        let name = index_name(collection, &index.field);
        let unique = if index.unique { "UNIQUE " } else { "" };
        let sql = format!(
            "CREATE {unique}INDEX IF NOT EXISTS \"{name}\" ON \"{collection}\" (json_extract(doc, '{path}'))"
        );
        self.write(move |conn| conn.execute_batch(&sql).map_err(backend))
            .await?;
        let mut indexes = self.inner.indexes.write().map_err(backend)?;
        let list = indexes.entry(collection.to_owned()).or_default();
        if !list.contains(&index) {
            list.push(index);
        }
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        self.read(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(backend))
            .await
    }

    async fn close(&self) -> Result<()> {
        self.inner.closed.store(true, Ordering::Release);
        for reader in &self.inner.readers {
            reader.lock().map_err(backend)?.take();
        }
        // Dropping the sender ends the writer loop after the jobs already queued.
        let sender = self.inner.writer.lock().map_err(backend)?.take();
        drop(sender);
        let thread = self.inner.writer_thread.lock().map_err(backend)?.take();
        if let Some(thread) = thread {
            tokio::task::spawn_blocking(move || thread.join())
                .await
                .map_err(backend)?
                .map_err(|_| StoreError::Backend("the SQLite writer thread panicked".into()))?;
        }
        Ok(())
    }

    fn backend_name(&self) -> &'static str {
        "sqlite"
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Ok(mut w) = self.inner.writer.lock() {
            w.take();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Filter;

    #[test]
    fn json_paths_are_quoted_and_checked() {
        assert_eq!(
            json_path("content.@type").unwrap(),
            "$.\"content\".\"@type\""
        );
        assert!(json_path("a'b").is_err());
        assert!(json_path("a..b").is_err());
    }

    #[test]
    fn indexed_string_conditions_are_pushed_down() {
        let f = Filter::eq("peer", "did:e:x").and(Filter::eq("size", "5"));
        let (sql, args) = where_clause(&f, &["peer".into(), "size".into()]).unwrap();
        assert_eq!(
            sql,
            " WHERE json_extract(doc, '$.\"peer\"') = ? AND doc_matches(doc, ?)"
        );
        assert_eq!(args[0], "did:e:x");
    }
}
