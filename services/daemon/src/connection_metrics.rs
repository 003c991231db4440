//! [`connection_metrics`]: the metrics of a daemon's TCP server that every
//! daemon with one exports alike — connections refused at accept and
//! closed by the server, by reason.

use std::fmt;

use lars_metrics::Scrape;
use lars_reactor::{OpenConnections, RefusalReason, TimeoutReason};

/// Writes `{prefix}_connections_refused_total{reason}` (`not_allowed`,
/// `max_conn`, `max_conn_per_ip`) and
/// `{prefix}_connections_timed_out_total{reason}` (`idle`,
/// `frame_timeout`) from `connections`.
pub fn connection_metrics(
    out: &mut Scrape,
    prefix: &str,
    connections: &OpenConnections,
) -> fmt::Result {
    let refused: Vec<_> = RefusalReason::ALL
        .iter()
        .map(|r| ([("reason", r.label())], connections.refused(*r)))
        .collect();
    let samples: Vec<_> = refused.iter().map(|(l, v)| (&l[..], *v)).collect();
    out.counters(
        &format!("{prefix}_connections_refused"),
        "Connections refused at accept: outside [reactor] allow, at maxConn, or at max_conn_per_ip for their address.",
        &samples,
    )?;
    let timed_out: Vec<_> = TimeoutReason::ALL
        .iter()
        .map(|r| ([("reason", r.label())], connections.timed_out(*r)))
        .collect();
    let samples: Vec<_> = timed_out.iter().map(|(l, v)| (&l[..], *v)).collect();
    out.counters(
        &format!("{prefix}_connections_timed_out"),
        "Connections the server closed: no complete frame for idle_timeout, or a frame not finished within frame_timeout.",
        &samples,
    )
}
