//! npm's registry protocol at a repository's npm endpoint: package
//! documents (full and abbreviated), tarballs, `npm publish`, dist-tags,
//! ping and whoami.

use std::collections::BTreeMap;

use codeartifact_packages::npm::{self as wire, Route, RouteError};
use dropshot::Body;
use http::header::ACCEPT;
use http::{Method, Response, StatusCode};

use super::{collect, download, header, json, Answer, Refusal, Request};
use crate::service::{EndpointError, NpmPackage};

/// The largest dist-tag body: a JSON string holding a version.
const MAX_TAG_BODY: u64 = 64 * 1024;

pub(super) async fn serve(r: Request<'_>) -> Answer {
    let route = match wire::route(&r.segments) {
        Ok(route) => route,
        Err(RouteError::Name(e)) if r.method != Method::GET => {
            return Err(EndpointError::BadRequest(e.to_string()).into())
        }
        Err(e) => return Err(EndpointError::NotFound(e.to_string()).into()),
    };
    let (service, log, who) = (r.service, r.log, &r.who);
    match (r.method.clone(), route) {
        (Method::GET, Route::Ping) => Ok(json(StatusCode::OK, "{}")),
        (Method::GET, Route::Whoami) => {
            let username = who.principal_arn();
            Ok(json(StatusCode::OK, serde_json::json!({ "username": username }).to_string()))
        }
        (Method::GET, Route::Package(name)) => {
            let package = service.npm_package(log, who, &name).await?;
            let abbreviated = wire::wants_abbreviated(header(r.headers, ACCEPT));
            Ok(document(&r.base, &package, abbreviated))
        }
        (Method::PUT, Route::Package(name)) => {
            // Decided before the document is read: a refused one is never
            // buffered. The tarball arrives base64-encoded inside the JSON.
            service.npm_may_publish(log, who, &name)?;
            let _slot = service.npm_publish_slot().await;
            let limit = (service.max_asset_size() / 3).saturating_mul(4).saturating_add(16 << 20);
            let body = collect(r.body, limit).await?;
            let version = service.npm_publish(log, who, &name, body, r.now).await?;
            let answer = serde_json::json!({ "ok": true, "id": name.full(), "version": version });
            Ok(json(StatusCode::CREATED, answer.to_string()))
        }
        (Method::GET, Route::Tarball { package, version, .. }) => {
            let (_, blob) = service.npm_tarball(log, who, &package, &version, r.now).await?;
            Ok(download(blob, "application/octet-stream").await)
        }
        (Method::GET, Route::DistTags(name)) => {
            let tags = service.npm_dist_tags(log, who, &name).await?;
            Ok(tags_answer(&tags))
        }
        // Changing a tag needs no read permission, so the answer does not
        // read the tags back.
        (Method::PUT, Route::DistTag { package, tag }) => {
            let body = collect(r.body, MAX_TAG_BODY).await?;
            service.npm_set_dist_tag(log, who, &package, &tag, &body, r.now).await?;
            Ok(json(StatusCode::OK, r#"{"ok":true}"#))
        }
        (Method::DELETE, Route::DistTag { package, tag }) => {
            service.npm_remove_dist_tag(log, who, &package, &tag).await?;
            Ok(json(StatusCode::OK, r#"{"ok":true}"#))
        }
        (_, Route::Ping | Route::Whoami | Route::Tarball { .. } | Route::DistTags(_)) => {
            Err(Refusal::MethodNotAllowed("GET"))
        }
        (_, Route::Package(_)) => Err(Refusal::MethodNotAllowed("GET, PUT")),
        (_, Route::DistTag { .. }) => Err(Refusal::MethodNotAllowed("PUT, DELETE")),
    }
}

/// The package document, its tarball URLs on this endpoint.
fn document(base: &str, package: &NpmPackage, abbreviated: bool) -> Response<Body> {
    let tarballs: Vec<String> = package
        .versions
        .iter()
        .map(|v| format!("{base}{}", wire::tarball_path(&package.name, &v.version)))
        .collect();
    let versions: Vec<wire::VersionDoc<'_>> = package
        .versions
        .iter()
        .zip(&tarballs)
        .map(|(v, tarball)| wire::VersionDoc {
            version: &v.version,
            prepared_json: if abbreviated { &v.abbreviated } else { &v.full },
            dist: wire::Dist { integrity: &v.integrity, shasum: &v.shasum, tarball },
            published: v.published,
        })
        .collect();
    let doc = wire::Document {
        name: &package.name,
        dist_tags: &package.dist_tags,
        versions: &versions,
        created: package.created,
        modified: package.modified,
        readme: package.readme.as_deref(),
    };
    let mut out = Vec::with_capacity(versions.len() * 1024);
    wire::write_document(&mut out, &doc, abbreviated);
    let mut response = json(StatusCode::OK, out);
    if abbreviated {
        let value = http::HeaderValue::from_static(wire::ABBREVIATED_CONTENT_TYPE);
        response.headers_mut().insert(http::header::CONTENT_TYPE, value);
    }
    response.headers_mut().insert(http::header::VARY, http::HeaderValue::from_static("Accept"));
    response
}

fn tags_answer(tags: &BTreeMap<String, String>) -> Response<Body> {
    let mut out = Vec::new();
    wire::write_dist_tags(&mut out, tags);
    json(StatusCode::OK, out)
}
