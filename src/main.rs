#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    rekisteri::cli::main()
}
