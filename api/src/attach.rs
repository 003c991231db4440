//! Attaching to the agent's shared-memory segments (docs/SHM.md §5)
//! without ever waiting: one non-blocking UDP socket sends a
//! `ShmAttachRequest` to each agent port and looks for the answers on
//! later calls. Per table, a small state machine: idle until the next try,
//! waiting for an answer, attached, or given up on for this client.

use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

use lars_proto::AGENT_PORTS;
use lars_proto::{frame, msgid, RetCode, ShmAttachRequest, ShmAttachResponse, ShmWakeRequest};
use lars_shm::Attached;
use prost::Message;

/// How long an attach request may stay unanswered (the original agent
/// never answers) before the table counts as having no segment.
const ANSWER_WAIT: Duration = Duration::from_secs(1);
/// The first pause before asking again; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause between two attach requests.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// One table's attachment.
pub(crate) enum TableState {
    /// Not attached; ask again at this time.
    Idle { next_try: Instant, pause: Duration },
    /// A request went out at `sent`.
    Waiting { sent: Instant, pause: Duration },
    /// Mapped and in use.
    Attached(Box<Attached>),
    /// The segment exists but this process may not open it (another
    /// user): this client stays on UDP for that table.
    Denied,
}

/// The attach socket and the three tables' states.
pub(crate) struct Attacher {
    sock: Option<UdpSocket>,
    agents: [SocketAddrV4; AGENT_PORTS],
    pub(crate) tables: [TableState; AGENT_PORTS],
}

impl Attacher {
    /// An attacher for the agent at `agent_ip` ports `base_port..+2`; with
    /// no usable socket it never attaches (every call uses UDP).
    pub(crate) fn new(agent_ip: Ipv4Addr, base_port: u16, now: Instant) -> Attacher {
        let local = if agent_ip.is_loopback() {
            Ipv4Addr::LOCALHOST
        } else {
            Ipv4Addr::UNSPECIFIED
        };
        let sock = UdpSocket::bind(SocketAddrV4::new(local, 0))
            .and_then(|s| s.set_nonblocking(true).map(|()| s))
            .map_err(|e| log::debug!("lars client: no attach socket, UDP only: {e}"))
            .ok();
        let idle = || TableState::Idle {
            next_try: now,
            pause: FIRST_PAUSE,
        };
        Attacher {
            sock,
            agents: std::array::from_fn(|i| SocketAddrV4::new(agent_ip, base_port + i as u16)),
            tables: [idle(), idle(), idle()],
        }
    }

    /// Sends the requests that are due and takes in the answers that
    /// arrived, without blocking.
    pub(crate) fn poll(&mut self, now: Instant) {
        let Some(sock) = &self.sock else {
            return;
        };
        let mut buf = [0u8; 512];
        // At most a few datagrams a call: three answers, and the errors
        // left by requests no agent received.
        for _ in 0..16 {
            let (len, from) = match sock.recv_from(&mut buf) {
                Ok(got) => got,
                // ICMP refusals of earlier requests (no agent there yet)
                // are consumed by reading them.
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::Interrupted | ErrorKind::ConnectionRefused
                    ) =>
                {
                    continue
                }
                Err(_) => break,
            };
            let Some(idx) = self.agents.iter().position(|a| from == (*a).into()) else {
                continue;
            };
            // A late duplicate answer leaves an attached or denied table
            // as it is.
            let pause = match &self.tables[idx] {
                TableState::Waiting { pause, .. } | TableState::Idle { pause, .. } => *pause,
                TableState::Attached(_) | TableState::Denied => continue,
            };
            if let Some(answer) = decode_answer(&buf[..len]) {
                self.tables[idx] = accept(answer, idx, pause, now);
            }
        }
        for (idx, table) in self.tables.iter_mut().enumerate() {
            match table {
                TableState::Idle { next_try, pause } if now >= *next_try => {
                    let pause = *pause;
                    *table = match send_request(sock, self.agents[idx]) {
                        true => TableState::Waiting { sent: now, pause },
                        false => retry_later(now, pause),
                    };
                }
                TableState::Waiting { sent, pause } if now.duration_since(*sent) > ANSWER_WAIT => {
                    *table = retry_later(now, *pause);
                }
                _ => {}
            }
        }
    }

    /// Rings table `idx`'s parked agent (docs/SHM.md §4): one datagram,
    /// not answered. A lost one costs the report at most the agent's
    /// one-second upkeep.
    pub(crate) fn ring(&self, idx: usize) {
        if let Some(sock) = &self.sock {
            send_frame(
                sock,
                self.agents[idx],
                msgid::SHM_WAKE_REQUEST,
                &ShmWakeRequest {},
            );
        }
    }

    /// Whether any table still waits for an answer.
    pub(crate) fn waiting(&self) -> bool {
        self.tables
            .iter()
            .any(|t| matches!(t, TableState::Waiting { .. }))
    }

    /// Lets go of table `idx`'s segment (dead, closed, or no longer ours)
    /// and asks again at once.
    pub(crate) fn detach(&mut self, idx: usize, now: Instant) {
        self.tables[idx] = TableState::Idle {
            next_try: now,
            pause: FIRST_PAUSE,
        };
    }
}

/// The next state after the pause `pause`, which then doubles.
fn retry_later(now: Instant, pause: Duration) -> TableState {
    TableState::Idle {
        next_try: now + pause,
        pause: (pause * 2).min(MAX_PAUSE),
    }
}

fn send_request(sock: &UdpSocket, agent: SocketAddrV4) -> bool {
    let req = ShmAttachRequest {
        pid: std::process::id(),
    };
    send_frame(sock, agent, msgid::SHM_ATTACH_REQUEST, &req)
}

/// Sends `msg` to `agent` as one frame without waiting; whether it went.
fn send_frame<M: Message>(sock: &UdpSocket, agent: SocketAddrV4, msgid: i32, msg: &M) -> bool {
    let mut buf = [0u8; 64];
    frame::encode_frame_into(msgid, msg, &mut buf)
        .is_ok_and(|len| sock.send_to(&buf[..len], agent).is_ok())
}

fn decode_answer(datagram: &[u8]) -> Option<ShmAttachResponse> {
    let (id, body) = frame::parse_datagram(datagram).ok()?;
    (id == msgid::SHM_ATTACH_RESPONSE)
        .then(|| ShmAttachResponse::decode(body).ok())
        .flatten()
}

/// What an answer makes of table `idx`: attached when the segment opens,
/// denied when the system refuses this process, idle again otherwise.
fn accept(answer: ShmAttachResponse, idx: usize, pause: Duration, now: Instant) -> TableState {
    if RetCode::from_wire(answer.retcode) != RetCode::Succ {
        return retry_later(now, pause);
    }
    match Attached::open(
        Path::new(&answer.path),
        answer.generation,
        answer.slot,
        answer.ticket,
    ) {
        Ok(seg) => TableState::Attached(Box::new(seg)),
        Err(lars_shm::AttachError::Io(e)) if e.kind() == ErrorKind::PermissionDenied => {
            log::debug!("lars client: table {idx}: {}: {e}; using UDP", answer.path);
            TableState::Denied
        }
        Err(e) => {
            log::debug!("lars client: table {idx}: {}: {e}; using UDP", answer.path);
            retry_later(now, pause)
        }
    }
}
