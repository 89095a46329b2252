//! Why a run did not happen: a usage error (the command line asks for something there is not:
//! exit status 2) or a failure (building, files, QEMU, gdb: exit status 1).
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The command line is wrong: an unknown program, a word `abi::cmdline` cannot read.
    Usage(String),
    /// Anything else; the message says what went wrong.
    Failed(String),
}

impl Error {
    pub fn message(&self) -> &str {
        match self {
            Error::Usage(message) | Error::Failed(message) => message,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

/// The runner's other errors are strings (`?` turns them into failures).
impl From<String> for Error {
    fn from(message: String) -> Error {
        Error::Failed(message)
    }
}
