fn main() {
    println!("{}", greeting::greeting("rust-workspace worker", 7));
}
