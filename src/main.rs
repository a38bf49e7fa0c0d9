//! The `atende` binary: a shim over [`atende::cli`], so tests and tools share the library.

fn main() -> std::process::ExitCode {
    atende::cli::main()
}
