use clap::Parser;
use fastintercom::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands whose stdout is the answer log only what needs a person's attention; the daemons log
    // their progress.
    fastintercom::telemetry::init_with_default(match cli.command {
        Command::Search(_)
        | Command::Conversation(_)
        | Command::Contact(_)
        | Command::Ticket(_)
        | Command::Company(_)
        | Command::Article(_) => "error",
        Command::Demo(_) | Command::Status(_) => "warn",
        _ => "info",
    });
    fastintercom::tls::init();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("fastintercom: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(async move {
        match cli.command {
            Command::Sync(a) => fastintercom::sync::run_cli((&a).into()).await,
            Command::Status(a) => fastintercom::status::run_cli((&a).into()).await,
            Command::Serve(a) => fastintercom::mcp::run_cli((&a).into()).await,
            Command::Proxy(a) => fastintercom::proxy::run_cli((&a).into()).await,
            #[cfg(feature = "simulator")]
            Command::Simulate(a) => fastintercom::simulator::run_cli((&a).into()).await,
            #[cfg(not(feature = "simulator"))]
            Command::Simulate(_) => Err(without_simulator("simulate")),
            Command::Search(a) => fastintercom::client::cli::search((&a).into()).await,
            Command::Conversation(a) => fastintercom::client::cli::conversation((&a).into()).await,
            Command::Contact(a) => fastintercom::client::cli::contact((&a).into()).await,
            Command::Ticket(a) => fastintercom::client::cli::ticket((&a).into()).await,
            Command::Company(a) => fastintercom::client::cli_workspace::company((&a).into()).await,
            Command::Article(a) => fastintercom::client::cli_workspace::article((&a).into()).await,
            #[cfg(feature = "simulator")]
            Command::Demo(a) => fastintercom::demo::run_cli((&a).into()).await,
            #[cfg(not(feature = "simulator"))]
            Command::Demo(_) => Err(without_simulator("demo")),
            Command::GenDocs(a) => fastintercom::docs::generate(&a.out).map(|_| 0),
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // One line: the reason, with its causes, as systemctl status and scripts want it.
            eprintln!("fastintercom: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// `simulate` and `demo` in a binary built without the simulated Intercom.
#[cfg(not(feature = "simulator"))]
fn without_simulator(command: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "`fastintercom {command}` needs the simulated Intercom, and this binary was built without it \
         (cargo feature `simulator`); use a build with default features, such as the Debian package or \
         `cargo build --release`"
    )
}
