//! PyPI's protocols at a repository's pypi endpoint: the simple repository
//! API (PEP 503 HTML, PEP 691 JSON, PEP 700 fields) under `simple/`, the
//! files under `files/<project>/<version>/<file>`, and twine's upload
//! (a multipart POST to the endpoint itself).

use codeartifact_packages::pypi::{self as wire, Flavor};
use dropshot::Body;
use futures::TryStreamExt as _;
use http::header::{ACCEPT, CONTENT_TYPE, LOCATION, VARY};
use http::{HeaderValue, Method, Response, StatusCode};

use super::{download, header, respond, Answer, Refusal, Request};
use crate::service::EndpointError;

/// Room for the form's text fields around the file, which twine sends
/// first; `max_asset_size` bounds the file itself.
const FORM_OVERHEAD: u64 = 16 << 20;

pub(super) async fn serve(r: Request<'_>) -> Answer {
    let (service, log, who) = (r.service, r.log, &r.who);
    match (r.method.clone(), r.segments.as_slice()) {
        // PEP 503's URLs end with `/`; the index's links are relative to it.
        (Method::GET, ["simple"] | ["simple", ""]) if !r.trailing_slash => {
            Ok(redirect(&format!("{}simple/", r.base)))
        }
        (Method::GET, ["simple"] | ["simple", ""]) => {
            let flavor = flavor(&r)?;
            let projects = service.pypi_projects(log, who).await?;
            let names: Vec<&str> = projects.iter().map(String::as_str).collect();
            Ok(page(flavor, wire::index_page(flavor, &names)))
        }
        (Method::GET, ["simple", project] | ["simple", project, ""]) => {
            let normalized = wire::normalize(project);
            if *project != normalized || !r.trailing_slash {
                // PEP 503: one URL per project, the normalized name's.
                let location = format!("{}simple/{normalized}/", r.base);
                return Ok(redirect(&location));
            }
            let flavor = flavor(&r)?;
            let found = service.pypi_project(log, who, project).await?;
            let urls: Vec<String> = found
                .files
                .iter()
                .map(|f| format!("{}files/{normalized}/{}/{}", r.base, f.version, f.filename))
                .collect();
            let files: Vec<wire::FileEntry<'_>> = found
                .files
                .iter()
                .zip(&urls)
                .map(|(f, url)| wire::FileEntry {
                    filename: &f.filename,
                    url,
                    sha256: &f.sha256,
                    requires_python: f.requires_python.as_deref(),
                    size: f.size,
                    upload_time: f.upload_time,
                })
                .collect();
            let versions: Vec<&str> = found.versions.iter().map(String::as_str).collect();
            Ok(page(flavor, wire::project_page(flavor, &found.display_name, &files, &versions)))
        }
        (Method::GET, ["files", project, version, filename]) => {
            let (_, blob) = service.pypi_file(log, who, project, version, filename, r.now).await?;
            Ok(download(blob, "application/octet-stream").await)
        }
        (Method::POST, [] | [""]) => {
            let content_type = header(r.headers, CONTENT_TYPE).unwrap_or_default();
            let boundary = multer::parse_boundary(content_type).map_err(|_| {
                EndpointError::BadRequest(
                    "An upload is a multipart/form-data POST with a boundary, as twine sends it"
                        .into(),
                )
            })?;
            let Some(body) = r.body else {
                return Err(EndpointError::BadRequest("no body".into()).into());
            };
            let limit = service.max_asset_size().saturating_add(FORM_OVERHEAD);
            let constraints =
                multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(limit));
            let stream = body.into_stream().map_err(|e| std::io::Error::other(e.external_message));
            let form = multer::Multipart::with_constraints(stream, boundary, constraints);
            let mut receiver = service.pypi_receiver(log, who);
            let upload = wire::read_upload(form, &mut receiver).await.map_err(upload_error)?;
            service.pypi_upload(log, who, upload, receiver, r.now).await?;
            Ok(respond(StatusCode::OK, "text/plain; charset=utf-8", "OK\n"))
        }
        (Method::GET, _) => Err(EndpointError::NotFound("Not found".into()).into()),
        (_, [] | [""]) => Err(Refusal::MethodNotAllowed("POST")),
        _ => Err(Refusal::MethodNotAllowed("GET")),
    }
}

/// A form that could not be read, as twine shows it.
fn upload_error(e: wire::UploadError) -> Refusal {
    let message = e.to_string();
    Refusal::Service(match e.status() {
        403 => EndpointError::Forbidden(message),
        413 => EndpointError::TooLarge(message),
        500 => EndpointError::Internal,
        _ => EndpointError::BadRequest(message),
    })
}

/// The representation the client asked for: HTML or JSON, else a 406.
fn flavor(r: &Request<'_>) -> Result<Flavor, Refusal> {
    wire::negotiate(header(r.headers, ACCEPT)).ok_or(Refusal::NotAcceptable(
        "Acceptable: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html, \
         text/html",
    ))
}

fn page(flavor: Flavor, body: String) -> Response<Body> {
    let mut response = respond(StatusCode::OK, flavor.content_type(), body);
    response.headers_mut().insert(VARY, HeaderValue::from_static("Accept"));
    response
}

fn redirect(location: &str) -> Response<Body> {
    let mut response = respond(StatusCode::MOVED_PERMANENTLY, "text/plain; charset=utf-8", "");
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}
