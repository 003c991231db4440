//! [`WebServer`]: the console running — a tokio runtime of its own, the
//! listening socket, axum serving [`router`] — and its orderly stop.
//! tokio lives only in this crate, outside the daemons' reactor.

use std::net::SocketAddr;
use std::time::Duration;

use lars_daemon::{Daemon, StartError};
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

use crate::app::{router, App};
use crate::config::WebSettings;

/// How long a stop waits for requests in flight.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// The running console.
pub struct WebServer {
    runtime: Runtime,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
}

impl WebServer {
    /// Binds `settings.listen` and starts serving. The store is opened
    /// here too; when that fails the console still starts (its pages say
    /// the store is unavailable until it answers) and the reason is logged.
    pub fn start(settings: WebSettings) -> Result<WebServer, StartError> {
        let listen = settings.listen;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(8)
            .thread_name("lars-web")
            .enable_all()
            .build()
            .map_err(|e| StartError::io("start the tokio runtime", e))?;
        let listener = std::net::TcpListener::bind(listen)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| StartError::io(format!("listen on {listen}"), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartError::io("read the listening address", e))?;
        if !listen.ip().is_loopback() && settings.admin_token.is_none() {
            log::warn!(
                "lars-web: listening on {listen} without an admin token: anyone who reaches \
                 it may change routes (set [web] admin_token or LARS_WEB_TOKEN)"
            );
        }
        let app = App::new(settings);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let served = runtime.block_on(async {
            if let Err(e) = app.db.warm_up().await {
                log::warn!("lars-web: the store is not available yet: {e}");
            }
            let listener = tokio::net::TcpListener::from_std(listener)
                .map_err(|e| StartError::io(format!("listen on {listen}"), e))?;
            let service = router(app);
            Ok::<_, StartError>(tokio::spawn(async move {
                let stopped = async {
                    let _ = stop_rx.await;
                };
                if let Err(e) = axum::serve(listener, service)
                    .with_graceful_shutdown(stopped)
                    .await
                {
                    log::error!("lars-web: serving stopped: {e}");
                }
            }))
        })?;
        log::info!("lars-web: console on http://{addr}/");
        Ok(WebServer {
            runtime,
            addr,
            stop: Some(stop_tx),
            served: Some(served),
        })
    }

    /// The address the console listens on (the real port when the config
    /// said port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Daemon for WebServer {
    fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            let done = self
                .runtime
                .block_on(async { tokio::time::timeout(STOP_GRACE, served).await });
            if done.is_err() {
                log::warn!(
                    "lars-web: requests still running after {STOP_GRACE:?}; stopping anyway"
                );
            }
        }
        self.runtime.shutdown_timeout(STOP_GRACE);
    }
}
