//! Why a host changed state, and what a report did: the values the
//! agent's metrics and its `/modules` endpoint show (docs/AGENT_HTTP.md).

/// The rule that moved a host between idle and overloaded
/// (docs/LOAD_BALANCING.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeReason {
    /// Idle → overload: `verr / (vsucc + verr) > err_rate`.
    ErrorRate,
    /// Idle → overload: `contin_err >= contin_err_limit`.
    ConsecutiveErrors,
    /// Idle → overload: the idle window ended with
    /// `rerr / (rsucc + rerr) >= window_err_rate`.
    WindowErrorRate,
    /// Overload → idle: `vsucc / (vsucc + verr) > succ_rate`.
    SuccessRate,
    /// Overload → idle: `contin_succ >= contin_succ_limit`.
    ConsecutiveSuccesses,
    /// Overload → idle: `overload_timeout` passed.
    OverloadTimeout,
}

impl ChangeReason {
    /// Every reason, in a fixed order (the index of [`RouteTable::transitions`](super::RouteTable::transitions)).
    pub const ALL: [ChangeReason; 6] = [
        ChangeReason::ErrorRate,
        ChangeReason::ConsecutiveErrors,
        ChangeReason::WindowErrorRate,
        ChangeReason::SuccessRate,
        ChangeReason::ConsecutiveSuccesses,
        ChangeReason::OverloadTimeout,
    ];

    /// The reason's name in metrics and JSON, e.g. `consecutive_errors`.
    pub fn name(self) -> &'static str {
        match self {
            ChangeReason::ErrorRate => "error_rate",
            ChangeReason::ConsecutiveErrors => "consecutive_errors",
            ChangeReason::WindowErrorRate => "window_error_rate",
            ChangeReason::SuccessRate => "success_rate",
            ChangeReason::ConsecutiveSuccesses => "consecutive_successes",
            ChangeReason::OverloadTimeout => "overload_timeout",
        }
    }

    /// Whether the reason overloads a host (else it makes one idle).
    pub fn overloads(self) -> bool {
        matches!(
            self,
            ChangeReason::ErrorRate
                | ChangeReason::ConsecutiveErrors
                | ChangeReason::WindowErrorRate
        )
    }

    /// The state it leads to: `overload` or `idle`.
    pub fn to_state(self) -> &'static str {
        if self.overloads() {
            "overload"
        } else {
            "idle"
        }
    }

    /// Its index in [`ALL`](Self::ALL).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A host's change of state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateChange {
    /// Why.
    pub reason: ChangeReason,
    /// When (seconds of the caller's clock, as every `now`).
    pub at: u64,
}

/// What a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// The host (or module) is not in the route: nothing changed.
    Unknown,
    /// The call was counted; the host kept its state.
    Counted,
    /// The call was counted and the host changed state.
    Changed(StateChange),
}

impl Reported {
    /// Whether the report was applied (the host is known).
    pub fn known(self) -> bool {
        self != Reported::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_directions_are_fixed() {
        let names: Vec<(&str, &str)> = ChangeReason::ALL
            .iter()
            .map(|r| (r.name(), r.to_state()))
            .collect();
        assert_eq!(
            names,
            [
                ("error_rate", "overload"),
                ("consecutive_errors", "overload"),
                ("window_error_rate", "overload"),
                ("success_rate", "idle"),
                ("consecutive_successes", "idle"),
                ("overload_timeout", "idle"),
            ]
        );
        assert!(ChangeReason::ALL
            .iter()
            .enumerate()
            .all(|(i, r)| r.index() == i));
    }
}
