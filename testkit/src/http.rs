//! A one-shot HTTP server for tests: fixed files over HTTP/1.1 on a loopback
//! port (a dataset mirror for `data fetch`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;

/// Serve `files` (URL path such as `/datasets/ml-100k.zip` → body) on
/// 127.0.0.1 until the process ends; returns the base URL `http://ADDR`.
///
/// Each connection is answered on its own thread with one response and
/// closed: the file's bytes with `200 OK`, or `404 Not Found` (body
/// `not found`) for any other path.
pub fn serve<P: Into<String>>(files: impl IntoIterator<Item = (P, Vec<u8>)>) -> String {
    let files: HashMap<String, Vec<u8>> = files.into_iter().map(|(p, b)| (p.into(), b)).collect();
    let files = Arc::new(files);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let files = files.clone();
            std::thread::spawn(move || answer(stream, &files));
        }
    });
    format!("http://{addr}")
}

fn answer(mut stream: std::net::TcpStream, files: &HashMap<String, Vec<u8>>) {
    let Ok(read) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read);
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    let resp = match files.get(path) {
        Some(body) => {
            let mut r = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend_from_slice(body);
            r
        }
        None => {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found"
                .to_vec()
        }
    };
    let _ = stream.write_all(&resp);
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    fn get(base: &str, path: &str) -> String {
        let mut s = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        raw
    }

    #[test]
    fn serves_its_files_and_404_for_the_rest() {
        let base = super::serve([("/d/a.bin", b"hello".to_vec())]);
        let ok = get(&base, "/d/a.bin");
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("Content-Length: 5\r\n") && ok.ends_with("\r\n\r\nhello"));
        let missing = get(&base, "/d/b.bin");
        assert!(
            missing.starts_with("HTTP/1.1 404 Not Found\r\n"),
            "{missing}"
        );
    }
}
