//! [`ModuleId`]: a module (modid, cmdid), its u64 key and the agent port
//! that serves it (docs/PROTOCOL.md §5–6).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// How many UDP ports (and route tables) an agent has: a module is served
/// on port `base_port + ModuleId::agent_port_index()`.
pub const AGENT_PORTS: usize = 3;

/// A module: a business area (`modid`) and one service in it (`cmdid`).
///
/// Written `modid/cmdid` (`Display` and `FromStr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct ModuleId {
    /// The business area.
    pub modid: i32,
    /// The service inside it.
    pub cmdid: i32,
}

/// Why a text is not `modid/cmdid`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("module '{input}': expected MODID/CMDID with two 32-bit integers")]
pub struct ModuleIdError {
    /// The text as given.
    pub input: String,
}

impl ModuleId {
    /// The module (modid, cmdid).
    pub const fn new(modid: i32, cmdid: i32) -> ModuleId {
        ModuleId { modid, cmdid }
    }

    /// The module key `(modid << 32) | cmdid`.
    ///
    /// ```
    /// use lars_proto::ModuleId;
    /// assert_eq!(ModuleId::new(2, 3).key(), 0x0000_0002_0000_0003);
    /// assert_eq!(ModuleId::from_key(ModuleId::new(-3, 7).key()), ModuleId::new(-3, 7));
    /// ```
    #[inline]
    pub fn key(self) -> u64 {
        (u64::from(self.modid as u32) << 32) | u64::from(self.cmdid as u32)
    }

    /// The module of a [`key`](Self::key).
    #[inline]
    pub fn from_key(key: u64) -> ModuleId {
        ModuleId::new((key >> 32) as u32 as i32, key as u32 as i32)
    }

    /// Which of the agent's [`AGENT_PORTS`] ports (and route tables) serves
    /// the module: `(modid + cmdid) mod 3`, summed without overflow and
    /// never negative.
    ///
    /// ```
    /// use lars_proto::ModuleId;
    /// assert_eq!(ModuleId::new(1, 1).agent_port_index(), 2);
    /// assert_eq!(ModuleId::new(-1, 0).agent_port_index(), 2);
    /// assert_eq!(ModuleId::new(i32::MAX, i32::MAX).agent_port_index(), 2);
    /// ```
    #[inline]
    pub fn agent_port_index(self) -> usize {
        (i64::from(self.modid) + i64::from(self.cmdid)).rem_euclid(AGENT_PORTS as i64) as usize
    }
}

impl Hash for ModuleId {
    /// Hashes the [`key`](ModuleId::key): one `u64` write, as cheap as a
    /// module map can be (agents look a module up on every request).
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.key());
    }
}

impl fmt::Display for ModuleId {
    /// `modid/cmdid`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.modid, self.cmdid)
    }
}

impl FromStr for ModuleId {
    type Err = ModuleIdError;

    /// Parses `modid/cmdid`, e.g. `1/2` or `-1/7`.
    fn from_str(input: &str) -> Result<ModuleId, ModuleIdError> {
        let bad = || ModuleIdError {
            input: input.to_string(),
        };
        let (modid, cmdid) = input.trim().split_once('/').ok_or_else(bad)?;
        Ok(ModuleId::new(
            modid.trim().parse().map_err(|_| bad())?,
            cmdid.trim().parse().map_err(|_| bad())?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_including_negative_ids() {
        for (m, c) in [(0, 0), (1, 1), (i32::MAX, i32::MIN), (-1, 5)] {
            let module = ModuleId::new(m, c);
            assert_eq!(ModuleId::from_key(module.key()), module);
        }
        assert_eq!(ModuleId::new(-1, 0).key(), 0xFFFF_FFFF_0000_0000);
        assert_eq!(ModuleId::new(1, 2).key(), (1u64 << 32) | 2);
    }

    #[test]
    fn port_index_is_the_sum_mod_three_without_overflow() {
        let cases = [
            ((0, 0), 0),
            ((1, 0), 1),
            ((2, 2), 1),
            ((3, 0), 0),
            ((-2, 0), 1),
            ((i32::MIN, i32::MIN), 2), // -2^32 mod 3
            ((i32::MAX, 1), 2),        // 2^31 mod 3
        ];
        for ((m, c), want) in cases {
            assert_eq!(ModuleId::new(m, c).agent_port_index(), want, "{m}/{c}");
        }
    }

    #[test]
    fn text_form_is_modid_slash_cmdid() {
        assert_eq!(ModuleId::new(-1, 7).to_string(), "-1/7");
        assert_eq!("12/34".parse::<ModuleId>().unwrap(), ModuleId::new(12, 34));
        assert_eq!(
            " -1 / 7 ".parse::<ModuleId>().unwrap(),
            ModuleId::new(-1, 7)
        );
        for bad in ["1", "1/", "a/2", "1/2/3", "4294967296/1"] {
            let err = bad.parse::<ModuleId>().unwrap_err();
            assert_eq!(err.input, bad);
        }
    }
}
