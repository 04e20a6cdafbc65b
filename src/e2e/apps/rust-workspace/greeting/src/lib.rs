/// The line both binaries print: the number formatted by the itoa crate.
pub fn greeting(who: &str, n: u64) -> String {
    let mut buf = itoa::Buffer::new();
    format!("{who} ok itoa={}", buf.format(n))
}
