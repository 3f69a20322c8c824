//! Opens the store the configuration asks for, with each operation's latency recorded
//! ([`store::Metered`]).

use crate::config::{DatabaseConfig, DatabaseDriver};
use std::sync::Arc;
use store::Store;

pub async fn open(config: &DatabaseConfig) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match config.driver {
        DatabaseDriver::Sqlite => {
            let store =
                store::sqlite::SqliteStore::open_in_folder(&config.folder, &config.db_name).await?;
            tracing::info!(
                "embedded database at {}",
                store
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
            Arc::new(store::Metered::new(store))
        }
        DatabaseDriver::Mongodb => {
            let uri = config
                .connection_string
                .as_ref()
                .map(|s| s.expose().to_owned())
                .unwrap_or_default();
            let store = store::mongo::MongoStore::connect(&uri, &config.db_name).await?;
            store
                .ping()
                .await
                .map_err(|e| anyhow::anyhow!("cannot reach MongoDB: {e}"))?;
            tracing::info!("MongoDB database `{}`", config.db_name);
            Arc::new(store::Metered::new(store))
        }
    })
}
