//! Address encoding: IPv4 as the 32-bit number a·2²⁴+b·2¹⁶+c·2⁸+d, carried
//! in an `int32` field on the wire (so addresses from 128.0.0.0 up are
//! negative), and the u64 keys used for modules and hosts.

use std::net::Ipv4Addr;

/// The protocol number of an IPv4 address (192.168.1.177 → 3232235953).
pub fn ip_number(ip: Ipv4Addr) -> u32 {
    u32::from(ip)
}

/// The address of a protocol number.
pub fn ip_from_number(n: u32) -> Ipv4Addr {
    Ipv4Addr::from(n)
}

/// The `int32` wire value of an IPv4 number (bit-for-bit reinterpretation).
pub fn ip_to_wire(n: u32) -> i32 {
    n as i32
}

/// The IPv4 number of an `int32` wire value.
pub fn ip_from_wire(v: i32) -> u32 {
    v as u32
}

/// The key of module (modid, cmdid): `(modid << 32) | cmdid` as u64.
#[inline]
pub fn module_key(modid: i32, cmdid: i32) -> u64 {
    ((modid as u32 as u64) << 32) | cmdid as u32 as u64
}

/// (modid, cmdid) of a module key.
pub fn split_module_key(key: u64) -> (i32, i32) {
    ((key >> 32) as u32 as i32, key as u32 as i32)
}

/// The key of host (ip, port): `(ip << 32) | port` as u64.
#[inline]
pub fn host_key(ip: u32, port: u16) -> u64 {
    ((ip as u64) << 32) | port as u64
}

/// (ip, port) of a host key.
#[inline]
pub fn split_host_key(key: u64) -> (u32, u16) {
    ((key >> 32) as u32, key as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_number_matches_the_protocol() {
        let ip: Ipv4Addr = "192.168.1.177".parse().unwrap();
        assert_eq!(ip_number(ip), 3_232_235_953);
        assert_eq!(ip_to_wire(3_232_235_953), -1_062_731_343);
        assert_eq!(ip_from_wire(-1_062_731_343), 3_232_235_953);
        assert_eq!(ip_from_number(3_232_235_953), ip);
    }

    #[test]
    fn keys_pack_and_unpack() {
        assert_eq!(module_key(1, 2), (1u64 << 32) | 2);
        assert_eq!(split_module_key(module_key(-3, 7)), (-3, 7));
        assert_eq!(host_key(0xC0A8_01B1, 7777), (0xC0A8_01B1u64 << 32) | 7777);
        assert_eq!(
            split_host_key(host_key(0xC0A8_01B1, 7777)),
            (0xC0A8_01B1, 7777)
        );
    }
}
