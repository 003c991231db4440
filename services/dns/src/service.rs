//! Starting and stopping the DNS service: open the store (with retries),
//! load the first snapshot, clear RouteChange, start the TCP server and the
//! refresher.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lars_daemon::{Daemon, StartError};
use lars_metrics::MetricsServer;
use lars_reactor::TcpServer;
use lars_store::{open_route_store, RouteMap, RouteStore};

use crate::config::DnsConfig;
use crate::handlers::make_handlers;
use crate::metrics::{health, DnsCollector, DnsMetrics};
use crate::oversize::{keep_deliverable, OversizeLog};
use crate::refresher::Refresher;
use crate::schedule::RefreshSchedule;
use crate::snapshot::{RouteSnapshot, SharedSnapshot};
use crate::state::DnsState;

/// A running DNS service. Dropping it stops everything.
pub struct DnsService {
    // Field order: the HTTP endpoint and the refresher stop before the
    // server.
    http: Option<MetricsServer>,
    _refresher: Refresher,
    server: TcpServer,
    state: Arc<DnsState>,
}

impl DnsService {
    /// Starts the service; fails if the store stays unreachable for
    /// `store_connect_attempts` tries, fails permanently (at once), or the
    /// port cannot be bound.
    pub fn start(config: DnsConfig) -> Result<DnsService, StartError> {
        let mut store = connect_with_retries(&config)?;
        let version = store.version()?;
        let mut routes = store.load_routes()?;
        let oversized = keep_deliverable(&mut routes, &RouteMap::new());
        let mut oversize_log = OversizeLog::default();
        oversize_log.report(version, &oversized);
        store.clear_changes()?;
        log::info!(
            "loaded {} modules at route version {version} from {}",
            routes.len(),
            store.describe()
        );
        let state = Arc::new(DnsState {
            snapshot: SharedSnapshot::new(RouteSnapshot { version, routes }),
            subscriptions: Default::default(),
            max_subscriptions_per_conn: config.max_subscriptions_per_conn,
            metrics: DnsMetrics::default(),
        });
        let handler_state = state.clone();
        let server = TcpServer::start(config.server.clone(), move || {
            make_handlers(handler_state.clone())
        })
        .map_err(|e| StartError::io(format!("listen on {}", config.server.addr), e))?;
        let schedule = RefreshSchedule::new(config.reload_interval, version, Instant::now());
        let refresher = Refresher::start(
            store,
            state.clone(),
            schedule,
            config.poll_interval,
            oversize_log,
        )
        .map_err(|e| StartError::io("start the refresher thread", e))?;
        log::info!("lars-dns serving on {}", server.local_addr());
        let http = match config.metrics_listen {
            None => None,
            Some(listen) => {
                let collector = DnsCollector {
                    state: state.clone(),
                    connections: server.open_connections(),
                };
                let health_state = state.clone();
                let server = MetricsServer::start(
                    "lars-dns",
                    listen,
                    collector,
                    move || health(&health_state),
                    None,
                )
                .map_err(|e| StartError::io(format!("[metrics] listen {listen}"), e))?;
                Some(server)
            }
        };
        Ok(DnsService {
            http,
            _refresher: refresher,
            server,
            state,
        })
    }

    /// The address the service listens on.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.server.local_addr()
    }

    /// Where the HTTP endpoint listens, if `[metrics] listen` is set.
    pub fn http_addr(&self) -> Option<std::net::SocketAddr> {
        self.http.as_ref().map(MetricsServer::local_addr)
    }

    /// The route version being served.
    pub fn version(&self) -> u64 {
        self.state.snapshot.load().version
    }

    /// Number of (module, connection) subscriptions.
    pub fn subscription_count(&self) -> usize {
        self.state.subscriptions.lock().len()
    }

    /// Open connections.
    pub fn connection_count(&self) -> usize {
        self.server.connection_count()
    }

    /// Stops the refresher and the server.
    pub fn stop(self) {
        drop(self);
    }
}

impl Daemon for DnsService {
    fn stop(self) {
        DnsService::stop(self);
    }
}

fn connect_with_retries(config: &DnsConfig) -> Result<Box<dyn RouteStore>, StartError> {
    let attempts = config.store_connect_attempts;
    for attempt in 1..=attempts {
        match open_route_store(&config.store) {
            Ok(store) => return Ok(store),
            Err(e) if attempt < attempts && !e.is_permanent() => {
                log::warn!(
                    "route store {}: {e} (attempt {attempt} of {attempts})",
                    config.store
                );
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => return Err(e.into()),
        }
    }
    unreachable!("at least one attempt is made")
}
