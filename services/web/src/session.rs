//! [`Sessions`]: the browser sessions of the console, kept in memory.
//!
//! A session is named by a random id in the `lars_web_session` cookie
//! (HttpOnly, SameSite=Strict) and holds a random per-session CSRF token
//! that every change form carries, whether the session entered the admin
//! token, and a message for the next page (the result of the last change).
//! Sessions expire after [`SESSION_TTL`]; at most [`MAX_SESSIONS`] are kept
//! (the oldest goes first), so a flood of cookie-less requests costs bounded
//! memory. The clock is a parameter: every call takes `now`.
//!
//! Safe from any thread (`&self`, one mutex).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The cookie that names a session.
pub const COOKIE: &str = "lars_web_session";

/// How long a session lives after it was made.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// Sessions kept at most.
pub const MAX_SESSIONS: usize = 10_000;

/// What a request may know of its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// The session id (the cookie's value).
    pub id: String,
    /// The CSRF token the change forms must carry.
    pub csrf: String,
    /// Whether the session entered the admin token.
    pub admin: bool,
    /// Whether the session was made by this request (its cookie must be
    /// set on the response).
    pub is_new: bool,
}

#[derive(Debug)]
struct Session {
    csrf: String,
    admin: bool,
    flash: Option<String>,
    created: Instant,
}

/// The sessions; see the module docs.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

/// 128 random bits as 32 hex digits, from the OS's generator.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // The OS generator fails only on a broken system; a fixed token would
    // make every session guessable, so there is no fallback.
    getrandom::getrandom(&mut bytes).expect("the OS random generator works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time that depends only on their lengths.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Sessions {
    /// An empty set of sessions.
    pub fn new() -> Sessions {
        Sessions::default()
    }

    /// The session the cookie value `id` names, or a new one when there is
    /// none (or it expired).
    pub fn get_or_create(&self, id: Option<&str>, now: Instant) -> SessionView {
        let mut map = self.lock();
        if let Some(id) = id {
            if let Some(s) = map.get(id).filter(|s| alive(s, now)) {
                return SessionView {
                    id: id.to_string(),
                    csrf: s.csrf.clone(),
                    admin: s.admin,
                    is_new: false,
                };
            }
        }
        insert(&mut map, now, false)
    }

    /// The session `id` names, if it is alive.
    pub fn get(&self, id: &str, now: Instant) -> Option<SessionView> {
        let map = self.lock();
        let s = map.get(id).filter(|s| alive(s, now))?;
        Some(SessionView {
            id: id.to_string(),
            csrf: s.csrf.clone(),
            admin: s.admin,
            is_new: false,
        })
    }

    /// Ends session `id` and makes a new admin session in its place (a new
    /// id, so an id known before the token was entered is worth nothing).
    pub fn promote(&self, id: &str, now: Instant) -> SessionView {
        let mut map = self.lock();
        map.remove(id);
        insert(&mut map, now, true)
    }

    /// Ends session `id` (sign out).
    pub fn end(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Leaves `message` for the next page session `id` shows.
    pub fn set_flash(&self, id: &str, message: String) {
        if let Some(s) = self.lock().get_mut(id) {
            s.flash = Some(message);
        }
    }

    /// Takes the message left for session `id`.
    pub fn take_flash(&self, id: &str) -> Option<String> {
        self.lock().get_mut(id).and_then(|s| s.flash.take())
    }

    /// How many sessions are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no session is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while the map was held leaves it consistent (every
        // change is one insert or remove): keep using it.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn alive(s: &Session, now: Instant) -> bool {
    now.saturating_duration_since(s.created) < SESSION_TTL
}

fn insert(map: &mut HashMap<String, Session>, now: Instant, admin: bool) -> SessionView {
    if map.len() >= MAX_SESSIONS {
        map.retain(|_, s| alive(s, now));
    }
    if map.len() >= MAX_SESSIONS {
        let oldest = map
            .iter()
            .min_by_key(|(_, s)| s.created)
            .map(|(id, _)| id.clone());
        if let Some(id) = oldest {
            map.remove(&id);
        }
    }
    let (id, csrf) = (random_token(), random_token());
    map.insert(
        id.clone(),
        Session {
            csrf: csrf.clone(),
            admin,
            flash: None,
            created: now,
        },
    );
    SessionView {
        id,
        csrf,
        admin,
        is_new: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_hex_digits_and_differ() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn secrets_compare_by_content_and_length() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
        assert!(same_secret("", ""));
    }

    #[test]
    fn a_known_id_keeps_its_session_until_it_expires() {
        let sessions = Sessions::new();
        let t0 = Instant::now();
        let first = sessions.get_or_create(None, t0);
        assert!(first.is_new && !first.admin);
        assert_ne!(first.id, first.csrf);
        let again = sessions.get_or_create(Some(&first.id), t0 + Duration::from_secs(60));
        assert_eq!(
            (again.id.as_str(), again.is_new),
            (first.id.as_str(), false)
        );
        assert_eq!(again.csrf, first.csrf);
        let unknown = sessions.get_or_create(Some("forged"), t0);
        assert!(unknown.is_new && unknown.id != "forged");
        let late = t0 + SESSION_TTL;
        assert_eq!(sessions.get(&first.id, late), None);
        assert!(sessions.get_or_create(Some(&first.id), late).is_new);
    }

    #[test]
    fn promotion_replaces_the_id_and_sign_out_ends_it() {
        let sessions = Sessions::new();
        let t0 = Instant::now();
        let plain = sessions.get_or_create(None, t0);
        let admin = sessions.promote(&plain.id, t0);
        assert!(admin.admin && admin.is_new);
        assert_ne!(admin.id, plain.id);
        assert_ne!(admin.csrf, plain.csrf);
        assert_eq!(sessions.get(&plain.id, t0), None, "the old id is dead");
        assert!(sessions.get(&admin.id, t0).unwrap().admin);
        sessions.end(&admin.id);
        assert_eq!(sessions.get(&admin.id, t0), None);
    }

    #[test]
    fn a_flash_message_is_shown_once() {
        let sessions = Sessions::new();
        let s = sessions.get_or_create(None, Instant::now());
        sessions.set_flash(&s.id, "added 10.0.0.5:9000".into());
        assert_eq!(
            sessions.take_flash(&s.id).as_deref(),
            Some("added 10.0.0.5:9000")
        );
        assert_eq!(sessions.take_flash(&s.id), None);
        sessions.set_flash("unknown", "x".into());
        assert_eq!(sessions.take_flash("unknown"), None);
    }

    #[test]
    fn the_number_of_sessions_is_bounded_and_the_oldest_goes_first() {
        let sessions = Sessions::new();
        let t0 = Instant::now();
        let oldest = sessions.get_or_create(None, t0);
        for i in 1..MAX_SESSIONS as u64 {
            sessions.get_or_create(None, t0 + Duration::from_micros(i));
        }
        assert_eq!(sessions.len(), MAX_SESSIONS);
        let newest = sessions.get_or_create(None, t0 + Duration::from_secs(1));
        assert_eq!(sessions.len(), MAX_SESSIONS);
        assert_eq!(sessions.get(&oldest.id, t0 + Duration::from_secs(1)), None);
        assert!(sessions
            .get(&newest.id, t0 + Duration::from_secs(1))
            .is_some());
    }
}
