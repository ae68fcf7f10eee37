//! The `hocvu` binary: parse the command line and hand over to the server.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    hocvu::server::cli::run().await
}
