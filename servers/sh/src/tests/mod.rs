//! Host tests of the shell's decisions: command lines read, jobs kept, ends reported.
mod jobs;
mod parse;
