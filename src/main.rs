#![forbid(unsafe_code)]

/// mimalloc instead of the system allocator: a command builds and drops a register of many
/// small strings, and glibc's malloc and free were a fifth of its time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rekisteri::cli::main()
}
