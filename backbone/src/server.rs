//! Running the Backbone on a listener, for the binary and for tests that embed it.

use crate::api;
use crate::config::Config;
use crate::domain::Backbone;
use crate::error::Result;
use axum::ServiceExt;
use axum::extract::Request;
use std::net::SocketAddr;
use std::sync::Arc;
use store::Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::Layer as _;

/// A running Backbone. Dropping it leaves the server running until the runtime ends; call
/// [`ServerHandle::shutdown`] to stop it gracefully.
pub struct ServerHandle {
    address: SocketAddr,
    backbone: Arc<Backbone>,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    housekeeping: JoinHandle<()>,
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// `http://<ip>:<port>`, the `baseUrl` clients are configured with.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn backbone(&self) -> &Arc<Backbone> {
        &self.backbone
    }

    /// Stops accepting connections, lets running requests finish and waits for the server.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.housekeeping.abort();
        match self.server.await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    /// Resolves when the server stops on its own (it only does on an I/O error).
    pub async fn wait(self) -> std::io::Result<()> {
        let ServerHandle { server, .. } = self;
        match server.await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// Serves the Consumer API on `listener` with `store` as its database.
pub async fn serve(
    config: Config,
    store: Arc<dyn Store>,
    listener: TcpListener,
) -> Result<ServerHandle> {
    let address = listener
        .local_addr()
        .map_err(|e| store::StoreError::Backend(format!("listener: {e}")))?;
    let interval = config.housekeeping_interval;
    let backbone = Arc::new(Backbone::new(config, store).await?);
    let app =
        tower::util::MapRequestLayer::new(api::normalize_path).layer(api::router(backbone.clone()));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, ServiceExt::<Request>::into_make_service(app))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let housekeeper = backbone.clone();
    let housekeeping = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        loop {
            ticks.tick().await;
            if let Err(e) = housekeeper.run_housekeeping().await {
                tracing::warn!(error = %e, "housekeeping failed");
            }
        }
    });
    Ok(ServerHandle {
        address,
        backbone,
        stop: Some(stop),
        server,
        housekeeping,
    })
}
