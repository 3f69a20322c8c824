//! `POST /Files/Own`'s multipart form, as an API client sends it: the input is the
//! `Content-Type` header's value up to the first line break, then one byte that picks the size
//! of the chunks the body arrives in (the parser keeps state across chunk borders), then the
//! body.
#![no_main]

use axum::body::Body;
use axum::extract::Request;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let (chunk, body) = match body.split_first() {
        Some((size, body)) => (usize::from(*size).max(1), body),
        None => (1, body),
    };
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(chunk).map(|c| Ok(c.to_vec())).collect();
    let Ok(request) = Request::builder()
        .header("content-type", content_type)
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
    else {
        return;
    };
    let _ = futures_executor::block_on(upload_form::read(request, 1 << 16));
});
