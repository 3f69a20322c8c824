//! QR code answers: where the official Connector offers `image/png`, the picture encodes the
//! object's URL reference (`reference.url`), as its controllers do. Works for any DTO with a
//! `reference`, typed or not.

use super::{ApiResult, TransportApiError};
use crate::http::json::Envelope;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qrcode::{Color, EcLevel, QrCode};
use serde::Serialize;
use transport::TransportError;

/// The API document's schema of a QR code answer (`image/png`).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct QrCodePng(#[allow(dead_code)] Vec<u8>);

/// Pixels per module and quiet-zone modules, the defaults of the official `qrcode` npm package.
const SCALE: usize = 4;
const MARGIN: usize = 4;

/// Whether the client prefers `image/png` over `application/json`, by the `Accept` header's
/// quality, then specificity, then order (the rules Express's content negotiation follows).
pub fn wants_png(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    match (
        rank(accept, "image", "png"),
        rank(accept, "application", "json"),
    ) {
        (None, _) => false,
        (Some(png), None) => png.0 > 0.0,
        (Some(png), Some(json)) => {
            png.0 > 0.0
                && (png.0 > json.0 || (png.0 == json.0 && (png.1, json.2) > (json.1, png.2)))
        }
    }
}

/// The best `Accept` entry matching `kind/sub`: (quality, specificity, position).
fn rank(accept: &str, kind: &str, sub: &str) -> Option<(f32, u8, usize)> {
    let mut best: Option<(f32, u8, usize)> = None;
    for (position, entry) in accept.split(',').enumerate() {
        let mut parts = entry.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let Some((k, s)) = media.split_once('/') else {
            continue;
        };
        let specificity = match (k, s) {
            _ if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(sub) => 2,
            _ if k.eq_ignore_ascii_case(kind) && s == "*" => 1,
            ("*", "*") => 0,
            _ => continue,
        };
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        // The most specific matching entry decides, as in RFC 9110 §12.5.1.
        if best.is_none_or(|b| specificity > b.1) {
            best = Some((quality, specificity, position));
        }
    }
    best
}

/// `dto` in the JSON envelope, or its reference as a QR code named `{name}.png` when the
/// client asks for `image/png`.
pub fn dto_or_png<T: Serialize>(headers: &HeaderMap, dto: T, name: &str) -> ApiResult<Response> {
    if wants_png(headers) {
        return png_response(&dto, name, StatusCode::OK);
    }
    Ok(Envelope(dto).into_response())
}

/// The PNG answer for a DTO with a `reference.url`, named `{name}.png`.
pub fn png_response<T: Serialize>(dto: &T, name: &str, status: StatusCode) -> ApiResult<Response> {
    let dto = serde_json::to_value(dto).map_err(|e| internal(e.to_string()))?;
    let url = dto["reference"]["url"]
        .as_str()
        .ok_or_else(|| internal("the object has no URL reference"))?;
    let png = encode(url)?;
    let disposition = format!("attachment;filename={}.png", file_name(name));
    Ok((
        status,
        [
            (header::CONTENT_TYPE, "image/png".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        png,
    )
        .into_response())
}

/// `text` as a black-on-white QR code PNG (8-bit greyscale).
pub fn encode(text: &str) -> Result<Vec<u8>, TransportApiError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| internal(format!("the QR code cannot hold the reference: {e}")))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * MARGIN) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x0, y0) = (
            (i % modules + MARGIN) * SCALE,
            (i / modules + MARGIN) * SCALE,
        );
        for row in pixels.chunks_mut(side).skip(y0).take(SCALE) {
            row[x0..x0 + SCALE].fill(0);
        }
    }
    let side = u32::try_from(side).map_err(|_| internal("the QR code is too large"))?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&pixels))
        .map_err(|e| internal(format!("the QR code PNG cannot be written: {e}")))?;
    Ok(out)
}

/// Ids are alphanumeric; anything else in a file name is percent-encoded, never echoed raw.
fn file_name(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn internal(message: impl Into<String>) -> TransportApiError {
    TransportError::Internal(message.into()).into()
}
