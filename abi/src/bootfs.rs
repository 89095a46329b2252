//! The boot archive: the user programs and the command line, carried to the kernel as the
//! bootloader's ramdisk. The runner writes it, the kernel and init read it.
//!
//! ```text
//! 0   magic "UKBOOT01"
//! 8   file count (u32 LE), command-line length (u32 LE)
//! 16  entries: name [u8; 32] (NUL-padded UTF-8), offset u64 LE, length u64 LE   (48 bytes each)
//! ..  command line (UTF-8: program names separated by spaces)
//! ..  file contents at their offsets
//! ```

/// The archive's first eight bytes (the format's name and version).
pub const MAGIC: &[u8; 8] = b"UKBOOT01";
const HEADER: usize = 16;
const ENTRY: usize = 48;
/// Longest file name.
pub const NAME_LEN: usize = 32;

/// What is wrong with an archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootFsError {
    /// The bytes do not start with [`MAGIC`].
    BadMagic,
    /// The header, an entry, a file or the command line runs past the end of the bytes.
    Truncated,
    /// A file name is empty, not UTF-8 or contains a space (for `build`: or is longer than
    /// [`NAME_LEN`]).
    BadName,
    /// The command line is not UTF-8.
    BadCommandLine,
}

/// A parsed, validated boot archive borrowing the bytes.
#[derive(Clone, Copy, Debug)]
pub struct BootFs<'a> {
    bytes: &'a [u8],
    count: usize,
    cmdline: &'a str,
}

/// One file of the archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct File<'a> {
    /// Its name: the program's name for a program (`init`, `hello`, ...).
    pub name: &'a str,
    /// Its contents.
    pub data: &'a [u8],
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

impl<'a> BootFs<'a> {
    /// Checks the whole archive: every entry's name and range, and the command line.
    pub fn parse(bytes: &'a [u8]) -> Result<BootFs<'a>, BootFsError> {
        if bytes.len() < HEADER {
            return Err(BootFsError::Truncated);
        }
        if &bytes[..8] != MAGIC {
            return Err(BootFsError::BadMagic);
        }
        let count = le_u32(bytes, 8) as usize;
        let cmd_len = le_u32(bytes, 12) as usize;
        let cmd_start = count
            .checked_mul(ENTRY)
            .and_then(|n| n.checked_add(HEADER))
            .ok_or(BootFsError::Truncated)?;
        let cmd_end = cmd_start
            .checked_add(cmd_len)
            .ok_or(BootFsError::Truncated)?;
        let cmd = bytes
            .get(cmd_start..cmd_end)
            .ok_or(BootFsError::Truncated)?;
        let cmdline = core::str::from_utf8(cmd).map_err(|_| BootFsError::BadCommandLine)?;
        let fs = BootFs {
            bytes,
            count,
            cmdline,
        };
        for i in 0..count {
            fs.entry(i)?;
        }
        Ok(fs)
    }

    fn entry(&self, i: usize) -> Result<File<'a>, BootFsError> {
        let at = HEADER + i * ENTRY;
        let raw_name = &self.bytes[at..at + NAME_LEN];
        let len = raw_name.iter().position(|&c| c == 0).unwrap_or(NAME_LEN);
        let name = core::str::from_utf8(&raw_name[..len]).map_err(|_| BootFsError::BadName)?;
        if name.is_empty() || name.contains(' ') {
            return Err(BootFsError::BadName);
        }
        let offset = le_u64(self.bytes, at + NAME_LEN) as usize;
        let length = le_u64(self.bytes, at + NAME_LEN + 8) as usize;
        let end = offset.checked_add(length).ok_or(BootFsError::Truncated)?;
        let data = self.bytes.get(offset..end).ok_or(BootFsError::Truncated)?;
        Ok(File { name, data })
    }

    /// The files, in archive order.
    pub fn files(&self) -> impl Iterator<Item = File<'a>> + '_ {
        // `parse` validated every entry, so this cannot fail.
        (0..self.count).filter_map(|i| self.entry(i).ok())
    }

    /// The first file called `name`.
    pub fn find(&self, name: &str) -> Option<File<'a>> {
        self.files().find(|f| f.name == name)
    }

    /// How many files the archive holds.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Does the archive hold no file?
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The program names the runner was given, separated by spaces.
    pub fn cmdline(&self) -> &'a str {
        self.cmdline
    }
}

/// Writes an archive (used by the runner).
#[cfg(any(test, feature = "alloc"))]
pub fn build(files: &[(&str, &[u8])], cmdline: &str) -> Result<alloc::vec::Vec<u8>, BootFsError> {
    use alloc::vec::Vec;
    let data_start = HEADER + files.len() * ENTRY + cmdline.len();
    let mut out =
        Vec::with_capacity(data_start + files.iter().map(|f| f.1.len() + 8).sum::<usize>());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(files.len() as u32).to_le_bytes());
    out.extend_from_slice(&(cmdline.len() as u32).to_le_bytes());
    let mut offset = data_start.next_multiple_of(8);
    for (name, data) in files {
        if name.is_empty() || name.len() > NAME_LEN || name.contains(' ') {
            return Err(BootFsError::BadName);
        }
        let mut raw = [0u8; NAME_LEN];
        raw[..name.len()].copy_from_slice(name.as_bytes());
        out.extend_from_slice(&raw);
        out.extend_from_slice(&(offset as u64).to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        offset = (offset + data.len()).next_multiple_of(8);
    }
    out.extend_from_slice(cmdline.as_bytes());
    for (_, data) in files {
        out.resize(out.len().next_multiple_of(8), 0);
        out.extend_from_slice(data);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let image = build(
            &[("init", b"\x7fELF-init"), ("hello", b"hi")],
            "hello hello",
        )
        .unwrap();
        let fs = BootFs::parse(&image).unwrap();
        assert_eq!(fs.len(), 2);
        assert_eq!(fs.cmdline(), "hello hello");
        assert_eq!(fs.find("hello").unwrap().data, b"hi");
        assert_eq!(fs.find("init").unwrap().data, b"\x7fELF-init");
        assert!(fs.find("nope").is_none());
    }

    #[test]
    fn rejects_damage() {
        let image = build(&[("init", b"0123456789")], "").unwrap();
        assert_eq!(
            BootFs::parse(&image[..10]).unwrap_err(),
            BootFsError::Truncated
        );
        assert_eq!(
            BootFs::parse(&image[..image.len() - 1]).unwrap_err(),
            BootFsError::Truncated
        );
        let mut bad = image.clone();
        bad[0] = b'X';
        assert_eq!(BootFs::parse(&bad).unwrap_err(), BootFsError::BadMagic);
        let mut huge = image.clone();
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(BootFs::parse(&huge).unwrap_err(), BootFsError::Truncated);
        assert_eq!(
            build(&[("a b", b"")], "").unwrap_err(),
            BootFsError::BadName
        );
    }
}
