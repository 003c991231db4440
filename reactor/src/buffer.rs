//! Per-connection byte buffers that keep and reuse their capacity.
//!
//! [`InBuffer`] receives bytes from a socket and hands out complete frames in
//! place; [`OutBuffer`] collects encoded frames until the socket takes them.
//! Both compact instead of reallocating, so a connection in steady state does
//! not allocate per message.

use std::io::{self, Read};

/// Smallest free space offered to one `read` call.
const MIN_READ: usize = 4096;
/// Initial input capacity.
const INITIAL_IN: usize = 16 * 1024;

/// Input buffer: bytes read from a socket, consumed from the front.
///
/// The backing storage is zero-initialised once and reused; `head..tail` holds
/// the unconsumed bytes.
#[derive(Debug, Default)]
pub struct InBuffer {
    data: Vec<u8>,
    head: usize,
    tail: usize,
}

impl InBuffer {
    /// An empty buffer; storage is allocated on the first read.
    pub fn new() -> InBuffer {
        InBuffer::default()
    }

    /// The bytes received and not yet consumed.
    pub fn readable(&self) -> &[u8] {
        &self.data[self.head..self.tail]
    }

    /// Number of unconsumed bytes.
    pub fn len(&self) -> usize {
        self.tail - self.head
    }

    /// Whether no unconsumed bytes remain.
    pub fn is_empty(&self) -> bool {
        self.head == self.tail
    }

    /// Marks `n` bytes at the front as consumed.
    pub fn consume(&mut self, n: usize) {
        assert!(n <= self.len(), "consume past the end of the buffer");
        self.head += n;
        if self.head == self.tail {
            self.head = 0;
            self.tail = 0;
        }
    }

    /// Appends bytes (used by tests and by in-memory producers).
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.make_room(bytes.len());
        self.data[self.tail..self.tail + bytes.len()].copy_from_slice(bytes);
        self.tail += bytes.len();
    }

    /// Does one `read` from `src` into the free space, making room first.
    /// Returns what `read` returned (0 means end of stream).
    pub fn read_from<R: Read>(&mut self, src: &mut R) -> io::Result<usize> {
        self.make_room(MIN_READ);
        let n = src.read(&mut self.data[self.tail..])?;
        self.tail += n;
        Ok(n)
    }

    /// Current capacity of the backing storage (for memory checks).
    pub fn capacity(&self) -> usize {
        self.data.len()
    }

    /// Ensures at least `want` free bytes after `tail`: first by moving the
    /// unconsumed bytes to the front, then by growing.
    fn make_room(&mut self, want: usize) {
        if self.data.len() - self.tail >= want {
            return;
        }
        if self.head > 0 {
            self.data.copy_within(self.head..self.tail, 0);
            self.tail -= self.head;
            self.head = 0;
        }
        if self.data.len() - self.tail < want {
            let needed = (self.tail + want).max(INITIAL_IN);
            let new_len = needed.next_power_of_two();
            self.data.resize(new_len, 0);
        }
    }
}

/// Output buffer: encoded frames waiting for the socket.
///
/// `data[head..]` is pending; frames are appended at the end with ordinary
/// `Vec` writes, so an encoder can write straight into [`OutBuffer::vec_mut`].
#[derive(Debug, Default)]
pub struct OutBuffer {
    data: Vec<u8>,
    head: usize,
}

impl OutBuffer {
    /// An empty buffer.
    pub fn new() -> OutBuffer {
        OutBuffer::default()
    }

    /// Bytes waiting to be written.
    pub fn pending(&self) -> &[u8] {
        &self.data[self.head..]
    }

    /// Number of bytes waiting.
    pub fn len(&self) -> usize {
        self.data.len() - self.head
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The vector to append to. Bytes before the pending region must not be
    /// touched; appending is the only intended use.
    pub fn vec_mut(&mut self) -> &mut Vec<u8> {
        if self.head > 0 && self.head >= self.data.len() / 2 {
            self.compact();
        }
        &mut self.data
    }

    /// Marks `n` pending bytes as written.
    pub fn advance(&mut self, n: usize) {
        assert!(n <= self.len(), "advance past the end of the buffer");
        self.head += n;
        if self.head == self.data.len() {
            self.data.clear();
            self.head = 0;
        }
    }

    /// Drops everything pending.
    pub fn clear(&mut self) {
        self.data.clear();
        self.head = 0;
    }

    /// Current capacity (for memory checks).
    pub fn capacity(&self) -> usize {
        self.data.capacity()
    }

    fn compact(&mut self) {
        self.data.drain(..self.head);
        self.head = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_buffer_consumes_and_resets_to_front() {
        let mut b = InBuffer::new();
        b.extend_from_slice(b"abcdef");
        b.consume(2);
        assert_eq!(b.readable(), b"cdef");
        b.consume(4);
        assert!(b.is_empty());
        b.extend_from_slice(b"xy");
        assert_eq!(b.readable(), b"xy");
    }

    #[test]
    fn in_buffer_compacts_before_growing() {
        let mut b = InBuffer::new();
        b.extend_from_slice(&[1u8; INITIAL_IN - 100]);
        let cap = b.capacity();
        b.consume(INITIAL_IN - 200);
        b.extend_from_slice(&[2u8; 4000]);
        assert_eq!(b.capacity(), cap, "should compact, not grow");
        assert_eq!(b.len(), 100 + 4000);
        assert_eq!(&b.readable()[..100], &[1u8; 100][..]);
    }

    #[test]
    fn in_buffer_reads_from_a_reader() {
        let mut b = InBuffer::new();
        let mut src: &[u8] = b"hello world";
        let n = b.read_from(&mut src).unwrap();
        assert_eq!(n, 11);
        assert_eq!(b.readable(), b"hello world");
        assert_eq!(b.read_from(&mut src).unwrap(), 0);
    }

    #[test]
    fn out_buffer_reuses_capacity_after_drain() {
        let mut b = OutBuffer::new();
        b.vec_mut().extend_from_slice(&[7u8; 1000]);
        let cap = b.capacity();
        b.advance(600);
        assert_eq!(b.pending().len(), 400);
        b.advance(400);
        assert!(b.is_empty());
        b.vec_mut().extend_from_slice(&[8u8; 1000]);
        assert_eq!(b.capacity(), cap);
        assert_eq!(b.pending(), &[8u8; 1000][..]);
    }

    #[test]
    fn out_buffer_compacts_when_mostly_written() {
        let mut b = OutBuffer::new();
        b.vec_mut().extend_from_slice(&[1, 2, 3, 4]);
        b.advance(3);
        b.vec_mut().push(5);
        assert_eq!(b.pending(), &[4, 5]);
    }
}
