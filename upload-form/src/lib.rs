//! The `multipart/form-data` body of `POST /Files/Own` read into [`UploadOwnFileParts`].
//!
//! The form is what an API client sends, so every byte of it is outside input: whatever it holds,
//! reading ends in parts or in a [`InvalidForm`] with the reason, never in a panic (the `upload_form`
//! fuzz target checks that). The size limit is the caller's: the route's body limit applies
//! while the body is read.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use runtime_types::files::UploadOwnFileParts;
use std::fmt;

/// Why a form could not be read; the text is the message of the API's validation error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidForm(pub String);

impl fmt::Display for InvalidForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidForm {}

/// Reads the upload form. A request that is not `multipart/form-data` at all (no body, JSON)
/// is an upload without its parts: the use case then names the first missing property, as the
/// runtime does.
///
/// The file's buffer is reserved at the request's `Content-Length` (the file plus the form's
/// framing), at most `max_capacity`, which the caller sets to its body limit.
pub async fn read(
    request: Request,
    max_capacity: usize,
) -> Result<UploadOwnFileParts, InvalidForm> {
    let mut file = UploadOwnFileParts::default();
    if !is_multipart(&request) {
        return Ok(file);
    }
    let capacity = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(max_capacity);
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| InvalidForm(format!("the multipart body is invalid: {}", e.body_text())))?;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| InvalidForm(format!("the multipart body is invalid: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            // Multer reads the name as latin1; the official Connector re-decodes it as UTF-8,
            // which is what the raw header bytes are.
            file.filename = Some(field.file_name().unwrap_or_default().to_owned());
            file.mimetype = Some(
                field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
            );
            // One buffer of about the body's size, filled chunk by chunk: letting it grow
            // would copy the file at every doubling and hold it twice meanwhile.
            let mut content = Vec::with_capacity(capacity);
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| InvalidForm(format!("the file part is invalid: {e}")))?
            {
                content.extend_from_slice(&chunk);
            }
            file.content = Some(content);
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| InvalidForm(format!("the field {name} is invalid: {e}")))?;
        match name.as_str() {
            "expiresAt" => file.expires_at = Some(text),
            "title" => file.title = Some(text),
            "description" => file.description = Some(text),
            "tags" | "tags[]" => file.tags.get_or_insert_with(Vec::new).push(text),
            _ => {}
        }
    }
    Ok(file)
}

fn is_multipart(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn form(content_type: &str, body: &'static [u8]) -> Request {
        Request::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    }

    #[tokio::test]
    async fn reads_the_file_and_the_fields() {
        let body: &[u8] = b"--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nT\r\n\
            --b\r\nContent-Disposition: form-data; name=\"tags[]\"\r\n\r\nx\r\n\
            --b\r\nContent-Disposition: form-data; name=\"tags[]\"\r\n\r\ny\r\n\
            --b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
            Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n";
        let parts = read(form("multipart/form-data; boundary=b", body), 1024)
            .await
            .unwrap();
        assert_eq!(
            parts,
            UploadOwnFileParts {
                content: Some(b"hello".to_vec()),
                filename: Some("a.txt".into()),
                mimetype: Some("text/plain".into()),
                title: Some("T".into()),
                tags: Some(vec!["x".into(), "y".into()]),
                ..Default::default()
            }
        );
    }

    #[tokio::test]
    async fn a_body_that_is_no_form_has_no_parts() {
        let parts = read(form("application/json", b"{}"), 1024).await.unwrap();
        assert_eq!(parts, UploadOwnFileParts::default());
    }

    #[tokio::test]
    async fn broken_framing_is_an_invalid_form() {
        let no_boundary = read(form("multipart/form-data", b"--b\r\n"), 1024).await;
        assert!(
            no_boundary
                .unwrap_err()
                .0
                .starts_with("the multipart body is invalid")
        );
        let unterminated = read(
            form(
                "multipart/form-data; boundary=b",
                b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nhel",
            ),
            1024,
        )
        .await;
        assert!(unterminated.is_err());
    }
}
