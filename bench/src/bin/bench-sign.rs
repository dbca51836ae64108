//! Prints the headers of a SigV4-signed `POST` to a URL, as JSON, so that a
//! load generator can replay one signed request (a signature stays valid for
//! 15 minutes). Signs with the client crate's aws-sigv4 signer, credentials
//! from the standard AWS environment variables.
//! `bench-sign URL` -> `{"host": "...", "x-amz-date": "...", "authorization": "..."}`

use codeartifact_client::Signer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).ok_or("usage: bench-sign URL")?;
    let signer = Signer::from_env()?;
    let mut request = reqwest::Client::new().post(&url).build()?;
    signer.sign(&mut request)?;
    let headers: serde_json::Map<String, serde_json::Value> = request
        .headers()
        .iter()
        .map(|(k, v)| Ok((k.as_str().to_string(), v.to_str()?.to_string().into())))
        .collect::<Result<_, Box<dyn std::error::Error>>>()?;
    println!("{}", serde_json::Value::Object(headers));
    Ok(())
}
