//! `tijara-headless-api`: the JSON API of a Laâyoune – Sakia El Hamra marketplace.

use clap::Parser;

/// A JSON-only Tijara marketplace for a mobile app (Laâyoune – Sakia El Hamra region).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Database URL (PostgreSQL by default; `sqlite://file.db` works too).
    #[arg(
        long,
        env = "TIJARA_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    database_url: String,
    /// Address to listen on.
    #[arg(long, env = "TIJARA_BIND", default_value = "127.0.0.1:8090")]
    bind: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args = Args::parse();
    let engine = tijara_example_headless_api::engine(&args.database_url).await?;
    if tijara_example_headless_api::seed(&engine).await? {
        println!("Loaded 3 Laâyoune sellers and their products.");
    }
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    println!(
        "JSON API on http://{}/api/v1 (OpenAPI: /api/openapi.json)",
        args.bind
    );
    let router = tijara_example_headless_api::router(engine, format!("http://{}", args.bind));
    // The peer address reaches the login, which is throttled per client address.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await?;
    Ok(())
}
