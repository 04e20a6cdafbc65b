// A web server on std only: answers every request with the greeting and the file in static/.
use std::io::{Read, Write};
use std::net::TcpListener;

fn main() {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let listener = TcpListener::bind(("0.0.0.0", port.parse::<u16>().expect("PORT"))).expect("bind");
    for stream in listener.incoming() {
        let Ok(mut s) = stream else { continue };
        let mut req = [0u8; 4096];
        let _ = s.read(&mut req);
        let asset = std::fs::read_to_string("static/hello.txt").unwrap_or_else(|_| "no asset".into());
        let body = format!("{} asset={}\n", greeting::greeting("rust-workspace web", 42), asset.trim());
        let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}", body.len(), body);
    }
}
