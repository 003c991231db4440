//! [`LarsClient`]: the four calls of the Lars API — `get_host`,
//! `report`, `get_route`, `reg_init` — over the agent's three UDP ports.
//!
//! Unlike the original, no call waits forever: each waits for its answer at
//! most [`ClientOptions::timeout`] in all, skipping stale answers to earlier
//! calls that timed out.

use crate::fast_path::FastPath;
use crate::transport::UdpTransport;
use crate::types::{ApiError, ClientOptions};
use lars_proto::{msgid, GetHostRequest, GetHostResponse, GetRouteRequest, GetRouteResponse};
use lars_proto::{HostAddr, ModuleId, ReportRequest, RetCode, Route, RouteWireError};
use prost::Message;
use std::net::SocketAddrV4;
use std::time::{Duration, Instant};

/// How many times [`LarsClient::reg_init`] asks for the route.
pub const REG_INIT_ATTEMPTS: u32 = 3;
/// The pause between two [`LarsClient::reg_init`] attempts.
pub const REG_INIT_INTERVAL: Duration = Duration::from_millis(50);

/// A connection to the local LB agent.
///
/// One client is used by one thread at a time (the calls that wait for an
/// answer take `&mut self`); a multi-threaded caller gives each thread its
/// own client. A call allocates nothing but the host list of `get_route`.
///
/// ```no_run
/// use lars_api::{ClientOptions, LarsClient, ModuleId, RetCode};
/// use std::time::Duration;
///
/// let mut client = LarsClient::with_options(ClientOptions {
///     timeout: Duration::from_millis(20),
///     ..ClientOptions::default()
/// })?;
/// let module = ModuleId::new(1, 1);
/// if client.reg_init(module) != RetCode::Succ {
///     eprintln!("module {module} has no hosts yet");
/// }
/// match client.get_host(module) {
///     Ok((RetCode::Succ, Some(host))) => {
///         let call_went_well = true; // ... call `host` here ...
///         let code = if call_went_well { RetCode::Succ } else { RetCode::Overload };
///         client.report(module, host, code)?;
///     }
///     Ok((code, _)) => eprintln!("no host: {code}"),
///     Err(e) => eprintln!("agent trouble: {e}"),
/// }
/// # Ok::<(), lars_api::ApiError>(())
/// ```
pub struct LarsClient {
    transport: UdpTransport,
    /// The shared-memory segments, unless the options say UDP only.
    fast: Option<FastPath>,
    options: ClientOptions,
    /// The seq of the last GetHostRequest; answers with a lower one are stale.
    seq: u32,
}

impl LarsClient {
    /// A client of the agent on 127.0.0.1:8888..8890 with a 50 ms timeout.
    pub fn new() -> Result<LarsClient, ApiError> {
        LarsClient::with_options(ClientOptions::default())
    }

    /// A client with the given options: three sockets bound to ephemeral
    /// local ports and connected to the agent's ports. Errors when the
    /// options are not valid ([`ClientOptions::validate`]) or a socket
    /// cannot be opened.
    pub fn with_options(options: ClientOptions) -> Result<LarsClient, ApiError> {
        Ok(LarsClient {
            transport: UdpTransport::open(&options)?,
            fast: FastPath::new(&options),
            options,
            seq: 0,
        })
    }

    /// The options the client was made with.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Whether calls about `module` go through the agent's shared memory
    /// now (docs/SHM.md); UDP otherwise.
    pub fn uses_shared_memory(&self, module: ModuleId) -> bool {
        self.fast.as_ref().is_some_and(|f| f.attached(module))
    }

    /// The agent port that serves `module`
    /// ([`ModuleId::agent_port_index`]).
    pub fn agent_addr(&self, module: ModuleId) -> SocketAddrV4 {
        self.transport.agent(module.agent_port_index())
    }

    /// Asks the agent for one host of `module`.
    ///
    /// `Ok((RetCode::Succ, Some(host)))` when a host was chosen, otherwise
    /// the agent's code (`Overload`, `NoExist`, or `SystemError` for a code
    /// it should not send) and `None`. An error when no matching answer came
    /// within the timeout ([`ApiError::Timeout`]), a socket failed, or the
    /// answer was for another request ([`ApiError::BadReply`]); answers to
    /// earlier requests that timed out are skipped.
    pub fn get_host(&mut self, module: ModuleId) -> Result<(RetCode, Option<HostAddr>), ApiError> {
        self.pick(module, None)
    }

    /// Like [`get_host`](Self::get_host), for a module whose policy is
    /// `hash`: requests with the same `key` get the same host while it is
    /// idle, on every agent that has the same route (other policies ignore
    /// the key). Hash a text key with [`hash_key`](lars_proto::hash_key).
    ///
    /// ```no_run
    /// use lars_api::{hash_key, LarsClient, ModuleId};
    /// let mut client = LarsClient::new()?;
    /// let (code, host) = client.get_host_by_key(ModuleId::new(1, 1), hash_key(b"user-42"))?;
    /// # Ok::<(), lars_api::ApiError>(())
    /// ```
    pub fn get_host_by_key(
        &mut self,
        module: ModuleId,
        key: u64,
    ) -> Result<(RetCode, Option<HostAddr>), ApiError> {
        self.pick(module, Some(key))
    }

    fn pick(
        &mut self,
        module: ModuleId,
        hash_key: Option<u64>,
    ) -> Result<(RetCode, Option<HostAddr>), ApiError> {
        if let Some(answer) = self.fast.as_mut().and_then(|f| f.pick(module)) {
            return Ok(answer);
        }
        let deadline = Instant::now() + self.options.timeout;
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let idx = module.agent_port_index();
        let ModuleId { modid, cmdid } = module;
        let req = GetHostRequest {
            seq,
            modid,
            cmdid,
            hash_key,
        };
        self.transport.send(idx, msgid::GET_HOST_REQUEST, &req)?;
        let what = || format!("get_host {module} seq {seq}");
        loop {
            let (id, body) = self.transport.recv(idx, deadline)?;
            match id {
                msgid::GET_HOST_RESPONSE => {}
                // The answer to an earlier get_route that timed out.
                msgid::API_GET_ROUTE_RESPONSE => continue,
                other => return Err(ApiError::BadReply(format!("{}: msgid {other}", what()))),
            }
            let rsp = GetHostResponse::decode(body)
                .map_err(|e| ApiError::BadReply(format!("{}: {e}", what())))?;
            if is_stale(seq, rsp.seq) {
                continue;
            }
            if (rsp.seq, rsp.modid, rsp.cmdid) != (seq, modid, cmdid) {
                return Err(ApiError::BadReply(format!(
                    "{}: answer is for {}/{} seq {}",
                    what(),
                    rsp.modid,
                    rsp.cmdid,
                    rsp.seq
                )));
            }
            return match RetCode::from_wire(rsp.retcode) {
                RetCode::Succ => {
                    let info = rsp.host.ok_or_else(|| {
                        ApiError::BadReply(format!("{}: RET_SUCC without a host", what()))
                    })?;
                    let host = HostAddr::from_wire(&info)
                        .map_err(|e| ApiError::BadReply(format!("{}: {e}", what())))?;
                    Ok((RetCode::Succ, Some(host)))
                }
                code => Ok((code, None)),
            };
        }
    }

    /// Tells the agent how a call to `host` of `module` went:
    /// [`RetCode::Succ`] for a success, anything else for a failure. Sent
    /// and forgotten: the agent does not answer. Errors only when the
    /// datagram could not be sent.
    pub fn report(&self, module: ModuleId, host: HostAddr, code: RetCode) -> Result<(), ApiError> {
        self.send_report(module, host, code, None)
    }

    /// Like [`report`](Self::report), with how long the call took: the
    /// `ewma` policy sends more traffic to faster hosts. Durations are sent
    /// in whole microseconds, at most `u32::MAX` (71 minutes).
    ///
    /// ```no_run
    /// use lars_api::{LarsClient, ModuleId, RetCode};
    /// use std::time::Instant;
    /// let mut client = LarsClient::new()?;
    /// let module = ModuleId::new(1, 1);
    /// if let (RetCode::Succ, Some(host)) = client.get_host(module)? {
    ///     let started = Instant::now();
    ///     // ... call `host` ...
    ///     client.report_with_latency(module, host, RetCode::Succ, started.elapsed())?;
    /// }
    /// # Ok::<(), lars_api::ApiError>(())
    /// ```
    pub fn report_with_latency(
        &self,
        module: ModuleId,
        host: HostAddr,
        code: RetCode,
        latency: Duration,
    ) -> Result<(), ApiError> {
        let micros = u32::try_from(latency.as_micros()).unwrap_or(u32::MAX);
        self.send_report(module, host, code, Some(micros))
    }

    fn send_report(
        &self,
        module: ModuleId,
        host: HostAddr,
        code: RetCode,
        latency_us: Option<u32>,
    ) -> Result<(), ApiError> {
        if let Some(fast) = &self.fast {
            if fast.report(module, host, code.to_wire(), latency_us) {
                return Ok(());
            }
        }
        let req = ReportRequest {
            modid: module.modid,
            cmdid: module.cmdid,
            host: Some(host.to_wire()),
            retcode: code.to_wire(),
            latency_us,
        };
        let idx = module.agent_port_index();
        Ok(self.transport.send(idx, msgid::REPORT_REQUEST, &req)?)
    }

    /// Every host of `module`, idle and overloaded alike, in the agent's
    /// order. An empty list when the agent does not know the module yet (it
    /// starts pulling the route). Answers about other modules (late answers
    /// to earlier calls) are skipped until the timeout.
    pub fn get_route(&mut self, module: ModuleId) -> Result<Vec<HostAddr>, ApiError> {
        let mut hosts = Vec::new();
        if self
            .fast
            .as_mut()
            .is_some_and(|f| f.route(module, &mut hosts))
        {
            return Ok(hosts);
        }
        Ok(self
            .get_route_detail(module)?
            .hosts
            .into_iter()
            .map(|h| h.host)
            .collect())
    }

    /// Like [`get_route`](Self::get_route), with each host's weight and
    /// the module's policy and panic threshold as the agent holds them (an
    /// agent that does not send them — the original — gives weight 1 and
    /// `rr`).
    ///
    /// ```no_run
    /// use lars_api::{LarsClient, ModuleId};
    /// let mut client = LarsClient::new()?;
    /// let route = client.get_route_detail(ModuleId::new(1, 1))?;
    /// println!("policy {}", route.policy.policy);
    /// for h in &route.hosts {
    ///     println!("{} weight {}", h.host, h.weight);
    /// }
    /// # Ok::<(), lars_api::ApiError>(())
    /// ```
    pub fn get_route_detail(&mut self, module: ModuleId) -> Result<Route, ApiError> {
        let deadline = Instant::now() + self.options.timeout;
        let idx = module.agent_port_index();
        let ModuleId { modid, cmdid } = module;
        let req = GetRouteRequest {
            modid,
            cmdid,
            want_version: false,
        };
        self.transport
            .send(idx, msgid::API_GET_ROUTE_REQUEST, &req)?;
        let what = || format!("get_route {module}");
        loop {
            let (id, body) = self.transport.recv(idx, deadline)?;
            match id {
                msgid::API_GET_ROUTE_RESPONSE => {}
                // The answer to an earlier get_host that timed out.
                msgid::GET_HOST_RESPONSE => continue,
                other => return Err(ApiError::BadReply(format!("{}: msgid {other}", what()))),
            }
            let rsp = GetRouteResponse::decode(body)
                .map_err(|e| ApiError::BadReply(format!("{}: {e}", what())))?;
            if (rsp.modid, rsp.cmdid) != (modid, cmdid) {
                continue;
            }
            // A bad host makes the answer bad (as in the original's
            // client); a policy this build does not know reads as `rr`.
            let (route, problems) = Route::from_response(&rsp);
            for problem in problems {
                match problem {
                    RouteWireError::Host(e) => {
                        return Err(ApiError::BadReply(format!("{}: {e}", what())))
                    }
                    other => log::debug!("{}: {other}", what()),
                }
            }
            return Ok(route);
        }
    }

    /// Makes sure the agent has the route of `module` before the first
    /// `get_host`: asks for it up to [`REG_INIT_ATTEMPTS`] times,
    /// [`REG_INIT_INTERVAL`] apart. [`RetCode::Succ`] once it has hosts,
    /// else [`RetCode::NoExist`] (also when the agent does not answer).
    pub fn reg_init(&mut self, module: ModuleId) -> RetCode {
        for attempt in 1..=REG_INIT_ATTEMPTS {
            match self.get_route(module) {
                Ok(hosts) if !hosts.is_empty() => return RetCode::Succ,
                Ok(_) => {}
                Err(e) => log::debug!("reg_init {module} attempt {attempt}: {e}"),
            }
            if attempt < REG_INIT_ATTEMPTS {
                std::thread::sleep(REG_INIT_INTERVAL);
            }
        }
        RetCode::NoExist
    }
}

/// Whether an answer with seq `got` belongs to a request sent before the
/// one with seq `sent` (seqs wrap around, so "before" is the half of the
/// u32 circle behind `sent`).
fn is_stale(sent: u32, got: u32) -> bool {
    let behind = sent.wrapping_sub(got);
    behind != 0 && behind <= u32::MAX / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_means_behind_even_across_the_wrap() {
        assert!(is_stale(5, 4));
        assert!(is_stale(5, 0));
        assert!(!is_stale(5, 5));
        assert!(!is_stale(5, 6), "a future seq is a mismatch, not stale");
        assert!(is_stale(1, u32::MAX), "seq wrapped from u32::MAX to 0 to 1");
        assert!(!is_stale(u32::MAX, 1));
    }

    #[test]
    fn agent_addr_follows_the_module_index() {
        let client = LarsClient::with_options(ClientOptions {
            base_port: 40000,
            ..ClientOptions::default()
        })
        .unwrap();
        assert_eq!(client.agent_addr(ModuleId::new(1, 1)).port(), 40002);
        assert_eq!(client.agent_addr(ModuleId::new(3, 0)).port(), 40000);
        assert_eq!(client.agent_addr(ModuleId::new(2, 2)).port(), 40001);
    }
}
