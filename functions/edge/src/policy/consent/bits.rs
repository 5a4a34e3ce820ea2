//! Base64url (RFC 4648 §5, no padding required) into 6-bit groups, and a
//! big-endian bit reader over them, as TC strings are encoded.

use super::tcf::TcfError;

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// One segment's characters as 6-bit values. Trailing `=` padding (at
/// most two) is tolerated; anything outside the URL-safe alphabet is not.
pub(crate) fn decode_segment(segment: &str, index: usize) -> Result<Vec<u8>, TcfError> {
    let body = segment.trim_end_matches('=');
    if segment.len() - body.len() > 2 {
        return Err(TcfError::NotBase64Url {
            segment: index,
            offset: body.len() + 2,
            found: '=',
        });
    }
    if body.is_empty() {
        return Err(TcfError::EmptySegment { segment: index });
    }
    body.char_indices()
        .map(|(offset, c)| {
            u8::try_from(c)
                .ok()
                .and_then(sextet)
                .ok_or(TcfError::NotBase64Url {
                    segment: index,
                    offset,
                    found: c,
                })
        })
        .collect()
}

/// Reads big-endian bit fields, left to right.
pub(crate) struct BitReader<'a> {
    sextets: &'a [u8],
    pos: usize,
    segment: usize,
}

impl<'a> BitReader<'a> {
    pub(crate) fn new(sextets: &'a [u8], segment: usize) -> BitReader<'a> {
        BitReader {
            sextets,
            pos: 0,
            segment,
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        (self.sextets.len() * 6).saturating_sub(self.pos)
    }

    fn bit(&self, at: usize) -> u64 {
        let group = self.sextets.get(at / 6).copied().unwrap_or(0);
        u64::from((group >> (5 - at % 6)) & 1)
    }

    /// Fails unless `n` more bits are there.
    pub(crate) fn require(&self, n: usize, field: &'static str) -> Result<(), TcfError> {
        if n > self.remaining() {
            return Err(TcfError::Truncated {
                segment: self.segment,
                field,
                bit: self.pos,
                needed: n,
            });
        }
        Ok(())
    }

    /// `n` (at most 64) bits as an unsigned number.
    pub(crate) fn read(&mut self, n: usize, field: &'static str) -> Result<u64, TcfError> {
        let n = n.min(64);
        self.require(n, field)?;
        let value = (self.pos..self.pos + n).fold(0u64, |acc, at| (acc << 1) | self.bit(at));
        self.pos += n;
        Ok(value)
    }

    pub(crate) fn read_bool(&mut self, field: &'static str) -> Result<bool, TcfError> {
        Ok(self.read(1, field)? == 1)
    }

    pub(crate) fn read_u16(&mut self, n: usize, field: &'static str) -> Result<u16, TcfError> {
        // n <= 16 at every call site; the mask keeps this total anyway.
        Ok((self.read(n.min(16), field)? & 0xffff) as u16)
    }

    pub(crate) fn read_u8(&mut self, n: usize, field: &'static str) -> Result<u8, TcfError> {
        Ok((self.read(n.min(8), field)? & 0xff) as u8)
    }
}

/// Writes bit fields and encodes them as base64url (tests build exact TC
/// strings with it).
#[cfg(any(test, feature = "tcf-encode"))]
#[derive(Debug, Default)]
pub(crate) struct BitWriter {
    bits: Vec<bool>,
}

#[cfg(any(test, feature = "tcf-encode"))]
impl BitWriter {
    pub(crate) fn new() -> BitWriter {
        BitWriter::default()
    }

    /// The low `n` bits of `value`, most significant first.
    pub(crate) fn push(&mut self, value: u64, n: usize) -> &mut BitWriter {
        for i in (0..n).rev() {
            self.bits.push((value >> i) & 1 == 1);
        }
        self
    }

    pub(crate) fn push_bool(&mut self, value: bool) -> &mut BitWriter {
        self.bits.push(value);
        self
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.bits.len()
    }

    /// Base64url without padding; the last group is zero-filled.
    pub(crate) fn finish(&self) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        self.bits
            .chunks(6)
            .map(|chunk| {
                let v = (0..6).fold(0usize, |acc, i| {
                    (acc << 1) | usize::from(chunk.get(i).copied().unwrap_or(false))
                });
                char::from(ALPHABET[v])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_round_trips() {
        let all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let sextets = decode_segment(all, 0).expect("valid alphabet");
        assert_eq!(sextets, (0u8..64).collect::<Vec<_>>());
    }

    #[test]
    fn reader_reads_big_endian_across_groups() {
        // "C" = 000010, "Q" = 010000: version 2 then 6 more bits.
        let sextets = decode_segment("CQ", 0).expect("valid");
        let mut r = BitReader::new(&sextets, 0);
        assert_eq!(r.read(6, "Version").expect("6 bits"), 2);
        assert_eq!(r.read(3, "x").expect("3 bits"), 0b010);
        assert_eq!(r.remaining(), 3);
        let err = r.read(4, "Created").expect_err("truncated");
        assert_eq!(
            err,
            TcfError::Truncated {
                segment: 0,
                field: "Created",
                bit: 9,
                needed: 4
            }
        );
    }

    #[test]
    fn non_alphabet_characters_are_refused_with_their_place() {
        assert_eq!(
            decode_segment("CP+A", 1),
            Err(TcfError::NotBase64Url {
                segment: 1,
                offset: 2,
                found: '+'
            })
        );
        assert!(matches!(
            decode_segment("CPé", 0),
            Err(TcfError::NotBase64Url { found: 'é', .. })
        ));
        assert_eq!(
            decode_segment("", 2),
            Err(TcfError::EmptySegment { segment: 2 })
        );
        assert_eq!(decode_segment("CA==", 0).map(|s| s.len()), Ok(2));
        assert!(decode_segment("CA===", 0).is_err());
        assert_eq!(
            decode_segment("==", 0),
            Err(TcfError::EmptySegment { segment: 0 })
        );
    }

    #[test]
    fn writer_and_reader_agree() {
        let mut w = BitWriter::new();
        w.push(2, 6)
            .push(0x1_2345_6789, 36)
            .push_bool(true)
            .push(0xabc, 12);
        assert_eq!(w.len(), 55);
        let text = w.finish();
        let sextets = decode_segment(&text, 0).expect("own output");
        let mut r = BitReader::new(&sextets, 0);
        assert_eq!(r.read(6, "a").expect("a"), 2);
        assert_eq!(r.read(36, "b").expect("b"), 0x1_2345_6789);
        assert!(r.read_bool("c").expect("c"));
        assert_eq!(r.read(12, "d").expect("d"), 0xabc);
    }
}
