//! Prints the headers of a SigV4-signed `POST` to a URL, as JSON, so that a
//! load generator can replay one signed request (a signature stays valid for
//! 15 minutes). Signs with the client crate's aws-sigv4 signer, credentials
//! and region from AWS's standard chain (the environment, then `~/.aws`).
//! `bench-sign URL` -> `{"host": "...", "x-amz-date": "...", "authorization": "..."}`

use codeartifact_client::Signer;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).ok_or("usage: bench-sign URL")?;
    let signer = Signer::load().await;
    let mut request = reqwest::Client::new().post(&url).build()?;
    signer.sign(&mut request).await?;
    let headers: serde_json::Map<String, serde_json::Value> = request
        .headers()
        .iter()
        .map(|(k, v)| Ok((k.as_str().to_string(), v.to_str()?.to_string().into())))
        .collect::<Result<_, Box<dyn std::error::Error>>>()?;
    println!("{}", serde_json::Value::Object(headers));
    Ok(())
}
