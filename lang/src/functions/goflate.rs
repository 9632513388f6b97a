//! A byte-exact port of Go's DEFLATE compressor at the default level (6) and of the gzip framing
//! Go's `compress/gzip` writes, so that `base64gzip` produces exactly Terraform's bytes.
//!
//! Ported from the Go standard library as of Go 1.16 (the toolchain Terraform 1.0.3 was built
//! with; these files are unchanged in what they emit from Go 1.7 to at least Go 1.22):
//!
//! - `src/compress/flate/deflate.go`: the window, the hash chains, `findMatch` and the lazy
//!   matching `deflate()` step with level 6's parameters (good 8, lazy 16, nice 128, chain 128,
//!   no fast skipping), `fillDeflate`, `writeBlock`, `syncFlush` and `close`;
//! - `src/compress/flate/huffman_bit_writer.go`: the bit writer, `writeBlock`'s choice between a
//!   fixed, a dynamic and a stored block, the code-length run-length coding (`generateCodegen`),
//!   the dynamic header and the token writer;
//! - `src/compress/flate/huffman_code.go`: Go's length-limited Huffman code construction
//!   (`generate`, `bitCounts`, `assignEncodingAndSize`) and the fixed codes;
//! - `src/compress/flate/token.go`: the token layout and the length and offset code tables;
//! - `src/compress/gzip/gzip.go`: the header (no name, no mtime, XFL 0 at the default level,
//!   OS 255) and the CRC-32 and ISIZE trailer.
//!
//! Levels other than 6 (the stored, Huffman-only and `deflatefast.go` paths, and the
//! fast-skip-hashing branch of levels 2 and 3) are not ported, nor are the encoder's
//! `writeBlockDynamic`/`writeBlockHuff`, which only those levels use.
//!
//! Copyright 2009 The Go Authors. All rights reserved. Use of the Go source is governed by a
//! BSD-style license (BSD-3-Clause):
//!
//! Redistribution and use in source and binary forms, with or without modification, are
//! permitted provided that the following conditions are met:
//!
//! * Redistributions of source code must retain the above copyright notice, this list of
//!   conditions and the following disclaimer.
//! * Redistributions in binary form must reproduce the above copyright notice, this list of
//!   conditions and the following disclaimer in the documentation and/or other materials
//!   provided with the distribution.
//! * Neither the name of Google Inc. nor the names of its contributors may be used to endorse
//!   or promote products derived from this software without specific prior written
//!   permission.
//!
//! THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS
//! OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
//! MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
//! COPYRIGHT OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
//! EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
//! SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
//! HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR
//! TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
//! SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

// ---------------------------------------------------------------------------------------------
// gzip.go
// ---------------------------------------------------------------------------------------------

/// What Terraform's `base64gzip` does before base64: `gzip.NewWriter` (default level), one
/// `Write` of the whole input, `Flush`, `Close`.
pub(crate) fn gzip_write_flush_close(data: &[u8]) -> Vec<u8> {
    // Header, written on the first Write: ID1 ID2 CM FLG MTIME(4) XFL OS. No name, comment or
    // extra, a zero mtime, XFL 0 (neither BestCompression nor BestSpeed), OS 255 (unknown).
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut c = Compressor::new();
    c.write(data);
    c.sync_flush();
    c.close();
    out.extend_from_slice(&c.w.out);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE), as `hash/crc32.ChecksumIEEE`.
fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
        }
        *slot = c;
    }
    let mut crc = !0u32;
    for &b in data {
        crc = table[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

// ---------------------------------------------------------------------------------------------
// deflate.go
// ---------------------------------------------------------------------------------------------

const LOG_WINDOW_SIZE: usize = 15;
const WINDOW_SIZE: usize = 1 << LOG_WINDOW_SIZE;
const WINDOW_MASK: usize = WINDOW_SIZE - 1;

const BASE_MATCH_LENGTH: usize = 3;
const MIN_MATCH_LENGTH: usize = 4;
const MAX_MATCH_LENGTH: usize = 258;
const BASE_MATCH_OFFSET: usize = 1;

const MAX_FLATE_BLOCK_TOKENS: usize = 1 << 14;
const MAX_STORE_BLOCK_SIZE: usize = 65535;
const HASH_BITS: u32 = 17;
const HASH_SIZE: usize = 1 << HASH_BITS;
const HASH_MASK: u32 = (1 << HASH_BITS) - 1;
const MAX_HASH_OFFSET: isize = 1 << 24;

// Level 6: {6, 8, 16, 128, 128, skipNever}.
const GOOD: usize = 8;
const LAZY: usize = 16;
const NICE: usize = 128;
const CHAIN: usize = 128;

const HASHMUL: u32 = 0x1e35_a7bd;

/// `hash4`: a hash of the first 4 bytes of `b`.
fn hash4(b: &[u8]) -> u32 {
    let v = u32::from(b[3]) | u32::from(b[2]) << 8 | u32::from(b[1]) << 16 | u32::from(b[0]) << 24;
    v.wrapping_mul(HASHMUL) >> (32 - HASH_BITS)
}

/// `matchLen`: the number of matching bytes of `a` and `b`, up to `max`.
fn match_len(a: &[u8], b: &[u8], max: usize) -> usize {
    a[..max].iter().zip(&b[..max]).position(|(x, y)| x != y).unwrap_or(max)
}

struct Compressor {
    w: HuffmanBitWriter,
    sync: bool,

    chain_head: isize,
    hash_head: Vec<u32>,
    hash_prev: Vec<u32>,
    hash_offset: isize,

    index: usize,
    window: Vec<u8>,
    window_end: usize,
    /// Window index where the current tokens start; `None` is Go's `math.MaxInt32`.
    block_start: Option<usize>,
    byte_available: bool,

    tokens: Vec<Token>,

    length: usize,
    offset: usize,
    max_insert_index: isize,
}

impl Compressor {
    /// `init` with `DefaultCompression` (`initDeflate`).
    fn new() -> Self {
        Compressor {
            w: HuffmanBitWriter::new(),
            sync: false,
            chain_head: -1,
            hash_head: vec![0; HASH_SIZE],
            hash_prev: vec![0; WINDOW_SIZE],
            hash_offset: 1,
            index: 0,
            window: vec![0; 2 * WINDOW_SIZE],
            window_end: 0,
            block_start: Some(0),
            byte_available: false,
            tokens: Vec::with_capacity(MAX_FLATE_BLOCK_TOKENS + 1),
            length: MIN_MATCH_LENGTH - 1,
            offset: 0,
            max_insert_index: 0,
        }
    }

    fn fill_deflate(&mut self, b: &[u8]) -> usize {
        if self.index >= 2 * WINDOW_SIZE - (MIN_MATCH_LENGTH + MAX_MATCH_LENGTH) {
            // Shift the window by WINDOW_SIZE.
            self.window.copy_within(WINDOW_SIZE..2 * WINDOW_SIZE, 0);
            self.index -= WINDOW_SIZE;
            self.window_end -= WINDOW_SIZE;
            self.block_start = match self.block_start {
                Some(bs) if bs >= WINDOW_SIZE => Some(bs - WINDOW_SIZE),
                _ => None,
            };
            self.hash_offset += WINDOW_SIZE as isize;
            if self.hash_offset > MAX_HASH_OFFSET {
                let delta = self.hash_offset - 1;
                self.hash_offset -= delta;
                self.chain_head -= delta;
                for v in self.hash_prev.iter_mut().chain(self.hash_head.iter_mut()) {
                    *v = if *v as isize > delta { (*v as isize - delta) as u32 } else { 0 };
                }
            }
        }
        let n = b.len().min(self.window.len() - self.window_end);
        self.window[self.window_end..self.window_end + n].copy_from_slice(&b[..n]);
        self.window_end += n;
        n
    }

    fn write_block(&mut self, index: usize) {
        if index > 0 {
            let window = match self.block_start {
                Some(bs) if bs <= index => Some(&self.window[bs..index]),
                _ => None,
            };
            self.block_start = Some(index);
            self.w.write_block(&mut self.tokens, false, window);
        }
    }

    /// `findMatch`: a match at `pos` longer than `prev_length`, looking at `CHAIN` candidates.
    fn find_match(&self, pos: usize, prev_head: isize, prev_length: usize, lookahead: usize) -> Option<(usize, usize)> {
        let min_match_look = MAX_MATCH_LENGTH.min(lookahead);
        let win = &self.window[0..pos + min_match_look];

        // We quit when we get a match that's at least nice long.
        let nice = (win.len() - pos).min(NICE);

        // If we've got a match that's good enough, only look in 1/4 the chain.
        let mut tries = CHAIN;
        let mut length = prev_length;
        if length >= GOOD {
            tries >>= 2;
        }
        let mut found = None;

        let mut w_end = win[pos + length];
        let w_pos = &win[pos..];
        let min_index = pos as isize - WINDOW_SIZE as isize;

        let mut i = prev_head;
        while tries > 0 {
            let iu = i as usize;
            if w_end == win[iu + length] {
                let n = match_len(&win[iu..], w_pos, min_match_look);
                if n > length && (n > MIN_MATCH_LENGTH || pos - iu <= 4096) {
                    length = n;
                    found = Some((n, pos - iu));
                    if n >= nice {
                        // The match is good enough that we don't try to find a better one.
                        break;
                    }
                    w_end = win[pos + n];
                }
            }
            if i == min_index {
                // hashPrev[i & windowMask] has already been overwritten, so stop now.
                break;
            }
            i = self.hash_prev[iu & WINDOW_MASK] as isize - self.hash_offset;
            if i < min_index || i < 0 {
                break;
            }
            tries -= 1;
        }
        found
    }

    fn insert_hash(&mut self, index: usize) -> u32 {
        let hash = hash4(&self.window[index..index + MIN_MATCH_LENGTH]);
        let hh = &mut self.hash_head[(hash & HASH_MASK) as usize];
        let prev = *hh;
        self.hash_prev[index & WINDOW_MASK] = prev;
        *hh = (index as isize + self.hash_offset) as u32;
        prev
    }

    /// `deflate()` for a lazy-matching level (`fastSkipHashing == skipNever`).
    fn deflate(&mut self) {
        if self.window_end - self.index < MIN_MATCH_LENGTH + MAX_MATCH_LENGTH && !self.sync {
            return;
        }

        self.max_insert_index = self.window_end as isize - (MIN_MATCH_LENGTH as isize - 1);

        loop {
            let lookahead = self.window_end - self.index;
            if lookahead < MIN_MATCH_LENGTH + MAX_MATCH_LENGTH {
                if !self.sync {
                    break;
                }
                if lookahead == 0 {
                    // Flush current output block if any.
                    if self.byte_available {
                        // There is still one pending token that needs to be flushed.
                        self.tokens.push(literal_token(self.window[self.index - 1]));
                        self.byte_available = false;
                    }
                    if !self.tokens.is_empty() {
                        self.write_block(self.index);
                        self.tokens.clear();
                    }
                    break;
                }
            }
            if (self.index as isize) < self.max_insert_index {
                // Update the hash.
                self.chain_head = self.insert_hash(self.index) as isize;
            }
            let prev_length = self.length;
            let prev_offset = self.offset;
            self.length = MIN_MATCH_LENGTH - 1;
            self.offset = 0;
            let min_index = (self.index as isize - WINDOW_SIZE as isize).max(0);

            if self.chain_head - self.hash_offset >= min_index && lookahead > prev_length && prev_length < LAZY {
                if let Some((new_length, new_offset)) =
                    self.find_match(self.index, self.chain_head - self.hash_offset, MIN_MATCH_LENGTH - 1, lookahead)
                {
                    self.length = new_length;
                    self.offset = new_offset;
                }
            }
            if prev_length >= MIN_MATCH_LENGTH && self.length <= prev_length {
                // There was a match at the previous step, and the current match is not better.
                // Output the previous match.
                self.tokens.push(match_token(
                    (prev_length - BASE_MATCH_LENGTH) as u32,
                    (prev_offset - BASE_MATCH_OFFSET) as u32,
                ));
                // Insert in the hash table all strings up to the end of the match. index and
                // index-1 are already inserted. If there is not enough lookahead, the last two
                // strings are not inserted into the hash table.
                let new_index = self.index + prev_length - 1;
                self.index += 1;
                while self.index < new_index {
                    if (self.index as isize) < self.max_insert_index {
                        self.insert_hash(self.index);
                    }
                    self.index += 1;
                }
                self.byte_available = false;
                self.length = MIN_MATCH_LENGTH - 1;
                if self.tokens.len() == MAX_FLATE_BLOCK_TOKENS {
                    // The block includes the current character.
                    self.write_block(self.index);
                    self.tokens.clear();
                }
            } else {
                if self.byte_available {
                    let i = self.index - 1;
                    self.tokens.push(literal_token(self.window[i]));
                    if self.tokens.len() == MAX_FLATE_BLOCK_TOKENS {
                        self.write_block(i + 1);
                        self.tokens.clear();
                    }
                }
                self.index += 1;
                self.byte_available = true;
            }
        }
    }

    fn write(&mut self, mut b: &[u8]) {
        while !b.is_empty() {
            self.deflate();
            let n = self.fill_deflate(b);
            b = &b[n..];
        }
    }

    fn sync_flush(&mut self) {
        self.sync = true;
        self.deflate();
        self.w.write_stored_header(0, false);
        self.w.flush();
        self.sync = false;
    }

    fn close(&mut self) {
        self.sync = true;
        self.deflate();
        self.w.write_stored_header(0, true);
        self.w.flush();
    }
}

// ---------------------------------------------------------------------------------------------
// token.go
// ---------------------------------------------------------------------------------------------

type Token = u32;

const LENGTH_SHIFT: u32 = 22;
const OFFSET_MASK: u32 = (1 << LENGTH_SHIFT) - 1;
const MATCH_TYPE: u32 = 1 << 30;

fn literal_token(literal: u8) -> Token {
    u32::from(literal)
}

fn match_token(xlength: u32, xoffset: u32) -> Token {
    MATCH_TYPE + (xlength << LENGTH_SHIFT) + xoffset
}

fn token_length(t: Token) -> u32 {
    (t - MATCH_TYPE) >> LENGTH_SHIFT
}

fn token_offset(t: Token) -> u32 {
    t & OFFSET_MASK
}

#[rustfmt::skip]
const LENGTH_CODES: [u8; 256] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 8,
    9, 9, 10, 10, 11, 11, 12, 12, 12, 12,
    13, 13, 13, 13, 14, 14, 14, 14, 15, 15,
    15, 15, 16, 16, 16, 16, 16, 16, 16, 16,
    17, 17, 17, 17, 17, 17, 17, 17, 18, 18,
    18, 18, 18, 18, 18, 18, 19, 19, 19, 19,
    19, 19, 19, 19, 20, 20, 20, 20, 20, 20,
    20, 20, 20, 20, 20, 20, 20, 20, 20, 20,
    21, 21, 21, 21, 21, 21, 21, 21, 21, 21,
    21, 21, 21, 21, 21, 21, 22, 22, 22, 22,
    22, 22, 22, 22, 22, 22, 22, 22, 22, 22,
    22, 22, 23, 23, 23, 23, 23, 23, 23, 23,
    23, 23, 23, 23, 23, 23, 23, 23, 24, 24,
    24, 24, 24, 24, 24, 24, 24, 24, 24, 24,
    24, 24, 24, 24, 24, 24, 24, 24, 24, 24,
    24, 24, 24, 24, 24, 24, 24, 24, 24, 24,
    25, 25, 25, 25, 25, 25, 25, 25, 25, 25,
    25, 25, 25, 25, 25, 25, 25, 25, 25, 25,
    25, 25, 25, 25, 25, 25, 25, 25, 25, 25,
    25, 25, 26, 26, 26, 26, 26, 26, 26, 26,
    26, 26, 26, 26, 26, 26, 26, 26, 26, 26,
    26, 26, 26, 26, 26, 26, 26, 26, 26, 26,
    26, 26, 26, 26, 27, 27, 27, 27, 27, 27,
    27, 27, 27, 27, 27, 27, 27, 27, 27, 27,
    27, 27, 27, 27, 27, 27, 27, 27, 27, 27,
    27, 27, 27, 27, 27, 28,
];

#[rustfmt::skip]
const OFFSET_CODES: [u8; 256] = [
    0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7,
    8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9,
    10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
    11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13,
    13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13,
    14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14,
    14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14,
    14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14,
    14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14,
    15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
    15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
    15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
    15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
];

fn length_code(len: u32) -> u32 {
    u32::from(LENGTH_CODES[len as usize])
}

/// `offsetCode`: the offset code for an offset (minus one).
fn offset_code(off: u32) -> u32 {
    const N: u32 = OFFSET_CODES.len() as u32;
    if off < N {
        u32::from(OFFSET_CODES[off as usize])
    } else if off >> 7 < N {
        u32::from(OFFSET_CODES[(off >> 7) as usize]) + 14
    } else {
        u32::from(OFFSET_CODES[(off >> 14) as usize]) + 28
    }
}

// ---------------------------------------------------------------------------------------------
// huffman_bit_writer.go
// ---------------------------------------------------------------------------------------------

/// `maxNumLit` (inflate.go): the number of literal/length codes.
const MAX_NUM_LIT: usize = 286;
const OFFSET_CODE_COUNT: usize = 30;
const END_BLOCK_MARKER: u32 = 256;
const LENGTH_CODES_START: usize = 257;
const CODEGEN_CODE_COUNT: usize = 19;
const BAD_CODE: u8 = 255;

#[rustfmt::skip]
const LENGTH_EXTRA_BITS: [u8; 29] = [
    /* 257 */ 0, 0, 0,
    /* 260 */ 0, 0, 0, 0, 0, 1, 1, 1, 1, 2,
    /* 270 */ 2, 2, 2, 3, 3, 3, 3, 4, 4, 4,
    /* 280 */ 4, 5, 5, 5, 5, 0,
];

#[rustfmt::skip]
const LENGTH_BASE: [u32; 29] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 10,
    12, 14, 16, 20, 24, 28, 32, 40, 48, 56,
    64, 80, 96, 112, 128, 160, 192, 224, 255,
];

#[rustfmt::skip]
const OFFSET_EXTRA_BITS: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3,
    4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
    9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];

#[rustfmt::skip]
const OFFSET_BASE: [u32; 30] = [
    0x000000, 0x000001, 0x000002, 0x000003, 0x000004,
    0x000006, 0x000008, 0x00000c, 0x000010, 0x000018,
    0x000020, 0x000030, 0x000040, 0x000060, 0x000080,
    0x0000c0, 0x000100, 0x000180, 0x000200, 0x000300,
    0x000400, 0x000600, 0x000800, 0x000c00, 0x001000,
    0x001800, 0x002000, 0x003000, 0x004000, 0x006000,
];

/// The odd order in which the codegen code sizes are written.
const CODEGEN_ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

struct HuffmanBitWriter {
    /// Everything written so far (Go's underlying `io.Writer`).
    out: Vec<u8>,
    bits: u64,
    nbits: u32,
    codegen_freq: [i32; CODEGEN_CODE_COUNT],
    literal_freq: Vec<i32>,
    offset_freq: Vec<i32>,
    codegen: Vec<u8>,
    literal_encoding: HuffmanEncoder,
    offset_encoding: HuffmanEncoder,
    codegen_encoding: HuffmanEncoder,
    fixed_literal_encoding: HuffmanEncoder,
    fixed_offset_encoding: HuffmanEncoder,
}

impl HuffmanBitWriter {
    fn new() -> Self {
        HuffmanBitWriter {
            out: Vec::new(),
            bits: 0,
            nbits: 0,
            codegen_freq: [0; CODEGEN_CODE_COUNT],
            literal_freq: vec![0; MAX_NUM_LIT],
            offset_freq: vec![0; OFFSET_CODE_COUNT],
            codegen: vec![0; MAX_NUM_LIT + OFFSET_CODE_COUNT + 1],
            literal_encoding: HuffmanEncoder::new(MAX_NUM_LIT),
            offset_encoding: HuffmanEncoder::new(OFFSET_CODE_COUNT),
            codegen_encoding: HuffmanEncoder::new(CODEGEN_CODE_COUNT),
            fixed_literal_encoding: HuffmanEncoder::fixed_literal(),
            fixed_offset_encoding: HuffmanEncoder::fixed_offset(),
        }
    }

    /// `flush`: write out the pending bits, padding the last byte with zeros.
    fn flush(&mut self) {
        while self.nbits != 0 {
            self.out.push(self.bits as u8);
            self.bits >>= 8;
            self.nbits = self.nbits.saturating_sub(8);
        }
        self.bits = 0;
    }

    /// `writeBits`. Go buffers 48 bits at a time; the byte stream is the same as emitting every
    /// whole byte at once.
    fn write_bits(&mut self, b: u32, nb: u32) {
        self.bits |= u64::from(b) << self.nbits;
        self.nbits += nb;
        while self.nbits >= 8 {
            self.out.push(self.bits as u8);
            self.bits >>= 8;
            self.nbits -= 8;
        }
    }

    fn write_code(&mut self, c: Hcode) {
        self.write_bits(u32::from(c.code), u32::from(c.len));
    }

    /// `writeBytes`: raw bytes after a byte-aligned header.
    fn write_bytes(&mut self, bytes: &[u8]) {
        debug_assert_eq!(self.nbits & 7, 0, "writeBytes with unfinished bits");
        self.flush();
        self.out.extend_from_slice(bytes);
    }

    /// `generateCodegen`: RFC 1951 3.2.7's run-length coding of the concatenated literal and
    /// offset code lengths, into `codegen` (ended by `BAD_CODE`), counting into `codegen_freq`.
    fn generate_codegen(&mut self, num_literals: usize, num_offsets: usize, lit_enc: &HuffmanEncoder, off_enc: &HuffmanEncoder) {
        self.codegen_freq = [0; CODEGEN_CODE_COUNT];
        let codegen = &mut self.codegen;
        for (cg, c) in codegen[..num_literals].iter_mut().zip(&lit_enc.codes) {
            *cg = c.len as u8;
        }
        for (cg, c) in codegen[num_literals..num_literals + num_offsets].iter_mut().zip(&off_enc.codes) {
            *cg = c.len as u8;
        }
        codegen[num_literals + num_offsets] = BAD_CODE;

        let mut size = codegen[0];
        let mut count: i32 = 1;
        let mut out_index = 0;
        let mut in_index = 1;
        while size != BAD_CODE {
            // INVARIANT: we have seen "count" copies of size that have not yet had output
            // generated for them.
            let next_size = codegen[in_index];
            in_index += 1;
            if next_size == size {
                count += 1;
                continue;
            }
            // We need to generate codegen indicating "count" of size.
            if size != 0 {
                codegen[out_index] = size;
                out_index += 1;
                self.codegen_freq[size as usize] += 1;
                count -= 1;
                while count >= 3 {
                    let n = count.min(6);
                    codegen[out_index] = 16;
                    out_index += 1;
                    codegen[out_index] = (n - 3) as u8;
                    out_index += 1;
                    self.codegen_freq[16] += 1;
                    count -= n;
                }
            } else {
                while count >= 11 {
                    let n = count.min(138);
                    codegen[out_index] = 18;
                    out_index += 1;
                    codegen[out_index] = (n - 11) as u8;
                    out_index += 1;
                    self.codegen_freq[18] += 1;
                    count -= n;
                }
                if count >= 3 {
                    // count >= 3 && count <= 10
                    codegen[out_index] = 17;
                    out_index += 1;
                    codegen[out_index] = (count - 3) as u8;
                    out_index += 1;
                    self.codegen_freq[17] += 1;
                    count = 0;
                }
            }
            count -= 1;
            while count >= 0 {
                codegen[out_index] = size;
                out_index += 1;
                self.codegen_freq[size as usize] += 1;
                count -= 1;
            }
            // Set up invariant for next time through the loop.
            size = next_size;
            count = 1;
        }
        // Marker indicating the end of the codegen.
        codegen[out_index] = BAD_CODE;
    }

    /// `dynamicSize`: the size in bits of the block dynamically encoded, and the number of
    /// codegen code lengths to send.
    fn dynamic_size(&self, lit_enc: &HuffmanEncoder, off_enc: &HuffmanEncoder, extra_bits: i64) -> (i64, usize) {
        let mut num_codegens = self.codegen_freq.len();
        while num_codegens > 4 && self.codegen_freq[CODEGEN_ORDER[num_codegens - 1]] == 0 {
            num_codegens -= 1;
        }
        let header = 3 + 5 + 5 + 4 + (3 * num_codegens as i64)
            + self.codegen_encoding.bit_length(&self.codegen_freq)
            + i64::from(self.codegen_freq[16]) * 2
            + i64::from(self.codegen_freq[17]) * 3
            + i64::from(self.codegen_freq[18]) * 7;
        let size = header + lit_enc.bit_length(&self.literal_freq) + off_enc.bit_length(&self.offset_freq) + extra_bits;
        (size, num_codegens)
    }

    /// `fixedSize`: the size in bits of the block with the fixed codes.
    fn fixed_size(&self, extra_bits: i64) -> i64 {
        3 + self.fixed_literal_encoding.bit_length(&self.literal_freq)
            + self.fixed_offset_encoding.bit_length(&self.offset_freq)
            + extra_bits
    }

    /// `storedSize`: the stored size in bits, header included, if the input fits one block.
    fn stored_size(input: Option<&[u8]>) -> Option<i64> {
        match input {
            Some(b) if b.len() <= MAX_STORE_BLOCK_SIZE => Some((b.len() as i64 + 5) * 8),
            _ => None,
        }
    }

    fn write_dynamic_header(&mut self, num_literals: usize, num_offsets: usize, num_codegens: usize, is_eof: bool) {
        let first_bits = if is_eof { 5 } else { 4 };
        self.write_bits(first_bits, 3);
        self.write_bits((num_literals - 257) as u32, 5);
        self.write_bits((num_offsets - 1) as u32, 5);
        self.write_bits((num_codegens - 4) as u32, 4);

        for &o in &CODEGEN_ORDER[..num_codegens] {
            let value = u32::from(self.codegen_encoding.codes[o].len);
            self.write_bits(value, 3);
        }

        let mut i = 0;
        loop {
            let code_word = self.codegen[i];
            i += 1;
            if code_word == BAD_CODE {
                break;
            }
            self.write_code(self.codegen_encoding.codes[code_word as usize]);
            let extra = match code_word {
                16 => 2,
                17 => 3,
                18 => 7,
                _ => continue,
            };
            self.write_bits(u32::from(self.codegen[i]), extra);
            i += 1;
        }
    }

    fn write_stored_header(&mut self, length: usize, is_eof: bool) {
        self.write_bits(u32::from(is_eof), 3);
        self.flush();
        self.write_bits(length as u32, 16);
        self.write_bits(u32::from(!(length as u16)), 16);
    }

    fn write_fixed_header(&mut self, is_eof: bool) {
        // Indicate that we are a fixed Huffman block.
        self.write_bits(if is_eof { 3 } else { 2 }, 3);
    }

    /// `writeBlock`: write the tokens with the smallest of the fixed, dynamic and (when the
    /// input is given and fits) stored encodings.
    fn write_block(&mut self, tokens: &mut Vec<Token>, eof: bool, input: Option<&[u8]>) {
        tokens.push(END_BLOCK_MARKER);
        let (num_literals, num_offsets) = self.index_tokens(tokens);

        let mut extra_bits: i64 = 0;
        let stored_size = Self::stored_size(input);
        if stored_size.is_some() {
            // Only bother calculating the costs of the extra bits required by the length of
            // offset fields (the same for fixed and dynamic), if we need to compare those two
            // encodings against stored encoding.
            for length_code in LENGTH_CODES_START + 8..num_literals {
                // First eight length codes have extra size = 0.
                extra_bits += i64::from(self.literal_freq[length_code])
                    * i64::from(LENGTH_EXTRA_BITS[length_code - LENGTH_CODES_START]);
            }
            #[allow(clippy::needless_range_loop)] // as Go writes it
            for offset_code in 4..num_offsets {
                // First four offset codes have extra size = 0.
                extra_bits += i64::from(self.offset_freq[offset_code]) * i64::from(OFFSET_EXTRA_BITS[offset_code]);
            }
        }

        // Figure out smallest code. Fixed Huffman baseline.
        let mut use_fixed = true;
        let mut size = self.fixed_size(extra_bits);

        // Dynamic Huffman? Generate codegen and codegen frequencies, which indicate how to
        // encode the literal and offset encodings.
        let lit_enc = std::mem::replace(&mut self.literal_encoding, HuffmanEncoder::new(0));
        let off_enc = std::mem::replace(&mut self.offset_encoding, HuffmanEncoder::new(0));
        self.generate_codegen(num_literals, num_offsets, &lit_enc, &off_enc);
        let freq = self.codegen_freq;
        self.codegen_encoding.generate(&freq, 7);
        let (dynamic_size, num_codegens) = self.dynamic_size(&lit_enc, &off_enc, extra_bits);
        self.literal_encoding = lit_enc;
        self.offset_encoding = off_enc;

        if dynamic_size < size {
            size = dynamic_size;
            use_fixed = false;
        }

        // Stored bytes?
        if let (Some(stored), Some(input)) = (stored_size, input) {
            if stored < size {
                self.write_stored_header(input.len(), eof);
                self.write_bytes(input);
                return;
            }
        }

        // Huffman.
        if use_fixed {
            self.write_fixed_header(eof);
        } else {
            self.write_dynamic_header(num_literals, num_offsets, num_codegens, eof);
        }
        self.write_tokens(tokens, use_fixed);
    }

    /// `indexTokens`: count the tokens' symbols and build the literal and offset codes.
    fn index_tokens(&mut self, tokens: &[Token]) -> (usize, usize) {
        self.literal_freq.iter_mut().for_each(|f| *f = 0);
        self.offset_freq.iter_mut().for_each(|f| *f = 0);

        for &t in tokens {
            if t < MATCH_TYPE {
                self.literal_freq[t as usize] += 1;
                continue;
            }
            let length = token_length(t);
            let offset = token_offset(t);
            self.literal_freq[LENGTH_CODES_START + length_code(length) as usize] += 1;
            self.offset_freq[offset_code(offset) as usize] += 1;
        }

        // Get the number of literals.
        let mut num_literals = self.literal_freq.len();
        while self.literal_freq[num_literals - 1] == 0 {
            num_literals -= 1;
        }
        // Get the number of offsets.
        let mut num_offsets = self.offset_freq.len();
        while num_offsets > 0 && self.offset_freq[num_offsets - 1] == 0 {
            num_offsets -= 1;
        }
        if num_offsets == 0 {
            // We haven't found a single match. If we want to go with the dynamic encoding, we
            // should count at least one offset to be sure that the offset huffman tree could be
            // encoded.
            self.offset_freq[0] = 1;
            num_offsets = 1;
        }
        self.literal_encoding.generate(&self.literal_freq, 15);
        self.offset_encoding.generate(&self.offset_freq, 15);
        (num_literals, num_offsets)
    }

    /// `writeTokens`, with the fixed codes or the block's dynamic ones.
    fn write_tokens(&mut self, tokens: &[Token], fixed: bool) {
        let (le, oe) = if fixed {
            (std::mem::take(&mut self.fixed_literal_encoding), std::mem::take(&mut self.fixed_offset_encoding))
        } else {
            (std::mem::take(&mut self.literal_encoding), std::mem::take(&mut self.offset_encoding))
        };
        for &t in tokens {
            if t < MATCH_TYPE {
                self.write_code(le.codes[t as usize]);
                continue;
            }
            // Write the length.
            let length = token_length(t);
            let length_code = length_code(length) as usize;
            self.write_code(le.codes[length_code + LENGTH_CODES_START]);
            let extra_length_bits = u32::from(LENGTH_EXTRA_BITS[length_code]);
            if extra_length_bits > 0 {
                self.write_bits(length - LENGTH_BASE[length_code], extra_length_bits);
            }
            // Write the offset.
            let offset = token_offset(t);
            let offset_code = offset_code(offset) as usize;
            self.write_code(oe.codes[offset_code]);
            let extra_offset_bits = u32::from(OFFSET_EXTRA_BITS[offset_code]);
            if extra_offset_bits > 0 {
                self.write_bits(offset - OFFSET_BASE[offset_code], extra_offset_bits);
            }
        }
        if fixed {
            self.fixed_literal_encoding = le;
            self.fixed_offset_encoding = oe;
        } else {
            self.literal_encoding = le;
            self.offset_encoding = oe;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// huffman_code.go
// ---------------------------------------------------------------------------------------------

/// A Huffman code: the bits (already reversed for LSB-first writing) and their number.
#[derive(Clone, Copy, Default)]
struct Hcode {
    code: u16,
    len: u16,
}

#[derive(Default)]
struct HuffmanEncoder {
    codes: Vec<Hcode>,
    bit_count: [i32; 17],
}

#[derive(Clone, Copy, Default)]
struct LiteralNode {
    literal: u16,
    freq: i32,
}

/// The state of the constructed tree for a given depth.
#[derive(Clone, Copy, Default)]
struct LevelInfo {
    level: i32,
    /// The frequency of the last node at this level.
    last_freq: i32,
    /// The frequency of the next character to add to this level.
    next_char_freq: i32,
    /// The frequency of the next pair (from level below) to add to this level. Only valid if
    /// the "needed" value of the next lower level is 0.
    next_pair_freq: i32,
    /// The number of chains remaining to generate for this level before moving up to the next
    /// level.
    needed: i32,
}

const MAX_BITS_LIMIT: usize = 16;

fn max_node() -> LiteralNode {
    LiteralNode { literal: u16::MAX, freq: i32::MAX }
}

fn reverse_bits(number: u16, bit_length: u32) -> u16 {
    (number << (16 - bit_length)).reverse_bits()
}

impl HuffmanEncoder {
    fn new(size: usize) -> Self {
        HuffmanEncoder { codes: vec![Hcode::default(); size], bit_count: [0; 17] }
    }

    /// `generateFixedLiteralEncoding`.
    fn fixed_literal() -> Self {
        let mut h = Self::new(MAX_NUM_LIT);
        for ch in 0..MAX_NUM_LIT as u16 {
            let (bits, size) = match ch {
                // size 8, 000110000  .. 10111111
                0..=143 => (ch + 48, 8),
                // size 9, 110010000 .. 111111111
                144..=255 => (ch + 400 - 144, 9),
                // size 7, 0000000 .. 0010111
                256..=279 => (ch - 256, 7),
                // size 8, 11000000 .. 11000111
                _ => (ch + 192 - 280, 8),
            };
            h.codes[ch as usize] = Hcode { code: reverse_bits(bits, size), len: size as u16 };
        }
        h
    }

    /// `generateFixedOffsetEncoding`.
    fn fixed_offset() -> Self {
        let mut h = Self::new(30);
        for (i, c) in h.codes.iter_mut().enumerate() {
            *c = Hcode { code: reverse_bits(i as u16, 5), len: 5 };
        }
        h
    }

    fn bit_length(&self, freq: &[i32]) -> i64 {
        freq.iter()
            .zip(&self.codes)
            .filter(|(f, _)| **f != 0)
            .map(|(f, c)| i64::from(*f) * i64::from(c.len))
            .sum()
    }

    /// `bitCounts`: the number of literals assigned to each bit size in the length-limited
    /// Huffman code. `list` holds the literals with non-zero frequencies in increasing order of
    /// frequency (at least 3 of them), followed by one more slot for a sentinel.
    fn bit_counts(&mut self, list: &mut [LiteralNode], mut max_bits: i32) -> &[i32] {
        assert!(max_bits < MAX_BITS_LIMIT as i32, "flate: maxBits too large");
        let n = (list.len() - 1) as i32;
        list[n as usize] = max_node();

        // The tree can't have greater depth than n - 1, no matter what. This saves a little
        // bit of work in some small cases.
        if max_bits > n - 1 {
            max_bits = n - 1;
        }

        // Create information about each of the levels. A bogus "Level 0" whose sole purpose is
        // so that level1.prev.needed==0. This makes level1.nextPairFreq be a legitimate value
        // that never gets chosen.
        let mut levels = [LevelInfo::default(); MAX_BITS_LIMIT];
        // leafCounts[i] counts the number of literals at the left of ancestors of the rightmost
        // node at level i. leafCounts[i][j] is the number of literals at the left of the level
        // j ancestor.
        let mut leaf_counts = [[0i32; MAX_BITS_LIMIT]; MAX_BITS_LIMIT];

        for level in 1..=max_bits {
            // For every level, the first two items are the first two characters. We initialize
            // the levels as if we had already figured this out.
            let l = level as usize;
            levels[l] = LevelInfo {
                level,
                last_freq: list[1].freq,
                next_char_freq: list[2].freq,
                next_pair_freq: list[0].freq.wrapping_add(list[1].freq),
                needed: 0,
            };
            leaf_counts[l][l] = 2;
            if level == 1 {
                levels[l].next_pair_freq = i32::MAX;
            }
        }

        // We need a total of 2*n - 2 items at top level and have already generated 2.
        levels[max_bits as usize].needed = 2 * n - 4;

        let mut level = max_bits as usize;
        loop {
            let l = levels[level];
            if l.next_pair_freq == i32::MAX && l.next_char_freq == i32::MAX {
                // We've run out of both leafs and pairs. End all calculations for this level.
                // To make sure we never come back to this level or any lower level, set
                // nextPairFreq impossibly large.
                levels[level].needed = 0;
                levels[level + 1].next_pair_freq = i32::MAX;
                level += 1;
                continue;
            }

            let prev_freq = l.last_freq;
            if l.next_char_freq < l.next_pair_freq {
                // The next item on this row is a leaf node.
                let n = leaf_counts[level][level] + 1;
                levels[level].last_freq = l.next_char_freq;
                // Lower leafCounts are the same of the previous node.
                leaf_counts[level][level] = n;
                levels[level].next_char_freq = list[n as usize].freq;
            } else {
                // The next item on this row is a pair from the previous row. nextPairFreq isn't
                // valid until we generate two more values in the level below.
                levels[level].last_freq = l.next_pair_freq;
                // Take leaf counts from the lower level, except counts[level] remains the same.
                let (lower, upper) = leaf_counts.split_at_mut(level);
                upper[0][..level].copy_from_slice(&lower[level - 1][..level]);
                levels[l.level as usize - 1].needed = 2;
            }

            levels[level].needed -= 1;
            if levels[level].needed == 0 {
                // We've done everything we need to do for this level. Continue calculating one
                // level up. Fill in nextPairFreq of that level with the sum of the two nodes
                // we've just calculated on this level.
                if l.level == max_bits {
                    // All done!
                    break;
                }
                levels[l.level as usize + 1].next_pair_freq = prev_freq.wrapping_add(levels[level].last_freq);
                level += 1;
            } else {
                // If we stole from below, move down temporarily to replenish it.
                while levels[level - 1].needed > 0 {
                    level -= 1;
                }
            }
        }

        // Something is wrong if at the end, the top level is null or hasn't used all of the
        // leaves.
        assert_eq!(leaf_counts[max_bits as usize][max_bits as usize], n, "leafCounts[maxBits][maxBits] != n");

        let max_bits = max_bits as usize;
        let counts = &leaf_counts[max_bits];
        for (bits, level) in (1..).zip((1..=max_bits).rev()) {
            // chain.leafCount gives the number of literals requiring at least "bits" bits to
            // encode.
            self.bit_count[bits] = counts[level] - counts[level - 1];
        }
        &self.bit_count[..=max_bits]
    }

    /// `assignEncodingAndSize`: give the leaves their bit counts and codes (RFC 1951 3.2.2).
    fn assign_encoding_and_size(&mut self, bit_count: &[i32], mut list: &mut [LiteralNode]) {
        let mut code: u16 = 0;
        for (n, &bits) in bit_count.iter().enumerate() {
            code = code.wrapping_shl(1);
            if n == 0 || bits == 0 {
                continue;
            }
            // The literals list[len(list)-bits] .. list[len(list)-bits] are encoded using
            // "bits" bits, and get the values code, code + 1, .... The code values are
            // assigned in literal order (not frequency order).
            let split = list.len() - bits as usize;
            let (rest, chunk) = std::mem::take(&mut list).split_at_mut(split);
            chunk.sort_unstable_by_key(|node| node.literal);
            for node in chunk.iter() {
                self.codes[node.literal as usize] = Hcode { code: reverse_bits(code, n as u32), len: n as u16 };
                code = code.wrapping_add(1);
            }
            list = rest;
        }
    }

    /// `generate`: the minimum code, no longer than `max_bits`, for the frequencies `freq`.
    fn generate(&mut self, freq: &[i32], max_bits: i32) {
        let mut list: Vec<LiteralNode> = Vec::with_capacity(freq.len() + 1);
        for (i, &f) in freq.iter().enumerate() {
            if f != 0 {
                list.push(LiteralNode { literal: i as u16, freq: f });
            } else {
                self.codes[i].len = 0;
            }
        }
        let count = list.len();
        if count <= 2 {
            // Handle the small cases here, because they are awkward for the general case code.
            // With two or fewer literals, everything has bit length 1.
            for (i, node) in list.iter().enumerate() {
                // "list" is in order of increasing literal value.
                self.codes[node.literal as usize] = Hcode { code: i as u16, len: 1 };
            }
            return;
        }
        // byFreq: by frequency, then by literal (a total order, so any sort agrees with Go's).
        list.sort_unstable_by(|a, b| a.freq.cmp(&b.freq).then(a.literal.cmp(&b.literal)));
        list.push(LiteralNode::default());

        // Get the number of literals for each bit count.
        let bit_count = self.bit_counts(&mut list, max_bits).to_vec();
        // And do the assignment.
        self.assign_encoding_and_size(&bit_count, &mut list[..count]);
    }
}

#[cfg(test)]
mod tests {
    use super::gzip_write_flush_close;
    use base64::Engine as _;
    use std::io::Read as _;

    fn b64(d: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(gzip_write_flush_close(d))
    }

    #[test]
    fn matches_terraform_outputs() {
        // Terraform 1.0.3's base64gzip output for these inputs (tests/conformance/cases).
        assert_eq!(b64(br#"{"a":[1,2,3],"b":"text"}"#), "H4sIAAAAAAAA/6pWSlSyijbUMdIxjtVRSlKyUipJrShRqgUAAAD//wEAAP//AdnXWBgAAAA=");
        assert_eq!(b64("a".repeat(92).as_bytes()), "H4sIAAAAAAAA/0qkIQAAAAD//wEAAP//OJkj9FwAAAA=");
    }

    #[test]
    fn empty_input() {
        // Header, an empty sync-flush stored block, the final empty stored block, CRC 0, size 0.
        let out = gzip_write_flush_close(b"");
        assert_eq!(
            out,
            [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data).read_to_end(&mut out).expect("valid gzip");
        out
    }

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn round_trips() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut inputs: Vec<Vec<u8>> = vec![
            vec![],
            b"a".to_vec(),
            vec![0],
            b"ab".to_vec(),
            b"abc".to_vec(),
            b"abcd".to_vec(),
            "a".repeat(100_000).into_bytes(),
            "abc".repeat(40_000).into_bytes(),
            vec![0; 300_000],
            "The quick brown fox jumps over the lazy dog. ".repeat(3000).into_bytes(),
        ];
        for len in [1usize, 2, 3, 4, 5, 16, 100, 257, 258, 259, 1000, 4096, 32_768, 32_769, 65_535, 65_536, 70_000, 200_000] {
            inputs.push((0..len).map(|_| rng.next() as u8).collect());
            // Low-entropy bytes: many short matches and skewed literal frequencies.
            inputs.push((0..len).map(|_| b"aab\n "[(rng.next() % 5) as usize]).collect());
        }
        // Text-like data with repeats at varied distances, including ones past the window.
        let words = ["resource", "\"aws_instance\"", "{", "}", "=", "ami", "tags", "name", "\n", "  ", "var.x", "count"];
        let mut text = Vec::new();
        while text.len() < 300_000 {
            text.extend_from_slice(words[(rng.next() % words.len() as u64) as usize].as_bytes());
            text.push(b' ');
            if rng.next() % 50 == 0 {
                let n = rng.next() as usize % 40;
                text.extend((0..n).map(|_| rng.next() as u8));
            }
        }
        inputs.push(text);
        // A block of random data repeated beyond the 32K window, then partially.
        let chunk: Vec<u8> = (0..20_000).map(|_| rng.next() as u8).collect();
        inputs.push([chunk.clone(), chunk.clone(), chunk[..5000].to_vec(), chunk].concat());
        for input in &inputs {
            let gz = gzip_write_flush_close(input);
            assert_eq!(gunzip(&gz), *input, "round trip of {} bytes", input.len());
            assert_eq!(&gz[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
        }
    }

    /// Inputs made by the same generator in Go (below) and here: random, low-entropy, varied
    /// alphabets, runs, text-like data and copies at random distances up to and past the window.
    fn generated_inputs() -> Vec<Vec<u8>> {
        let mut r = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut out: Vec<Vec<u8>> = vec![];
        for l in [0usize, 1, 2, 3, 4, 5, 7, 16, 31, 100, 257, 258, 259, 300, 1000, 4096, 10000, 32768, 32769, 65535, 65536, 70000, 200000] {
            out.push((0..l).map(|_| r.next() as u8).collect());
            out.push((0..l).map(|_| b"aab\n "[(r.next() % 5) as usize]).collect());
            out.push((0..l).map(|i| b"abcdefghijklmnopqrstuvwxyz0123456789"[(r.next() % (3 + (i % 30) as u64)) as usize]).collect());
            out.push(vec![b'a'; l]);
            out.push(b"ab".repeat(l));
        }
        let words = ["resource", "\"aws_instance\"", "{", "}", "=", "ami", "tags", "name", "\n", "  ", "var.x", "count"];
        for target in [50usize, 500, 5000, 50000, 300000] {
            let mut t = Vec::new();
            while t.len() < target {
                t.extend_from_slice(words[(r.next() % words.len() as u64) as usize].as_bytes());
                t.push(b' ');
                if r.next() % 50 == 0 {
                    let n = r.next() % 40;
                    t.extend((0..n).map(|_| r.next() as u8));
                }
            }
            out.push(t);
        }
        for _ in 0..60 {
            let target = (r.next() % 70000) as usize;
            let alpha = 2 + r.next() % 254;
            let mut t: Vec<u8> = Vec::new();
            while t.len() < target {
                match r.next() % 3 {
                    0 => {
                        let n = r.next() % 50;
                        t.extend((0..n).map(|_| (r.next() % alpha) as u8));
                    }
                    1 if !t.is_empty() => {
                        let d = 1 + (r.next() % (t.len() as u64).min(40000)) as usize;
                        let n = 3 + (r.next() % 300) as usize;
                        for _ in 0..n {
                            t.push(t[t.len() - d]);
                        }
                    }
                    1 => {}
                    _ => {
                        let n = r.next() % 20;
                        let b = r.next() as u8;
                        t.extend((0..n).map(|_| b));
                    }
                }
            }
            out.push(t);
        }
        let chunk: Vec<u8> = (0..20000).map(|_| r.next() as u8).collect();
        out.push([chunk.clone(), chunk.clone(), chunk[..5000].to_vec(), chunk].concat());
        out
    }

    /// The SHA-256 of all the outputs for `generated_inputs`, concatenated, as Go's
    /// `compress/gzip` writes them (checked with Go 1.19, whose `compress/flate` emits the same as
    /// Go 1.16's) with this program, the generator being a line-for-line copy of the one above:
    ///
    /// ```go
    /// all := sha256.New()
    /// for _, in := range inputs() {
    ///     var b bytes.Buffer
    ///     w := gzip.NewWriter(&b)
    ///     w.Write(in); w.Flush(); w.Close()
    ///     all.Write(b.Bytes())
    /// }
    /// fmt.Printf("%x\n", all.Sum(nil))
    /// ```
    #[test]
    fn matches_go_on_generated_inputs() {
        use sha2::Digest as _;
        let mut all = sha2::Sha256::new();
        for input in generated_inputs() {
            let gz = gzip_write_flush_close(&input);
            assert_eq!(gunzip(&gz), input, "round trip of {} bytes", input.len());
            all.update(&gz);
        }
        assert_eq!(hex::encode(all.finalize()), "26b48f9ada0b085bf4268bb40527931db7ddbf5bb7d8a4af77e5cd617ff15879");
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(super::crc32(b"123456789"), 0xcbf4_3926);
    }
}

