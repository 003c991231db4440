//! A module slot's view: [`ModuleRef`] (references to one slot's parts,
//! wherever they live), the agent's write of a view under the seqlock and
//! a client's read of the whole route.

use lars_proto::HostAddr;

use crate::layout::{ModuleCounters, ModuleHead, INDEXES_PER_WORD};
use crate::seqlock;
use crate::sync::{AtomicU64, Ordering};

/// How a module is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleMode {
    /// Not published: clients ask over UDP (which answers NOEXIST first).
    Absent,
    /// Picks are served from memory.
    Serve,
    /// The agent must choose (hash, ewma, too many hosts): clients ask over
    /// UDP.
    AskUdp,
}

impl ModuleMode {
    /// The mode's word in `ModuleHead::mode`.
    pub fn word(self) -> u32 {
        match self {
            ModuleMode::Absent => 0,
            ModuleMode::Serve => 1,
            ModuleMode::AskUdp => 2,
        }
    }

    /// The mode of a word; any unknown value asks over UDP.
    pub fn from_word(word: u32) -> ModuleMode {
        match word {
            0 => ModuleMode::Absent,
            1 => ModuleMode::Serve,
            _ => ModuleMode::AskUdp,
        }
    }
}

/// One module as the agent publishes it.
#[derive(Debug, Clone, Copy)]
pub struct PublishedModule<'a> {
    /// The mode; hosts, rotation and overloaded only count for
    /// [`ModuleMode::Serve`].
    pub mode: ModuleMode,
    /// Every host, in get_route order.
    pub hosts: &'a [HostAddr],
    /// Indexes into `hosts`: the idle hosts in pick order (the round-robin
    /// order, the smooth-WRR cycle, or every host in panic mode). An index
    /// out of `hosts` makes the picks that meet it ask over UDP.
    pub rotation: &'a [u16],
    /// Indexes into `hosts`: the overloaded hosts in probe order.
    pub overloaded: &'a [u16],
    /// Whether overloaded hosts are probed.
    pub probe: bool,
}

/// One module slot's parts. In a segment they point into the mapping; the
/// model tests build them on the heap.
#[derive(Debug, Clone, Copy)]
pub struct ModuleRef<'a> {
    /// Identity, seqlock, mode and counts.
    pub head: &'a ModuleHead,
    /// Host keys; the slot's host capacity is its length.
    pub hosts: &'a [AtomicU64],
    /// Rotation indexes, [`INDEXES_PER_WORD`] per word.
    pub rotation: &'a [AtomicU64],
    /// The rotation capacity (at most `rotation.len() * 4`).
    pub rotation_len: u32,
    /// Overloaded indexes, [`INDEXES_PER_WORD`] per word.
    pub overloaded: &'a [AtomicU64],
    /// The counters clients advance.
    pub counters: &'a ModuleCounters,
}

/// Stores `indexes` packed four to a word into `words` (Relaxed; inside a
/// seqlock write). Indexes past the words' room are dropped.
fn store_indexes(words: &[AtomicU64], indexes: &[u16]) {
    for (word, chunk) in words.iter().zip(indexes.chunks(INDEXES_PER_WORD)) {
        let packed = chunk
            .iter()
            .enumerate()
            .fold(0u64, |acc, (i, &ix)| acc | u64::from(ix) << (16 * i));
        word.store(packed, Ordering::Relaxed);
    }
}

/// Loads index `i` of words packed by [`store_indexes`] (Relaxed); `None`
/// past the words.
#[inline]
pub(crate) fn load_index(words: &[AtomicU64], i: usize) -> Option<usize> {
    let word = words.get(i / INDEXES_PER_WORD)?.load(Ordering::Relaxed);
    Some((word >> (16 * (i % INDEXES_PER_WORD))) as u16 as usize)
}

impl ModuleRef<'_> {
    /// Host capacity.
    #[inline]
    pub fn host_capacity(&self) -> usize {
        self.hosts.len()
    }

    /// Rotation capacity.
    #[inline]
    pub fn rotation_capacity(&self) -> usize {
        (self.rotation_len as usize).min(self.rotation.len() * INDEXES_PER_WORD)
    }

    /// Overloaded-list capacity.
    #[inline]
    pub fn overloaded_capacity(&self) -> usize {
        self.hosts
            .len()
            .min(self.overloaded.len() * INDEXES_PER_WORD)
    }

    /// Whether `view` fits this slot.
    pub fn fits(&self, view: &PublishedModule) -> bool {
        view.hosts.len() <= self.host_capacity()
            && view.rotation.len() <= self.rotation_capacity()
            && view.overloaded.len() <= self.overloaded_capacity()
    }

    /// Publishes `view` under the seqlock (the one writer only). A view
    /// that is not [`Serve`](ModuleMode::Serve) or does not
    /// [fit](Self::fits) is published as its mode (or
    /// [`AskUdp`](ModuleMode::AskUdp)) with no hosts. Allocates nothing.
    pub fn write_view(&self, view: &PublishedModule) {
        let serve = view.mode == ModuleMode::Serve && self.fits(view);
        let mode = match view.mode {
            ModuleMode::Serve if !serve => ModuleMode::AskUdp,
            mode => mode,
        };
        let head = self.head;
        let end = seqlock::write_begin(&head.seq);
        head.mode.store(mode.word(), Ordering::Relaxed);
        if serve {
            for (word, host) in self.hosts.iter().zip(view.hosts) {
                word.store(host.key(), Ordering::Relaxed);
            }
            store_indexes(self.rotation, view.rotation);
            store_indexes(self.overloaded, view.overloaded);
            head.host_count
                .store(view.hosts.len() as u32, Ordering::Relaxed);
            head.rotation_count
                .store(view.rotation.len() as u32, Ordering::Relaxed);
            head.overloaded_count
                .store(view.overloaded.len() as u32, Ordering::Relaxed);
            head.probe.store(u32::from(view.probe), Ordering::Relaxed);
        } else {
            head.host_count.store(0, Ordering::Relaxed);
            head.rotation_count.store(0, Ordering::Relaxed);
            head.overloaded_count.store(0, Ordering::Relaxed);
            head.probe.store(0, Ordering::Relaxed);
        }
        seqlock::write_end(&head.seq, end);
    }

    /// The mode as last published (one Relaxed load; not validated).
    pub fn mode(&self) -> ModuleMode {
        ModuleMode::from_word(self.head.mode.load(Ordering::Relaxed))
    }

    /// Reads every host of a served view into `out` (cleared first): true
    /// when the view is [`Serve`](ModuleMode::Serve) and was read whole;
    /// false when it is not served, its host count is beyond the slot, or
    /// it kept changing for [`seqlock::READ_TRIES`] tries.
    pub fn read_route(&self, out: &mut Vec<HostAddr>) -> bool {
        for _ in 0..seqlock::READ_TRIES {
            out.clear();
            let Some(start) = seqlock::read_begin(&self.head.seq) else {
                seqlock::backoff();
                continue;
            };
            if self.mode() != ModuleMode::Serve {
                return false;
            }
            let count = self.head.host_count.load(Ordering::Relaxed) as usize;
            let Some(words) = self.hosts.get(..count) else {
                return false;
            };
            out.extend(
                words
                    .iter()
                    .map(|w| HostAddr::from_key(w.load(Ordering::Relaxed))),
            );
            if seqlock::read_valid(&self.head.seq, start) {
                return true;
            }
        }
        out.clear();
        false
    }
}
