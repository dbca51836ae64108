//! Hostile and unlucky connections: the server stays up, answers, and
//! closes what it should. Connections that send nothing, too many at once,
//! bodies declared too large or never finished, a shutdown with a request
//! stuck in flight, HEAD on repository endpoints, and credentials in URLs
//! kept out of the log. Every wait is bounded; all on loopback.

use std::time::{Duration, Instant};

use codeartifact_client::types::PackageFormat;
use codeartifact_server::Storage;
use codeartifact_tests::{LoggedServer, TestServer, USER};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::registry::{endpoint, make_repository, token_for};

/// A request whose chunked body stops after its first chunk, with a
/// signature of the right form, scope and date by a known key: what the
/// headers alone decide passes, so the server goes on to read the body.
fn stuck(server: &TestServer) -> String {
    let path = "/v1/domain?domain=stuck";
    let signed = codeartifact_tests::signed(
        reqwest::Method::POST,
        &format!("{}{path}", server.url),
        b"",
        &USER.signer(),
    );
    let header = |name: &str| signed.headers()[name].to_str().unwrap().to_string();
    format!(
        "POST {path} HTTP/1.1\r\nhost: {}\r\nauthorization: {}\r\nx-amz-date: {}\r\n\
         transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n",
        address(server),
        header("authorization"),
        header("x-amz-date")
    )
}

/// `[connections]` settings for a test, at the configuration's top level.
fn connections(settings: &str) -> String {
    format!("connections = {{ {settings} }}")
}

fn address(server: &TestServer) -> String {
    server.url.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection, for `limit` at most;
/// what was read, or `None` if the connection was still open at the end.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => out.extend_from_slice(&buffer[..n]),
            }
        }
    });
    read.await.ok().map(|()| out)
}

/// `n` connections to the server, each having sent `first` (if anything).
async fn open(server: &TestServer, n: usize, first: &[u8]) -> Vec<TcpStream> {
    let mut streams = Vec::new();
    for _ in 0..n {
        let mut stream = TcpStream::connect(address(server)).await.unwrap();
        stream.write_all(first).await.unwrap();
        streams.push(stream);
    }
    streams
}

/// How many of `streams` the server closes, waiting `limit` on each.
async fn closed_among(streams: &mut [TcpStream], limit: Duration) -> usize {
    let mut closed = 0;
    for stream in streams {
        if read_until_closed(stream, limit).await.is_some() {
            closed += 1;
        }
    }
    closed
}

/// The status line and headers of a raw response, lower-cased.
fn head_of(response: &[u8]) -> String {
    let text = String::from_utf8_lossy(response);
    text.split("\r\n\r\n").next().unwrap_or_default().to_ascii_lowercase()
}

#[tokio::test]
async fn connections_that_send_nothing_are_closed_after_the_idle_timeout() {
    let server =
        TestServer::start_with(&connections("idle_timeout_seconds = 1"), Storage::Ephemeral).await;
    let started = Instant::now();
    let mut idle = open(&server, 50, b"").await;
    for stream in &mut idle {
        let read = read_until_closed(stream, Duration::from_secs(5)).await;
        assert_eq!(read.as_deref(), Some(&[][..]), "an idle connection was answered or kept");
    }
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900), "closed before the timeout: {waited:?}");
    // The server still answers.
    server.client(*USER).list_domains().send().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn when_full_the_oldest_silent_connection_makes_room_for_a_request() {
    let server = TestServer::start_with(&connections("max = 20"), Storage::Ephemeral).await;
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(address(&server)).await.unwrap());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    for _ in 0..5 {
        server.client(*USER).list_domains().send().await.unwrap();
    }
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // The oldest made room; the newest are still open.
    let oldest = read_until_closed(&mut silent[0], Duration::from_secs(2)).await;
    assert_eq!(oldest.as_deref(), Some(&[][..]), "the oldest silent connection was kept");
    let newest = read_until_closed(&mut silent[19], Duration::from_millis(300)).await;
    assert_eq!(newest, None, "the newest silent connection was closed");
    server.stop().await;
}

#[tokio::test]
async fn when_full_of_requests_in_flight_a_newcomer_is_told_to_retry() {
    let server = TestServer::start_with(&connections("max = 10"), Storage::Ephemeral).await;
    // Ten requests whose bodies stopped arriving: busy, not silent.
    let mut busy = open(&server, 10, stuck(&server).as_bytes()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(address(&server)).await.unwrap();
    extra.write_all(b"GET /v1/domains HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    let answer = read_until_closed(&mut extra, Duration::from_secs(3)).await.unwrap();
    let head = head_of(&answer);
    assert!(head.starts_with("http/1.1 503"), "{head}");
    assert!(head.contains("x-amzn-errortype: serviceunavailableexception"), "{head}");
    assert!(head.contains("retry-after: 1"), "{head}");
    let text = String::from_utf8_lossy(&answer);
    let body = text.split_once("\r\n\r\n").unwrap().1;
    assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert!(body["message"].as_str().unwrap().contains("too many open connections"));
    // Room again once one of them is gone.
    drop(busy.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.client(*USER).list_domains().send().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn what_the_headers_decide_is_answered_before_the_body_even_while_it_keeps_coming() {
    let server = TestServer::start().await;
    let big = "content-length: 53687091200\r\n";
    // A signature of the right form by a known key, over a body too big.
    let signed = stuck(&server).replace("transfer-encoding: chunked\r\n", big);
    let signed = signed.split("\r\n\r\n").next().unwrap().to_string() + "\r\n\r\n";
    let unknown_key = signed.replace(USER.access_key_id, "AKIAUNKNOWNKEY000000");
    let cases = [
        (
            format!("POST /v1/domain?domain=big HTTP/1.1\r\nhost: x\r\n{big}\r\n"),
            "http/1.1 403",
            "missingauthenticationtokenexception",
            "Missing Authentication Token",
        ),
        (
            format!(
                "POST /v1/domain?domain=big HTTP/1.1\r\nhost: x\r\n\
                 authorization: AWS4-HMAC-SHA256 x\r\n{big}\r\n"
            ),
            "http/1.1 400",
            "incompletesignatureexception",
            "",
        ),
        (unknown_key, "http/1.1 403", "unrecognizedclientexception", ""),
        (signed, "http/1.1 400", "validationexception", "exceeded maximum size of 1048576 bytes"),
    ];
    for (request, status, error_type, message) in cases {
        let (mut reader, mut writer) =
            TcpStream::connect(address(&server)).await.unwrap().into_split();
        // The client keeps sending its body, as a real upload would.
        let sending = tokio::spawn(async move {
            writer.write_all(request.as_bytes()).await.unwrap();
            let started = Instant::now();
            let chunk = vec![b'{'; 64 * 1024];
            let mut sent = 0usize;
            while started.elapsed() < Duration::from_secs(4) {
                match writer.write_all(&chunk).await {
                    Ok(()) => sent += chunk.len(),
                    Err(_) => break,
                }
            }
            sent
        });
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut answer));
        let _ = read.await;
        let sent = sending.await.unwrap();
        let head = head_of(&answer);
        assert!(head.starts_with(status), "{error_type}: {head}");
        assert!(head.contains(&format!("x-amzn-errortype: {error_type}")), "{head}");
        assert!(head.contains("x-amzn-requestid"), "{head}");
        assert!(head.contains("connection: close"), "{head}");
        assert!(String::from_utf8_lossy(&answer).contains(message));
        // The gate read (and dropped) a little after the answer, no more.
        assert!(sent < 64 << 20, "{error_type}: {sent} bytes were taken");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_request_left_unfinished_is_closed_after_the_request_timeout() {
    let server =
        TestServer::start_with(&connections("request_timeout_seconds = 1"), Storage::Ephemeral)
            .await;
    let mut stream = TcpStream::connect(address(&server)).await.unwrap();
    stream.write_all(stuck(&server).as_bytes()).await.unwrap();
    let started = Instant::now();
    assert!(
        read_until_closed(&mut stream, Duration::from_secs(5)).await.is_some(),
        "a stalled body held its connection"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    server.stop().await;
}

#[tokio::test]
async fn shutdown_ends_within_its_grace_period_with_a_body_stuck_in_flight() {
    // A long idle timeout: only the grace period can end this.
    let server =
        TestServer::start_with(&connections("shutdown_grace_seconds = 1"), Storage::Ephemeral)
            .await;
    let mut stream = TcpStream::connect(address(&server)).await.unwrap();
    stream.write_all(stuck(&server).as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), server.stop()).await.expect("shutdown finished");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900), "the request got no grace: {took:?}");
    assert!(took < Duration::from_secs(8), "{took:?}");
    assert!(read_until_closed(&mut stream, Duration::from_secs(2)).await.is_some());
}

#[tokio::test]
async fn head_on_repository_endpoints_answers_as_get_without_a_body() {
    let server = TestServer::start().await;
    make_repository(&server, "demo", "probe").await;
    let token = token_for(&server, "demo").await;
    let pypi = endpoint(&server, "demo", "probe", PackageFormat::Pypi).await;
    let npm = endpoint(&server, "demo", "probe", PackageFormat::Npm).await;
    let client = reqwest::Client::new();
    for url in [format!("{pypi}simple/"), format!("{npm}no-such-package")] {
        let get = client.get(&url).bearer_auth(&token).send().await.unwrap();
        let head = client.head(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "{url}");
        assert_ne!(head.status(), reqwest::StatusCode::METHOD_NOT_ALLOWED);
        for name in ["content-type", "content-length"] {
            assert_eq!(head.headers().get(name), get.headers().get(name), "{url}: {name}");
        }
        assert!(head.bytes().await.unwrap().is_empty());
        assert!(!get.bytes().await.unwrap().is_empty());
    }
    // Without a token, HEAD is refused as GET is.
    let head = client.head(format!("{pypi}simple/")).send().await.unwrap();
    assert_eq!(head.status(), reqwest::StatusCode::UNAUTHORIZED);
    server.stop().await;
}

#[tokio::test]
async fn credentials_in_request_urls_never_reach_the_log() {
    let server = LoggedServer::start("", Storage::Ephemeral).await;
    let base = server.url.clone();
    let secrets = ["tok3nSECRET", "s1gnatureSECRET", "sessionSECRET", "passSECRET"];
    let urls = [
        format!("{base}/v1/domains?token={}", secrets[0]),
        format!(
            "{base}/v1/authorization-token?domain=demo&X-Amz-Signature={}&X-Amz-Security-Token={}",
            secrets[1], secrets[2]
        ),
        format!("{base}/d/demo-111122223333/pypi/demo-repo/simple/?password={}", secrets[3]),
    ];
    let client = reqwest::Client::new();
    for url in &urls {
        // Refused (unsigned), which is logged too.
        let answer = client.post(url).send().await.unwrap();
        assert!(answer.status().is_client_error());
        let answer = client.get(url).send().await.unwrap();
        assert!(answer.status().is_client_error());
    }
    let log = server.log.clone();
    server.stop().await;
    let log = log.text();
    assert!(log.lines().any(|line| line.contains("uri=/v1/domains?token=REDACTED")), "{log}");
    for line in log.lines() {
        for secret in secrets {
            assert!(!line.contains(secret), "a secret reached the log: {line}");
        }
    }
}

#[tokio::test]
async fn an_api_body_that_trickles_is_cut_off_at_its_deadline() {
    let server =
        TestServer::start_with(&connections("body_timeout_seconds = 3"), Storage::Ephemeral).await;
    let mut stream = TcpStream::connect(address(&server)).await.unwrap();
    stream.write_all(stuck(&server).as_bytes()).await.unwrap();
    let started = Instant::now();
    let deadline = Duration::from_secs(3);
    // A byte every second: never idle, never done.
    let answer = loop {
        let mut buffer = [0u8; 4096];
        match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buffer)).await {
            Ok(Ok(n)) => break buffer[..n].to_vec(),
            Ok(Err(e)) => panic!("{e}"),
            Err(_) => {}
        }
        assert!(started.elapsed() < deadline + Duration::from_secs(5), "no answer");
        stream.write_all(b"1\r\na\r\n").await.unwrap();
    };
    assert!(started.elapsed() >= deadline - Duration::from_secs(1));
    let head = head_of(&answer);
    assert!(head.starts_with("http/1.1 400"), "{head}");
    assert!(head.contains("x-amzn-errortype: validationexception"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(String::from_utf8_lossy(&answer).contains("did not arrive within"));
    server.stop().await;
}

#[tokio::test]
async fn an_answer_the_server_takes_long_over_outlives_the_idle_timeout() {
    // An npm registry that takes 2.5 s to say it has no such package.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = format!("http://{}/", listener.local_addr().unwrap());
    let slow = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = stream.read(&mut head).await;
                tokio::time::sleep(Duration::from_millis(2500)).await;
                let answer =
                    "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    let extra = format!(
        "{}\nexternal_connections = {{ \"public:npmjs\" = \"{upstream}\" }}",
        connections("idle_timeout_seconds = 1")
    );
    let server = TestServer::start_with(&extra, Storage::Ephemeral).await;
    make_repository(&server, "demo", "through").await;
    let client = server.client(*USER);
    let associate = client.associate_external_connection().domain("demo").repository("through");
    associate.external_connection("public:npmjs").send().await.unwrap();
    let token = token_for(&server, "demo").await;
    let npm = endpoint(&server, "demo", "through", PackageFormat::Npm).await;
    let started = Instant::now();
    let answer = reqwest::Client::new()
        .get(format!("{npm}left-pad"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answered, not cut off at the idle timeout");
    assert_eq!(answer.status(), reqwest::StatusCode::NOT_FOUND);
    assert!(started.elapsed() >= Duration::from_secs(2), "{:?}", started.elapsed());
    slow.abort();
    server.stop().await;
}

#[tokio::test]
async fn when_full_a_connection_kept_alive_unused_makes_room() {
    let server = TestServer::start_with(&connections("max = 5"), Storage::Ephemeral).await;
    // Five clients, each with a connection kept alive after one request.
    let mut kept = Vec::new();
    for _ in 0..5 {
        let mut stream = TcpStream::connect(address(&server)).await.unwrap();
        stream.write_all(b"GET /v1/domains HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
        let mut answer = [0u8; 4096];
        assert!(stream.read(&mut answer).await.unwrap() > 0);
        kept.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // Let in at once (a 503 would fail the call), not after an idle timeout.
    let started = Instant::now();
    server.client(*USER).list_domains().send().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let closed = closed_among(&mut kept, Duration::from_millis(200)).await;
    assert_eq!(closed, 1, "exactly one unused connection made room");
    server.stop().await;
}

#[tokio::test]
async fn shutdown_closes_the_connections_that_sent_nothing_at_once() {
    let server =
        TestServer::start_with(&connections("shutdown_grace_seconds = 30"), Storage::Ephemeral)
            .await;
    let mut silent = TcpStream::connect(address(&server)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), server.stop()).await.expect("stopped at once");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(read_until_closed(&mut silent, Duration::from_secs(1)).await.is_some());
}

#[tokio::test]
async fn when_full_a_connection_whose_request_head_stalled_makes_room() {
    let server = TestServer::start_with(&connections("max = 10"), Storage::Ephemeral).await;
    // Slow-loris: a byte of a request, then nothing.
    let mut loris = open(&server, 10, b"P").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let started = Instant::now();
    for _ in 0..3 {
        server.client(*USER).list_domains().send().await.unwrap();
    }
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let closed = closed_among(&mut loris, Duration::from_millis(100)).await;
    assert!((1..=3).contains(&closed), "{closed} made room");
    server.stop().await;
}

#[tokio::test]
async fn each_request_is_one_info_line_with_the_clients_address() {
    let server = LoggedServer::start("", Storage::Ephemeral).await;
    let mut clients = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.server.local_addr()).await.unwrap();
        let client = stream.local_addr().unwrap();
        let request = b"POST /v1/domains HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n";
        stream.write_all(request).await.unwrap();
        let mut answer = [0u8; 4096];
        assert!(stream.read(&mut answer).await.unwrap() > 0);
        clients.push((client, stream));
    }
    let log = server.log.clone();
    server.stop().await;
    let log = log.text();
    let info: Vec<&str> =
        log.lines().filter(|line| line.starts_with("INFO") && line.contains("req_id=")).collect();
    assert_eq!(info.len(), 2, "one line at info a request: {log}");
    for (client, _) in &clients {
        // Not the gate's hop, which is all dropshot sees.
        let line = info
            .iter()
            .find(|line| line.contains(&format!("remote_addr={client}")))
            .unwrap_or_else(|| panic!("no request line from {client}: {log}"));
        assert!(line.starts_with("INFO request completed"), "{line}");
        for part in
            ["method=POST", "uri=/v1/domains", "response_code=403", "decision=unauthenticated"]
        {
            assert!(line.contains(part), "{part} missing: {line}");
        }
        assert!(line.contains("error=MissingAuthenticationTokenException"), "{line}");
    }
    // Connections are logged at debug only, with both addresses.
    assert!(!log.lines().any(|l| l.starts_with("INFO accepted connection")), "{log}");
    assert_eq!(
        log.lines().filter(|l| l.starts_with("DEBG accepted connection")).count(),
        2,
        "{log}"
    );
}
