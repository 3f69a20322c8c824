//! `kv`: a durable key-value store per module, kept in the Connector's store. Keys are
//! prefixed with the module's name, so a module can never read another's entries.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::sync::Arc;
use store::Store;

const COLLECTION: &str = "ModuleKv";
const MAX_KEY: usize = 512;
const MAX_VALUE: usize = 1 << 20;

pub struct KvCapability {
    module: String,
    store: Arc<dyn Store>,
}

impl KvCapability {
    pub fn new(module: &str, store: Arc<dyn Store>) -> Self {
        Self {
            module: module.to_owned(),
            store,
        }
    }

    fn id(&self, key: &str) -> Result<String, String> {
        if key.is_empty() || key.len() > MAX_KEY {
            return Err(format!("kv keys must be 1 to {MAX_KEY} bytes"));
        }
        Ok(format!("{}/{}", self.module, key))
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        let id = self.id(key)?;
        let doc = self
            .store
            .get(COLLECTION, &id)
            .await
            .map_err(|e| e.to_string())?;
        doc.and_then(|d| d.get("value").and_then(Value::as_str).map(str::to_owned))
            .map(|encoded| {
                STANDARD
                    .decode(encoded)
                    .map_err(|e| format!("stored value is corrupt: {e}"))
            })
            .transpose()
    }

    pub async fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        let id = self.id(key)?;
        if value.len() > MAX_VALUE {
            return Err(format!("kv values are limited to {MAX_VALUE} bytes"));
        }
        let doc =
            json!({"id": id, "module": self.module, "key": key, "value": STANDARD.encode(value)});
        self.store
            .put(COLLECTION, doc)
            .await
            .map_err(|e| e.to_string())
    }

    pub async fn delete(&self, key: &str) -> Result<(), String> {
        let id = self.id(key)?;
        self.store
            .delete(COLLECTION, &id)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
