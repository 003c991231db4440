//! [`hash_key`]: the 64-bit key of a text or byte string, for callers that
//! pick hosts by consistent hashing (`GetHostRequest.hash_key`,
//! docs/PROTOCOL.md §4). Every client library computes it the same way:
//! 64-bit FNV-1a, so a user id hashed in Python, C++ or Rust lands on the
//! same host.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The 64-bit FNV-1a hash of `bytes`.
///
/// ```
/// use lars_proto::hash_key;
/// assert_eq!(hash_key(b""), 0xcbf2_9ce4_8422_2325);
/// assert_eq!(hash_key(b"a"), 0xaf63_dc4c_8601_ec8c);
/// assert_eq!(hash_key(b"user-42"), hash_key("user-42".as_bytes()));
/// ```
pub fn hash_key(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_fnv1a_vectors() {
        // From the FNV reference test suite.
        assert_eq!(hash_key(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(hash_key(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
