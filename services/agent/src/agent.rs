//! Starting and stopping the agent: the reporter and DNS links, then the
//! three table threads, then wiring the tables into the DNS link.

use std::net::SocketAddr;
use std::sync::Arc;

use lars_reactor::ClientConfig;

use crate::caller::local_ipv4;
use crate::clock::Clock;
use crate::config::AgentConfig;
use crate::dns_link::DnsLink;
use crate::messages::ToDns;
use crate::reporter_link::ReporterLink;
use crate::table_thread::{Links, TableThread};

pub use crate::lb::TABLES;

/// A running agent. Dropping it stops every thread.
pub struct Agent {
    // Field order: the UDP servers stop before the links.
    tables: Vec<TableThread>,
    _dns: DnsLink,
    _reporter: ReporterLink,
}

impl Agent {
    /// Starts the agent; fails (naming the address) if a UDP port cannot
    /// be bound.
    pub fn start(config: AgentConfig) -> std::io::Result<Agent> {
        let config = Arc::new(config);
        let caller = config.caller_ip.unwrap_or_else(local_ipv4);
        let reporter = ReporterLink::start(
            ClientConfig::new("reporter link", vec![config.reporter]),
            caller,
        )?;
        let dns = DnsLink::start(ClientConfig::new("dns link", config.dns_servers.clone()))?;
        let links = Links {
            dns: dns.queue(),
            reporter: reporter.queue(),
        };
        let clock = Clock::default();
        let pending = (0..TABLES)
            .map(|i| TableThread::start(i, config.clone(), clock, links.clone()))
            .collect::<std::io::Result<Vec<_>>>()?;
        // Wire the tables to the DNS link before any request can arrive, so
        // no route answer finds the link without its tables.
        let queues = pending.iter().map(|t| t.queue()).collect();
        if dns.queue().push(ToDns::AttachTables(queues)).is_err() {
            return Err(std::io::Error::other("DNS link stopped during start"));
        }
        let tables = pending
            .into_iter()
            .map(|t| t.serve())
            .collect::<std::io::Result<Vec<_>>>()?;
        log::info!(
            "agent serving UDP on {} (caller {caller}, DNS {:?}, reporter {})",
            tables
                .iter()
                .map(|t| t.addr().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            config.dns_servers,
            config.reporter
        );
        Ok(Agent {
            tables,
            _dns: dns,
            _reporter: reporter,
        })
    }

    /// The UDP addresses of the tables, in table order.
    pub fn udp_addrs(&self) -> Vec<SocketAddr> {
        self.tables.iter().map(TableThread::addr).collect()
    }

    /// Stops every thread.
    pub fn stop(self) {
        drop(self);
    }
}
