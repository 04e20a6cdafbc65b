// A web server on std only, for the tiny run image (glibc and libgcc_s, no shell).
use std::io::{Read, Write};
use std::net::TcpListener;

fn main() {
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080);
    let listener = TcpListener::bind(("0.0.0.0", port)).expect("bind");
    for stream in listener.incoming() {
        let Ok(mut s) = stream else { continue };
        let mut req = [0u8; 4096];
        let _ = s.read(&mut req);
        let body = format!("rust-tiny ok uid={}\n", unsafe { getuid() });
        let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}", body.len(), body);
    }
}

extern "C" {
    fn getuid() -> u32;
}
