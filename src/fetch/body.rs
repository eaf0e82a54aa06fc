//! Reading a response: its body streamed and cut at the cap before the deadline, and, over
//! HTTP/1.x, the stored response and its entity cut from the bytes the connection received.

use super::failure::{Failure, classify_body_error, timed_out};
use super::wire::{self, Answer};
use super::{Exchange, Fetcher, PRESIZE_LIMIT, REDACTED, Truncation, WireBytes};
use http_body_util::BodyExt;
use tokio::time::Instant;
use url::Url;

impl Fetcher {
    /// Reads a response's body, streamed and cut at the cap, before `deadline`. Over HTTP/1.x
    /// the exchange keeps the bytes that crossed the wire, and the body is taken from them.
    pub(super) async fn read_body(
        &self,
        url: &Url,
        request_headers: Vec<(String, String)>,
        secret_names: &[&str],
        mut answer: Answer,
        deadline: Instant,
    ) -> ReadResponse {
        let max = self.options.max_body;
        let declared = answer
            .head
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let mut exchange = Exchange {
            url: url.clone(),
            at: jiff::Timestamp::now(),
            request_headers,
            version: answer.head.version,
            status: answer.head.status.as_u16(),
            headers: answer.head.headers.clone(),
            body: Vec::new(),
            truncated: None,
            remote_addr: Some(answer.remote_addr),
            wire: None,
        };
        let room = usize::try_from(max).unwrap_or(usize::MAX);
        let failure = if declared.is_some_and(|len| len > max) {
            exchange.truncated = Some(Truncation::Length);
            None
        } else {
            self.stream_body(&mut answer, &mut exchange, declared, room, deadline)
                .await
        };
        if let Some(tape) = &answer.tape {
            let (sent, received) = tape.take();
            let (response, entity) = exchange_bytes(received, &exchange, room);
            exchange.body = entity;
            exchange.wire = Some(WireBytes {
                request: crate::warc::http::redact_headers(&sent, secret_names, REDACTED),
                response,
            });
        }
        ReadResponse { exchange, failure }
    }

    /// Reads the body's frames until its end, the cap, the deadline or a failure. The data is
    /// kept in `exchange.body` only when no tape records it.
    async fn stream_body(
        &self,
        answer: &mut Answer,
        exchange: &mut Exchange,
        declared: Option<u64>,
        room: usize,
        deadline: Instant,
    ) -> Option<Failure> {
        let keep = answer.tape.is_none();
        // Sized once from the declared length (never beyond the cap, nor beyond what a lying
        // server could make us reserve for nothing) instead of doubling through reallocations:
        // perf showed the copies of a growing body among the archiving run's largest costs.
        if keep && let Some(len) = declared {
            let declared = usize::try_from(len).unwrap_or(usize::MAX);
            exchange
                .body
                .reserve_exact(declared.min(room).min(PRESIZE_LIMIT));
        }
        let mut received = 0usize;
        loop {
            let frame = match tokio::time::timeout_at(deadline, answer.body.frame()).await {
                Err(_) => {
                    exchange.truncated = Some(Truncation::Time);
                    return Some(timed_out(self.options.timeout));
                }
                Ok(None) => return None,
                Ok(Some(Err(error))) => {
                    exchange.truncated = Some(Truncation::Disconnect);
                    return Some(classify_body_error(&error));
                }
                Ok(Some(Ok(frame))) => frame,
            };
            let Ok(data) = frame.into_data() else {
                continue; // trailers
            };
            let left = room.saturating_sub(received);
            received = received.saturating_add(data.len());
            if keep {
                exchange
                    .body
                    .extend_from_slice(&data[..data.len().min(left)]);
            }
            let overflow = answer
                .tape
                .as_ref()
                .is_some_and(wire::TapeHandle::overflowed);
            if data.len() > left || overflow {
                exchange.truncated = Some(Truncation::Length);
                return None;
            }
        }
    }
}

/// The response as stored and its entity, from the bytes a connection received: the final
/// response (interim `1xx` ones skipped), its head as sent, and its body's framing up to the end
/// of the message or the cap — so that decoding the stored framing gives the entity back.
fn exchange_bytes(mut received: Vec<u8>, exchange: &Exchange, room: usize) -> (Vec<u8>, Vec<u8>) {
    use crate::warc::http::{dechunk, final_response_start, head_end};
    // The tape becomes the stored response in place (interim responses drained, the tail past
    // the message cut): no second copy of a body the size of the cap.
    let start = final_response_start(&received);
    received.drain(..start);
    let response = &received[..];
    let head_len = head_end(response).unwrap_or(response.len());
    let body = &response[head_len..];
    let bodiless = matches!(exchange.status, 100..=199 | 204 | 304);
    let chunked = exchange
        .headers
        .get_all(http::header::TRANSFER_ENCODING)
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
    let (stored, entity) = if bodiless {
        (0, Vec::new())
    } else if chunked {
        let d = dechunk(body, room);
        (d.consumed, d.entity)
    } else {
        let declared = exchange
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(usize::MAX);
        let n = body.len().min(declared).min(room);
        (n, body[..n].to_vec())
    };
    received.truncate(head_len + stored);
    (received, entity)
}

/// A response read as far as it could be.
pub(super) struct ReadResponse {
    pub(super) exchange: Exchange,
    /// What went wrong while reading the body, if anything did.
    pub(super) failure: Option<Failure>,
}
