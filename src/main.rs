//! The `werkmatch` command: serve (default), migrate, openapi, admin create-user.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use werkmatch::auth::model::{Language, Role};
use werkmatch::config::Settings;
use werkmatch::{auth, clock::Clock, openapi, startup, telemetry};

#[derive(Parser)]
#[command(
    name = "werkmatch",
    version,
    about = "Matching young jobseekers with work"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (the default). Runs pending migrations first.
    Serve,
    /// Run pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (JSON) to standard output.
    Openapi,
    /// Fill the database with a realistic, reproducible demo data set.
    SeedDemo {
        #[arg(long, default_value_t = 200)]
        youth: usize,
        #[arg(long, default_value_t = 100)]
        vacancies: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Operator tasks.
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Subcommand)]
enum Admin {
    /// Create an account of any role (intermediaries and admins are created this way).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: CliRole,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value = "nl")]
        language: CliLanguage,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create an intermediary organisation; its first coordinator is mailed an invitation.
    CreateOrganisation {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        kind: CliKind,
        #[arg(long)]
        city: String,
        #[arg(long)]
        coordinator_email: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CliKind {
    Municipality,
    Uwv,
    #[value(name = "youth_work")]
    YouthWork,
    School,
    Agency,
}

#[derive(Clone, Copy, ValueEnum)]
enum CliRole {
    Youth,
    Employer,
    Intermediary,
    Admin,
}

#[derive(Clone, Copy, ValueEnum)]
enum CliLanguage {
    Nl,
    En,
}

/// glibc raises its mmap threshold after large blocks are freed, and then keeps argon2's
/// 19 MiB blocks in its arenas for good: 200 logins grew the server from 38 MB to 250 MB.
/// A fixed threshold hands blocks over 1 MiB back to the system when freed (77 MB then).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets an allocator parameter; it runs first in main, before any
    // other thread exists or any allocation depends on the setting.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", openapi::to_json(&openapi::document()));
        return ExitCode::SUCCESS;
    }
    // A missing .env is normal; a broken one is worth a line.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("warning: .env not read: {e}");
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve | Command::Openapi => {
                let app = startup::Application::build(settings)
                    .await
                    .map_err(|e| e.to_string())?;
                app.run_until_stopped().await.map_err(|e| e.to_string())
            }
            Command::Migrate => {
                let db = startup::open_database(&settings, true)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("migrations are up to date ({})", db.backend());
                Ok(())
            }
            Command::SeedDemo {
                youth,
                vacancies,
                seed,
            } => seed_demo(settings, youth, vacancies, seed).await,
            Command::Admin(Admin::CreateUser {
                email,
                role,
                name,
                language,
                password_stdin,
            }) => create_user(settings, email, role, name, language, password_stdin).await,
            Command::Admin(Admin::CreateOrganisation {
                name,
                kind,
                city,
                coordinator_email,
            }) => create_organisation(settings, name, kind, city, coordinator_email).await,
        }
    });
    // Stop every task and blocking thread before the process ends, so that no thread is still
    // inside libpq or OpenSSL while their exit handlers run (operators script these commands:
    // a crash after success must not turn into a non-zero exit). Dropping the tasks drops the
    // last pool handles, which closes every database connection here, in order.
    runtime.shutdown_timeout(std::time::Duration::from_secs(10));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn create_organisation(
    settings: Settings,
    name: String,
    kind: CliKind,
    city: String,
    coordinator_email: String,
) -> Result<(), String> {
    use werkmatch::access::OrganisationKind as K;
    let kind = match kind {
        CliKind::Municipality => K::Municipality,
        CliKind::Uwv => K::Uwv,
        CliKind::YouthWork => K::YouthWork,
        CliKind::School => K::School,
        CliKind::Agency => K::Agency,
    };
    let state = startup::build_state(settings, Clock::System)
        .await
        .map_err(|e| e.to_string())?;
    let body = werkmatch::caseloads::model::NewIntermediary {
        name,
        kind,
        city,
        coordinator_email: coordinator_email.clone(),
    };
    let org = werkmatch::caseloads::service::create_intermediary_by_operator(&state, body)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "created {} ({}, id {}); the invitation to {coordinator_email} is in the outbox (the server's worker sends it)",
        org.name,
        org.kind.as_str(),
        org.id
    );
    Ok(())
}

async fn create_user(
    settings: Settings,
    email: String,
    role: CliRole,
    name: String,
    language: CliLanguage,
    password_stdin: bool,
) -> Result<(), String> {
    let role = match role {
        CliRole::Youth => Role::Youth,
        CliRole::Employer => Role::Employer,
        CliRole::Intermediary => Role::Intermediary,
        CliRole::Admin => Role::Admin,
    };
    let language = match language {
        CliLanguage::Nl => Language::Nl,
        CliLanguage::En => Language::En,
    };
    let (password, generated) = if password_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("reading password: {e}"))?;
        (s.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (auth::tokens::random_token(), true)
    };
    let state = startup::build_state(settings, Clock::System)
        .await
        .map_err(|e| e.to_string())?;
    let id = auth::service::create_user(&state, &email, role, &name, &password, language)
        .await
        .map_err(|e| e.to_string())?;
    println!("created {} account {id} for {email}", role.as_str());
    if generated {
        println!("password (shown once): {password}");
    }
    Ok(())
}

async fn seed_demo(
    settings: Settings,
    youth: usize,
    vacancies: usize,
    seed: u64,
) -> Result<(), String> {
    use std::io::{IsTerminal, Write};
    if settings.app_env == werkmatch::config::AppEnv::Production {
        // The demo accounts share one published password.
        return Err(
            "seed-demo refuses to run with APP_ENV=production: its accounts share a public password"
                .into(),
        );
    }
    let state = startup::build_state(settings, Clock::System)
        .await
        .map_err(|e| e.to_string())?;
    let hash = state
        .passwords
        .hash(werkmatch::demo::DEMO_PASSWORD.to_owned())
        .await
        .map_err(|e| e.to_string())?;
    let now = state.clock.now_naive();
    let options = werkmatch::demo::Options {
        youth,
        vacancies,
        seed,
    };
    let started = std::time::Instant::now();
    let report = state
        .db
        .run(move |conn| {
            let terminal = std::io::stderr().is_terminal();
            let mut last_decile = usize::MAX;
            let mut progress = |stage: &str, done: usize, total: usize| {
                // A bar on a terminal; a line per 10 % in logs.
                if terminal {
                    let width = 30;
                    let filled = (done * width).checked_div(total).unwrap_or(width);
                    eprint!(
                        "\r{stage:<14} [{}{}] {done}/{total}   ",
                        "#".repeat(filled),
                        " ".repeat(width - filled)
                    );
                    if done == total {
                        eprintln!();
                    }
                    let _ = std::io::stderr().flush();
                } else {
                    let decile = (done * 10).checked_div(total).unwrap_or(10);
                    if decile != last_decile {
                        eprintln!("{stage}: {done}/{total}");
                        last_decile = decile;
                    }
                }
            };
            werkmatch::demo::seed(conn, options, &hash, now, &mut progress).map_err(Into::into)
        })
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "inserted {} youth, {} organisations, {} vacancies in {:.1} s (seed {seed}; rows that existed already were kept)",
        report.youth,
        report.organisations,
        report.vacancies,
        started.elapsed().as_secs_f64()
    );
    println!(
        "try: {} (youth), {} (employer) or {} (coach, {} youth in the caseload) with password {}",
        report.youth_login,
        report.employer_login,
        report.coach_login,
        werkmatch::demo::DEMO_CASELOAD,
        werkmatch::demo::DEMO_PASSWORD
    );
    Ok(())
}
