//! Gets a token, creates a repository and lists the repositories, with
//! credentials and region from AWS's standard chain (the environment, or
//! `AWS_PROFILE` and `~/.aws`).
//!
//! `cargo run -p codeartifact-client --example quickstart -- [ENDPOINT [DOMAIN]]`
//!
//! The endpoint defaults to `AWS_ENDPOINT_URL_CODEARTIFACT` (then AWS's own
//! for the region), the domain to `demo`.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use codeartifact_client::{AwsErrorExt, Client, Error};

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut builder = Client::builder();
    if let Some(endpoint) = args.next() {
        builder = builder.endpoint_url(endpoint);
    }
    let domain = args.next().unwrap_or_else(|| "demo".to_string());
    let client = builder.load().await;
    match run(&client, &domain).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The AWS code and message when the service answered; else what
            // failed on the way (credentials, the connection).
            match e.aws_error() {
                Some(error) => eprintln!("quickstart: {}: {}", error.code, error.message),
                None => eprintln!("quickstart: {e}"),
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(
    client: &Client,
    domain: &str,
) -> Result<(), Error<impl serde::Serialize + std::fmt::Debug>> {
    let token = client.get_authorization_token().domain(domain).send().await?;
    // The token is a credential: say when it expires, never what it is.
    println!("token for {domain} expires at {}", token.expiration);

    // A name of this run's own, so that the example runs again and again.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let name = format!("quickstart-{nanos}");
    let created =
        client.create_repository().domain(domain).repository(name.as_str()).send().await?;
    println!("created repository {}", created.into_inner().repository.name.as_str());

    let listed = client.list_repositories().send().await?;
    for repository in &listed.repositories {
        println!("repository {} in {}", repository.name.as_str(), repository.domain_name.as_str());
    }
    Ok(())
}
