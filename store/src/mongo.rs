//! The production backend: one MongoDB database per identity (`dbName`), one collection per
//! store collection, documents stored as they are with their own `id` (the driver's `_id` is
//! left to MongoDB and never returned), as the official Connector's MongoDB driver does.
//!
//! The translation from [`Filter`], [`IndexSpec`] and [`FindOptions`] to MongoDB commands lives
//! in pure functions so unit tests can pin exactly what is sent without a server.

use crate::{
    Document, FindOptions, IndexSpec, Result, Store, StoreError, Write, check_collection,
    document_id,
    filter::{Condition, Filter, Op, candidates},
    journal::{self, Journal},
};
use async_trait::async_trait;
use futures_util::TryStreamExt;
use mongodb::{
    Client, Collection, Database, IndexModel,
    bson::{self, Bson, Document as Bdoc, doc},
    error::{ErrorKind, WriteFailure},
    options::IndexOptions,
};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Mutex;

pub struct MongoStore {
    client: Client,
    db: Database,
    topology: Topology,
    /// Collections whose unique `id` index is known to exist.
    prepared: Mutex<HashSet<String>>,
    /// Batches on a server without transactions.
    journal: Journal,
}

/// What the server said it is in its `hello` answer; decides how a batch is made atomic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// A replica set member: every batch is one multi-document transaction.
    ReplicaSet,
    /// A `mongos` router in front of shards: transactions as on a replica set.
    Sharded,
    /// A single server (or FerretDB): no transactions, so batches go through the
    /// [`crate::journal`].
    Standalone,
}

impl Topology {
    /// Classifies a `hello` (or legacy `isMaster`) answer.
    pub fn of_hello(hello: &Bdoc) -> Self {
        if hello.get_str("msg").is_ok_and(|m| m == "isdbgrid") {
            Topology::Sharded
        } else if hello.contains_key("setName") {
            Topology::ReplicaSet
        } else {
            Topology::Standalone
        }
    }

    pub fn has_transactions(self) -> bool {
        self != Topology::Standalone
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

const DUPLICATE_KEY: i32 = 11000;

fn is_duplicate(e: &mongodb::error::Error) -> bool {
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == DUPLICATE_KEY,
        ErrorKind::Command(c) => c.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .is_some_and(|errs| errs.iter().any(|w| w.code == DUPLICATE_KEY)),
        _ => e.to_string().contains("E11000"),
    }
}

impl MongoStore {
    pub async fn connect(connection_string: &str, db_name: &str) -> Result<Self> {
        let client = Client::with_uri_str(connection_string)
            .await
            .map_err(backend)?;
        let db = client.database(db_name);
        let topology = Topology::of_hello(&hello(&client).await?);
        tracing::info!(
            ?topology,
            "MongoDB: {}",
            if topology.has_transactions() {
                "each batch is a transaction"
            } else {
                "no transactions, each batch goes through the write journal"
            }
        );
        let store = Self {
            client,
            db,
            topology,
            prepared: Mutex::new(HashSet::new()),
            journal: Journal::new(),
        };
        // Batches a crash interrupted are completed before anything reads. A server that was
        // standalone then may be a replica set now, so this runs on every topology.
        let recovered = journal::recover(&store).await?;
        if recovered > 0 {
            tracing::warn!(recovered, "completed store batches a stop had interrupted");
        }
        Ok(store)
    }

    pub fn topology(&self) -> Topology {
        self.topology
    }

    async fn collection(&self, name: &str) -> Result<Collection<Bdoc>> {
        check_collection(name)?;
        let coll = self.db.collection::<Bdoc>(name);
        let known = self.prepared.lock().map_err(backend)?.contains(name);
        if !known {
            coll.create_index(index_model(&IndexSpec::unique("id")))
                .await
                .map_err(backend)?;
            self.prepared
                .lock()
                .map_err(backend)?
                .insert(name.to_owned());
        }
        Ok(coll)
    }

    async fn apply(
        &self,
        write: &Write,
        session: Option<&mut mongodb::ClientSession>,
    ) -> Result<()> {
        match write {
            Write::Create { collection, doc } => {
                let coll = self.collection(collection).await?;
                let d = to_bson_doc(doc)?;
                let res = match session {
                    Some(s) => coll.insert_one(d).session(s).await,
                    None => coll.insert_one(d).await,
                };
                res.map(|_| ()).map_err(|e| {
                    if is_duplicate(&e) {
                        StoreError::Duplicate(
                            document_id(doc).unwrap_or_default().to_owned(),
                            collection.clone(),
                        )
                    } else {
                        backend(e)
                    }
                })
            }
            Write::Put { collection, doc } => {
                let coll = self.collection(collection).await?;
                let sel = id_selector(document_id(doc)?);
                let d = to_bson_doc(doc)?;
                let res = match session {
                    Some(s) => coll.replace_one(sel, d).upsert(true).session(s).await,
                    None => coll.replace_one(sel, d).upsert(true).await,
                };
                res.map(|_| ()).map_err(backend)
            }
            Write::Delete { collection, id } => {
                let coll = self.collection(collection).await?;
                let res = match session {
                    Some(s) => coll.delete_one(id_selector(id)).session(s).await,
                    None => coll.delete_one(id_selector(id)).await,
                };
                res.map(|_| ()).map_err(backend)
            }
        }
    }
}

/// The server's `hello` answer; servers before 4.4.2 only know the legacy `isMaster`.
async fn hello(client: &Client) -> Result<Bdoc> {
    let admin = client.database("admin");
    match admin.run_command(doc! { "hello": 1 }).await {
        Ok(answer) => Ok(answer),
        Err(_) => admin
            .run_command(doc! { "isMaster": 1 })
            .await
            .map_err(backend),
    }
}

pub fn id_selector(id: &str) -> Bdoc {
    doc! { "id": id }
}

/// Documents are returned without MongoDB's own `_id`.
pub fn projection() -> Bdoc {
    doc! { "_id": 0 }
}

pub fn index_model(index: &IndexSpec) -> IndexModel {
    IndexModel::builder()
        .keys(doc! { index.field.as_str(): 1 })
        .options(IndexOptions::builder().unique(index.unique).build())
        .build()
}

pub fn sort_document(options: &FindOptions) -> Bdoc {
    let mut sort = Bdoc::new();
    for s in &options.sort {
        sort.insert(s.field.clone(), if s.descending { -1 } else { 1 });
    }
    // Insertion order breaks ties, as in the embedded store.
    sort.insert("_id", 1);
    sort
}

fn json_to_bson(v: &Value) -> Result<Bson> {
    bson::to_bson(v).map_err(backend)
}

fn to_bson_doc(v: &Value) -> Result<Bdoc> {
    bson::to_document(v).map_err(backend)
}

fn from_bson_doc(d: Bdoc) -> Value {
    Bson::Document(d).into_relaxed_extjson()
}

/// Escapes a literal for use inside a regular expression.
fn regex_literal(s: &str) -> String {
    regex::escape(s)
}

pub fn filter_document(filter: &Filter) -> Result<Bdoc> {
    Ok(match filter {
        Filter::All => Bdoc::new(),
        Filter::Cond(c) => condition_document(c)?,
        Filter::And(fs) => {
            doc! { "$and": fs.iter().map(|f| filter_document(f).map(Bson::Document)).collect::<Result<Vec<_>>>()? }
        }
        Filter::Or(fs) => {
            doc! { "$or": fs.iter().map(|f| filter_document(f).map(Bson::Document)).collect::<Result<Vec<_>>>()? }
        }
    })
}

fn all_candidates(value: &Value) -> Result<Vec<Bson>> {
    let values = match value {
        Value::Array(items) => items.iter().flat_map(candidates).collect(),
        v => candidates(v),
    };
    values.iter().map(json_to_bson).collect()
}

fn condition_document(c: &Condition) -> Result<Bdoc> {
    let f = c.field.as_str();
    Ok(match c.op {
        Op::Eq => {
            let cands = all_candidates(&c.value)?;
            if cands.len() == 1 {
                doc! { f: cands[0].clone() }
            } else {
                doc! { f: { "$in": cands } }
            }
        }
        Op::Ne | Op::NotIn => doc! { f: { "$nin": all_candidates(&c.value)? } },
        Op::In => doc! { f: { "$in": all_candidates(&c.value)? } },
        Op::Exists => doc! { f: { "$exists": true } },
        Op::NotExists => doc! { f: { "$exists": false } },
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
            let op = match c.op {
                Op::Gt => "$gt",
                Op::Gte => "$gte",
                Op::Lt => "$lt",
                _ => "$lte",
            };
            let mut parts: Vec<Bson> = all_candidates(&c.value)?
                .into_iter()
                .filter(|b| !matches!(b, Bson::Null))
                .map(|b| Bson::Document(doc! { f: { op: b } }))
                .collect();
            if parts.len() == 1 {
                match parts.pop() {
                    Some(Bson::Document(d)) => d,
                    _ => Bdoc::new(),
                }
            } else {
                doc! { "$or": parts }
            }
        }
        Op::StartsWith | Op::EndsWith | Op::Contains => {
            let text = match &c.value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let lit = regex_literal(&text);
            let pattern = match c.op {
                Op::StartsWith => format!("^{lit}"),
                Op::EndsWith => format!("{lit}$"),
                _ => lit,
            };
            doc! { f: { "$regex": pattern, "$options": "i" } }
        }
    })
}

#[async_trait]
impl Store for MongoStore {
    async fn create(&self, collection: &str, doc: Document) -> Result<()> {
        document_id(&doc)?;
        self.apply(
            &Write::Create {
                collection: collection.to_owned(),
                doc,
            },
            None,
        )
        .await
    }

    async fn put(&self, collection: &str, doc: Document) -> Result<()> {
        document_id(&doc)?;
        self.apply(
            &Write::Put {
                collection: collection.to_owned(),
                doc,
            },
            None,
        )
        .await
    }

    async fn update(&self, collection: &str, doc: Document) -> Result<()> {
        let id = document_id(&doc)?.to_owned();
        let coll = self.collection(collection).await?;
        let res = coll
            .replace_one(id_selector(&id), to_bson_doc(&doc)?)
            .await
            .map_err(backend)?;
        if res.matched_count == 0 {
            Err(StoreError::NotFound(id, collection.to_owned()))
        } else {
            Ok(())
        }
    }

    async fn get(&self, collection: &str, id: &str) -> Result<Option<Document>> {
        let coll = self.collection(collection).await?;
        let found = coll
            .find_one(id_selector(id))
            .projection(projection())
            .await
            .map_err(backend)?;
        Ok(found.map(from_bson_doc))
    }

    async fn delete(&self, collection: &str, id: &str) -> Result<bool> {
        let coll = self.collection(collection).await?;
        let res = coll.delete_one(id_selector(id)).await.map_err(backend)?;
        Ok(res.deleted_count > 0)
    }

    async fn find(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Vec<Document>> {
        let coll = self.collection(collection).await?;
        let mut action = coll
            .find(filter_document(filter)?)
            .projection(projection())
            .sort(sort_document(options))
            .skip(options.skip);
        if let Some(limit) = options.limit {
            action = action.limit(limit as i64);
        }
        let cursor = action.await.map_err(backend)?;
        let docs: Vec<Bdoc> = cursor.try_collect().await.map_err(backend)?;
        Ok(docs.into_iter().map(from_bson_doc).collect())
    }

    async fn count(&self, collection: &str, filter: &Filter) -> Result<u64> {
        let coll = self.collection(collection).await?;
        coll.count_documents(filter_document(filter)?)
            .await
            .map_err(backend)
    }

    async fn write_batch(&self, writes: Vec<Write>) -> Result<()> {
        // Collections (and their id index) cannot be created inside a transaction.
        for w in &writes {
            let c = match w {
                Write::Create { collection, .. }
                | Write::Put { collection, .. }
                | Write::Delete { collection, .. } => collection,
            };
            self.collection(c).await?;
        }
        if !self.topology.has_transactions() {
            return self.journal.write_batch(self, writes).await;
        }
        let mut session = self.client.start_session().await.map_err(backend)?;
        session.start_transaction().await.map_err(backend)?;
        for w in &writes {
            if let Err(e) = self.apply(w, Some(&mut session)).await {
                let _ = session.abort_transaction().await;
                return Err(e);
            }
        }
        session.commit_transaction().await.map_err(backend)
    }

    async fn ensure_index(&self, collection: &str, index: IndexSpec) -> Result<()> {
        let coll = self.collection(collection).await?;
        coll.create_index(index_model(&index))
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn ping(&self) -> Result<()> {
        self.db
            .run_command(doc! { "ping": 1 })
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn close(&self) -> Result<()> {
        self.client.clone().shutdown().await;
        Ok(())
    }

    fn backend_name(&self) -> &'static str {
        "mongodb"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_query;
    use serde_json::json;

    fn translate(pairs: &[(&str, &str)]) -> Bdoc {
        let f = parse_query(
            pairs.iter().copied(),
            &["peer", "status", "size", "content.subject"],
        )
        .unwrap();
        filter_document(&f).unwrap()
    }

    #[test]
    fn topology_from_hello() {
        // Trimmed answers of MongoDB 7 as standalone, replica set member and mongos, and of
        // FerretDB, which answers like a standalone server.
        let standalone = doc! {"isWritablePrimary": true, "maxWireVersion": 21, "ok": 1.0};
        let replica =
            doc! {"isWritablePrimary": true, "setName": "rs0", "hosts": ["h:27017"], "ok": 1.0};
        let mongos = doc! {"isWritablePrimary": true, "msg": "isdbgrid", "ok": 1.0};
        let ferret =
            doc! {"ismaster": true, "isWritablePrimary": true, "maxWireVersion": 21, "ok": 1.0};
        assert_eq!(Topology::of_hello(&standalone), Topology::Standalone);
        assert_eq!(Topology::of_hello(&replica), Topology::ReplicaSet);
        assert_eq!(Topology::of_hello(&mongos), Topology::Sharded);
        assert_eq!(Topology::of_hello(&ferret), Topology::Standalone);
        assert!(!Topology::Standalone.has_transactions());
        assert!(Topology::ReplicaSet.has_transactions() && Topology::Sharded.has_transactions());
    }

    #[test]
    fn equality_and_widened_candidates() {
        assert_eq!(
            translate(&[("peer", "did:e:x")]),
            doc! { "peer": "did:e:x" }
        );
        assert_eq!(
            translate(&[("size", "5")]),
            doc! { "size": { "$in": ["5", 5_i64] } }
        );
        assert_eq!(
            translate(&[("status", "true")]),
            doc! { "status": { "$in": ["true", true] } }
        );
    }

    #[test]
    fn negation_existence_and_lists() {
        assert_eq!(
            translate(&[("peer", "!x")]),
            doc! { "peer": { "$nin": ["x"] } }
        );
        assert_eq!(
            translate(&[("peer", "")]),
            doc! { "peer": { "$exists": true } }
        );
        assert_eq!(
            translate(&[("peer", "!")]),
            doc! { "peer": { "$exists": false } }
        );
        assert_eq!(
            translate(&[("status", "Active"), ("status", "Pending")]),
            doc! { "status": { "$in": ["Active", "Pending"] } }
        );
    }

    #[test]
    fn ranges_cover_string_and_number() {
        assert_eq!(
            translate(&[("peer", ">b")]),
            doc! { "peer": { "$gt": "b" } }
        );
        assert_eq!(
            translate(&[("size", ">=5")]),
            doc! { "$or": [ { "size": { "$gte": "5" } }, { "size": { "$gte": 5_i64 } } ] }
        );
    }

    #[test]
    fn text_operators_are_escaped_case_insensitive_regexes() {
        assert_eq!(
            translate(&[("content.subject", "^a.b")]),
            doc! { "content.subject": { "$regex": "^a\\.b", "$options": "i" } }
        );
        assert_eq!(
            translate(&[("peer", "$x")]),
            doc! { "peer": { "$regex": "x$", "$options": "i" } }
        );
        assert_eq!(
            translate(&[("peer", "~(x)")]),
            doc! { "peer": { "$regex": "\\(x\\)", "$options": "i" } }
        );
    }

    #[test]
    fn conjunctions_and_disjunctions() {
        assert_eq!(
            translate(&[("peer", "a"), ("status", "b")]),
            doc! { "$and": [ { "peer": "a" }, { "status": "b" } ] }
        );
        let or = Filter::Or(vec![Filter::eq("peer", "a"), Filter::eq("status", "b")]);
        assert_eq!(
            filter_document(&or).unwrap(),
            doc! { "$or": [ { "peer": "a" }, { "status": "b" } ] }
        );
        assert_eq!(filter_document(&Filter::All).unwrap(), doc! {});
    }

    #[test]
    fn index_and_sort_specs() {
        let m = index_model(&IndexSpec::unique("id"));
        assert_eq!(m.keys, doc! { "id": 1 });
        assert_eq!(m.options.and_then(|o| o.unique), Some(true));
        let m = index_model(&IndexSpec::on("content.@type"));
        assert_eq!(m.keys, doc! { "content.@type": 1 });
        assert_eq!(
            sort_document(&FindOptions::sorted_by("createdAt", true)),
            doc! { "createdAt": -1, "_id": 1 }
        );
        assert_eq!(id_selector("MSG1"), doc! { "id": "MSG1" });
        assert_eq!(projection(), doc! { "_id": 0 });
    }

    #[test]
    fn documents_round_trip_through_bson() {
        let v = json!({"id": "X", "n": 5, "f": 1.5, "b": true, "a": [1, "two"], "o": {"k": null}});
        assert_eq!(from_bson_doc(to_bson_doc(&v).unwrap()), v);
    }
}
