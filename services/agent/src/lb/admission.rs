//! [`Admission`]: whether a table may create one more module — at most
//! `max_modules` held, and at most `per_sec` created in any one second —
//! so a caller asking for random module ids can neither grow memory
//! without bound nor flood the DNS service with route requests. Refused
//! requests are answered `RET_NOEXIST` and counted by reason, for one log
//! line per interval instead of one per module. Pure: time is passed in.

/// Why a new module was not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Refusals {
    /// The table held `max_modules` modules.
    pub full: u64,
    /// `per_sec` modules were created this second already.
    pub rate: u64,
}

impl Refusals {
    /// Both kinds together.
    pub fn total(self) -> u64 {
        self.full + self.rate
    }
}

/// The admission rule of one table.
#[derive(Debug, Clone)]
pub struct Admission {
    max_modules: usize,
    per_sec: u32,
    /// The second `created` counts in.
    second: u64,
    created: u32,
    refused: Refusals,
    taken: Refusals,
}

impl Admission {
    /// At most `max_modules` modules, `per_sec` new ones a second (0: no
    /// rate limit).
    pub fn new(max_modules: usize, per_sec: u32) -> Admission {
        Admission {
            max_modules,
            per_sec,
            second: 0,
            created: 0,
            refused: Refusals::default(),
            taken: Refusals::default(),
        }
    }

    /// Whether a module may be created at `now` (seconds) while `held`
    /// are held; a refusal is counted, an admission counts against the
    /// second's budget.
    pub fn admit(&mut self, held: usize, now: u64) -> bool {
        if held >= self.max_modules {
            self.refused.full += 1;
            return false;
        }
        if now != self.second {
            self.second = now;
            self.created = 0;
        }
        if self.per_sec > 0 && self.created >= self.per_sec {
            self.refused.rate += 1;
            return false;
        }
        self.created += 1;
        true
    }

    /// The most modules a table may hold.
    pub fn max_modules(&self) -> usize {
        self.max_modules
    }

    /// Refusals since the last call.
    pub fn take(&mut self) -> Refusals {
        let new = Refusals {
            full: self.refused.full - self.taken.full,
            rate: self.refused.rate - self.taken.rate,
        };
        self.taken = self.refused;
        new
    }

    /// Refusals since the table was made.
    pub fn total(&self) -> Refusals {
        self.refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_admits_per_sec_new_modules_and_the_next_second_as_many() {
        let mut a = Admission::new(100, 3);
        let first: Vec<bool> = (0..5).map(|_| a.admit(0, 7)).collect();
        assert_eq!(first, [true, true, true, false, false]);
        assert!(a.admit(0, 8), "a new second, a new budget");
        assert_eq!(a.take(), Refusals { full: 0, rate: 2 });
        assert_eq!(a.take(), Refusals::default(), "taken once");
    }

    #[test]
    fn a_full_table_refuses_whatever_the_rate() {
        let mut a = Admission::new(2, 0);
        assert!(a.admit(1, 0));
        assert!(!a.admit(2, 0));
        assert!((0..1000).all(|_| a.admit(0, 0)), "0: no rate limit");
        assert_eq!(a.total(), Refusals { full: 1, rate: 0 });
        assert_eq!(a.total().total(), 1);
    }
}
