//! Placeholder until this suite lands.
fn main() {}
