//! The country table: Meridian's own IP-to-country format, built from a
//! MaxMind DB (`examples/country-table.rs`) and read in place.
//!
//! A MaxMind DB is a search tree with a record per node; it can hold any
//! data. Markets only need a country, so the table keeps the sorted range
//! starts and a one-byte country per range, about half the bytes of the
//! tree it came from (`docs/benchmarks.md`, "Country database").
//!
//! Layout, little-endian, no padding (readers never need alignment):
//!
//! ```text
//! magic        b"MRDNCTB1"
//! build_epoch  u64                 the source database's
//! type_len u8, database_type       the source database's type name
//! codes_len u8, codes [u8; 2 * codes_len]   value v >= 1 is codes[v - 1]
//! v4_index     [u32; 65537]        entries of bucket b (the top 16 bits)
//!                                  are v4_index[b]..v4_index[b + 1]
//! v4_low       [u16; n4]           the range's start, low 16 bits
//! v4_value     [u8; n4]            0: no country
//! n6 u32, v6_high [u64; n6], v6_value [u8; n6]   top 64 bits of IPv6
//! ns u32, split_high [u64; ns], split_index [u32; ns + 1],
//! nl u32, split_low [u64; nl], split_value [u8; nl]
//! ```
//!
//! Every v4 bucket begins with an entry at its low 16 bits 0, and the v6
//! list with one at `::`, so a lookup is a binary search that always
//! lands. A v6 value of [`SPLIT`] marks a /64 that holds more than one
//! range: its ranges are in the split table, found by its top 64 bits.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::country_code::CountryCode;

const MAGIC: &[u8; 8] = b"MRDNCTB1";
const V4_BUCKETS: usize = 1 << 16;
/// A v6 value: the /64 holds several ranges (see the split table).
const SPLIT: u8 = u8::MAX;
/// Values are 1-based into the codes; 0 is "no country", 255 is [`SPLIT`].
const MAX_CODES: usize = (u8::MAX - 1) as usize;

/// Why bytes are not a country table.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TableError {
    #[error("not a Meridian country table (magic {0:?})")]
    Magic(Vec<u8>),
    #[error("the country table is truncated or has trailing bytes ({0})")]
    Size(&'static str),
    #[error("the country table is inconsistent: {0}")]
    Corrupt(&'static str),
    #[error("too many countries for one-byte values ({0}, at most {MAX_CODES})")]
    TooManyCodes(usize),
}

/// A country table read in place from `'a` bytes.
#[derive(Clone)]
pub struct CountryTable<'a> {
    build_epoch: u64,
    database_type: String,
    codes: Vec<CountryCode>,
    v4_index: &'a [u8],
    v4_low: &'a [u8],
    v4_value: &'a [u8],
    v6_high: &'a [u8],
    v6_value: &'a [u8],
    split_high: &'a [u8],
    split_index: &'a [u8],
    split_low: &'a [u8],
    split_value: &'a [u8],
}

/// Reads fixed-size fields off the front of the bytes.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], TableError> {
        if self.0.len() < n {
            return Err(TableError::Size(what));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, TableError> {
        Ok(self.take(1, what)?[0])
    }
    fn u32(&mut self, what: &'static str) -> Result<usize, TableError> {
        Ok(u32_at(self.take(4, what)?, 0) as usize)
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, TableError> {
        Ok(u64_at(self.take(8, what)?, 0))
    }
    fn array(
        &mut self,
        n: usize,
        width: usize,
        what: &'static str,
    ) -> Result<&'a [u8], TableError> {
        let len = n.checked_mul(width).ok_or(TableError::Size(what))?;
        self.take(len, what)
    }
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[2 * i], b[2 * i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    let mut x = [0; 4];
    x.copy_from_slice(&b[4 * i..4 * i + 4]);
    u32::from_le_bytes(x)
}
fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut x = [0; 8];
    x.copy_from_slice(&b[8 * i..8 * i + 8]);
    u64::from_le_bytes(x)
}

/// The index of the last of `n` sorted keys that is `<= key` (the first key
/// is always <= any key the caller looks up).
fn last_at_most<K: Ord>(n: usize, key: K, at: impl Fn(usize) -> K) -> usize {
    let (mut lo, mut hi) = (0, n);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if at(mid) <= key { lo = mid } else { hi = mid }
    }
    lo
}

impl<'a> CountryTable<'a> {
    /// Whether `bytes` start like a country table (and not a MaxMind DB).
    pub fn sniff(bytes: &[u8]) -> bool {
        bytes.starts_with(MAGIC)
    }

    /// Checks the layout and the indexes, then reads lookups from `bytes`
    /// in place. Corrupt bytes are an error here, never a panic later.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, TableError> {
        let mut c = Cursor(bytes);
        let magic = c.take(8, "magic")?;
        if magic != MAGIC {
            return Err(TableError::Magic(magic.to_vec()));
        }
        let build_epoch = c.u64("build epoch")?;
        let type_len = c.u8("type")? as usize;
        let database_type = String::from_utf8_lossy(c.take(type_len, "type")?).into_owned();
        let codes_len = c.u8("codes")? as usize;
        if codes_len > MAX_CODES {
            return Err(TableError::TooManyCodes(codes_len));
        }
        let codes = c
            .array(codes_len, 2, "codes")?
            .chunks_exact(2)
            .map(|pair| {
                std::str::from_utf8(pair)
                    .ok()
                    .and_then(CountryCode::parse)
                    .ok_or(TableError::Corrupt("a code is not a country"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let v4_index = c.array(V4_BUCKETS + 1, 4, "v4 index")?;
        let n4 = u32_at(v4_index, V4_BUCKETS) as usize;
        let v4_low = c.array(n4, 2, "v4 starts")?;
        let v4_value = c.array(n4, 1, "v4 values")?;
        let n6 = c.u32("v6 count")?;
        let v6_high = c.array(n6, 8, "v6 starts")?;
        let v6_value = c.array(n6, 1, "v6 values")?;
        let ns = c.u32("split count")?;
        let split_high = c.array(ns, 8, "split starts")?;
        let split_index = c.array(ns + 1, 4, "split index")?;
        let nl = c.u32("split entries")?;
        let split_low = c.array(nl, 8, "split low starts")?;
        let split_value = c.array(nl, 1, "split values")?;
        if !c.0.is_empty() {
            return Err(TableError::Size("trailing bytes"));
        }
        let table = Self {
            build_epoch,
            database_type,
            codes,
            v4_index,
            v4_low,
            v4_value,
            v6_high,
            v6_value,
            split_high,
            split_index,
            split_low,
            split_value,
        };
        table.check(n4, n6, ns, nl)?;
        Ok(table)
    }

    /// What lookups need to stay in bounds: non-empty buckets and split
    /// /64s that open at their first address, indexes inside the arrays, and
    /// values that name a code. Order inside a bucket is not checked (it
    /// would cost a pass over every entry on each open); a misordered table
    /// answers wrongly but never reads out of bounds, and the shipped one is
    /// checked against its source by the tests.
    fn check(&self, n4: usize, n6: usize, ns: usize, nl: usize) -> Result<(), TableError> {
        let corrupt = |what| Err(TableError::Corrupt(what));
        if u32_at(self.v4_index, 0) != 0 {
            return corrupt("the v4 index does not start at 0");
        }
        for b in 0..V4_BUCKETS {
            let (lo, hi) = (
                u32_at(self.v4_index, b) as usize,
                u32_at(self.v4_index, b + 1) as usize,
            );
            if lo >= hi || hi > n4 || u16_at(self.v4_low, lo) != 0 {
                return corrupt("a v4 bucket is empty or does not start at its first address");
            }
        }
        if n6 == 0 || u64_at(self.v6_high, 0) != 0 {
            return corrupt("the v6 list does not start at ::");
        }
        if u32_at(self.split_index, ns) as usize != nl {
            return corrupt("the split index does not cover its entries");
        }
        for s in 0..ns {
            let (lo, hi) = (
                u32_at(self.split_index, s) as usize,
                u32_at(self.split_index, s + 1) as usize,
            );
            if lo >= hi || hi > nl || u64_at(self.split_low, lo) != 0 {
                return corrupt("a split /64 is empty or does not start at its first address");
            }
        }
        let codes = self.codes.len() as u8;
        let bad = |values: &[u8], split_ok: bool| {
            values
                .iter()
                .any(|&v| v > codes && !(split_ok && v == SPLIT))
        };
        if bad(self.v4_value, false) || bad(self.v6_value, true) || bad(self.split_value, false) {
            return corrupt("a value names no code");
        }
        Ok(())
    }

    fn code(&self, value: u8) -> Option<CountryCode> {
        value.checked_sub(1).map(|v| self.codes[v as usize])
    }

    /// The country of an IPv4 address; `None` where the table has none.
    pub fn lookup_v4(&self, ip: Ipv4Addr) -> Option<CountryCode> {
        let ip = u32::from(ip);
        let bucket = (ip >> 16) as usize;
        let lo = u32_at(self.v4_index, bucket) as usize;
        let hi = u32_at(self.v4_index, bucket + 1) as usize;
        let low = ip as u16;
        let i = lo + last_at_most(hi - lo, low, |i| u16_at(self.v4_low, lo + i));
        self.code(self.v4_value[i])
    }

    fn split_of(&self, high: u64) -> Option<usize> {
        let ns = self.split_high.len() / 8;
        (ns > 0)
            .then(|| last_at_most(ns, high, |i| u64_at(self.split_high, i)))
            .filter(|&s| u64_at(self.split_high, s) == high)
    }

    /// The country of an IPv6 address; `None` where the table has none.
    /// IPv4 seen through IPv6 (mapped, 6to4, Teredo) is the caller's to map:
    /// this looks up the IPv6 ranges only.
    pub fn lookup_v6(&self, ip: Ipv6Addr) -> Option<CountryCode> {
        let ip = u128::from(ip);
        let (high, low) = ((ip >> 64) as u64, ip as u64);
        let n6 = self.v6_value.len();
        let i = last_at_most(n6, high, |i| u64_at(self.v6_high, i));
        match self.v6_value[i] {
            SPLIT => {
                let s = self.split_of(high)?;
                let lo = u32_at(self.split_index, s) as usize;
                let hi = u32_at(self.split_index, s + 1) as usize;
                let j = lo + last_at_most(hi - lo, low, |j| u64_at(self.split_low, lo + j));
                self.code(self.split_value[j])
            }
            v => self.code(v),
        }
    }

    /// The country of `ip` by its family.
    pub fn lookup(&self, ip: IpAddr) -> Option<CountryCode> {
        match ip {
            IpAddr::V4(v4) => self.lookup_v4(v4),
            IpAddr::V6(v6) => self.lookup_v6(v6),
        }
    }

    /// The source database's type name.
    pub fn database_type(&self) -> &str {
        &self.database_type
    }

    /// When the source database was built, Unix seconds.
    pub fn build_epoch(&self) -> u64 {
        self.build_epoch
    }
}

/// Writes a table from sorted, disjoint ranges `(first, last, country)`
/// of each family. Adjacent ranges of one country are merged; addresses in
/// no range have no country.
pub fn build(
    build_epoch: u64,
    database_type: &str,
    v4: &[(u32, u32, CountryCode)],
    v6: &[(u128, u128, CountryCode)],
) -> Result<Vec<u8>, TableError> {
    let mut codes: Vec<CountryCode> = v4
        .iter()
        .map(|r| r.2)
        .chain(v6.iter().map(|r| r.2))
        .collect();
    codes.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    codes.dedup();
    if codes.len() > MAX_CODES {
        return Err(TableError::TooManyCodes(codes.len()));
    }
    let value = |c: CountryCode| {
        codes
            .binary_search_by(|x| x.as_str().cmp(c.as_str()))
            .map_or(0, |i| i as u8 + 1)
    };
    let v4 = boundaries(
        v4.iter()
            .map(|&(a, b, c)| (u128::from(a), u128::from(b), value(c))),
        u128::from(u32::MAX),
    )?;
    let v6 = boundaries(v6.iter().map(|&(a, b, c)| (a, b, value(c))), u128::MAX)?;

    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&build_epoch.to_le_bytes());
    let ty = &database_type.as_bytes()[..database_type.len().min(255)];
    out.push(ty.len() as u8);
    out.extend_from_slice(ty);
    out.push(codes.len() as u8);
    for c in &codes {
        out.extend_from_slice(c.as_str().as_bytes());
    }

    // IPv4: each bucket opens with the value in force at its first address.
    let mut entries: Vec<(u16, u8)> = Vec::with_capacity(v4.len() + V4_BUCKETS);
    let mut index = Vec::with_capacity(V4_BUCKETS + 1);
    let (mut k, mut current) = (0, 0);
    for bucket in 0..V4_BUCKETS as u128 {
        let (first, last) = (bucket << 16, bucket << 16 | 0xffff);
        index.push(entries.len() as u32);
        while k < v4.len() && v4[k].0 <= first {
            current = v4[k].1;
            k += 1;
        }
        entries.push((0, current));
        while k < v4.len() && v4[k].0 <= last {
            current = v4[k].1;
            entries.push((v4[k].0 as u16, current));
            k += 1;
        }
    }
    index.push(entries.len() as u32);
    for i in index {
        out.extend_from_slice(&i.to_le_bytes());
    }
    for (low, _) in &entries {
        out.extend_from_slice(&low.to_le_bytes());
    }
    out.extend(entries.iter().map(|e| e.1));

    // IPv6: an entry per top-64-bit start; a /64 with a boundary inside is
    // split, and the /64 after it restates the value then in force.
    let mut high: Vec<(u64, u8)> = Vec::new();
    let mut splits: Vec<(u64, Vec<(u64, u8)>)> = Vec::new();
    let top = |start: u128| (start >> 64) as u64;
    let mut i = 0;
    while i < v6.len() {
        let h = top(v6[i].0);
        let j = i + v6[i..].iter().take_while(|e| top(e.0) == h).count();
        let group = &v6[i..j];
        if group.len() == 1 && group[0].0 as u64 == 0 {
            high.push((h, group[0].1));
        } else {
            let mut inner = Vec::with_capacity(group.len() + 1);
            // v6[0] starts at ::, so a group that does not is not the first.
            if group[0].0 as u64 != 0 {
                inner.push((0, v6[i - 1].1));
            }
            inner.extend(group.iter().map(|&(s, v)| (s as u64, v)));
            let after = inner.last().map_or(0, |e| e.1);
            high.push((h, SPLIT));
            splits.push((h, inner));
            if let Some(next) = h.checked_add(1)
                && v6.get(j).is_none_or(|e| top(e.0) != next)
            {
                high.push((next, after));
            }
        }
        i = j;
    }
    out.extend_from_slice(&(high.len() as u32).to_le_bytes());
    for (h, _) in &high {
        out.extend_from_slice(&h.to_le_bytes());
    }
    out.extend(high.iter().map(|e| e.1));
    out.extend_from_slice(&(splits.len() as u32).to_le_bytes());
    for (h, _) in &splits {
        out.extend_from_slice(&h.to_le_bytes());
    }
    let mut at = 0u32;
    for (_, inner) in &splits {
        out.extend_from_slice(&at.to_le_bytes());
        at += inner.len() as u32;
    }
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    for (_, inner) in &splits {
        for (low, _) in inner {
            out.extend_from_slice(&low.to_le_bytes());
        }
    }
    for (_, inner) in &splits {
        out.extend(inner.iter().map(|e| e.1));
    }
    Ok(out)
}

/// Sorted, disjoint ranges as boundaries `(start, value)` from address 0,
/// a new one only where the value changes; gaps have value 0.
fn boundaries(
    ranges: impl Iterator<Item = (u128, u128, u8)>,
    max: u128,
) -> Result<Vec<(u128, u8)>, TableError> {
    fn push(out: &mut Vec<(u128, u8)>, start: u128, value: u8) {
        if out.last().is_none_or(|e| e.1 != value) {
            out.push((start, value));
        }
    }
    let mut out = Vec::new();
    let mut next = Some(0u128); // the first address not yet covered
    for (first, last, value) in ranges {
        let Some(n) = next.filter(|&n| first >= n && last >= first && last <= max) else {
            return Err(TableError::Corrupt("ranges are not sorted and disjoint"));
        };
        if first > n {
            push(&mut out, n, 0);
        }
        push(&mut out, first, value);
        next = (last < max).then(|| last + 1);
    }
    if let Some(n) = next {
        push(&mut out, n, 0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
